package gpt2j.engine;

import gpt2j.weights.Gpt2Config;

/**
 * Keys and values of every processed position, per layer, head-major: {@code keys[layer][(head * capacity + position)
 * * headSize + i]}, so one head's keys for positions 0..t are one contiguous block that the attention kernel streams.
 * {@link #length()} is the number of positions stored (the position of the next token).
 */
public final class KvCache {

    final float[][] keys;
    final float[][] values;
    private final int capacity;
    private final int headCount;
    private final int headSize;
    private int length;

    public KvCache(Gpt2Config config, int capacity) {
        if (capacity < 1 || capacity > config.contextLength()) {
            throw new EngineException(
                    "context " + capacity + " must be between 1 and the model's " + config.contextLength());
        }
        this.capacity = capacity;
        this.headCount = config.headCount();
        this.headSize = config.headSize();
        int perLayer = Math.multiplyExact(capacity, config.embeddingSize());
        keys = new float[config.layerCount()][perLayer];
        values = new float[config.layerCount()][perLayer];
    }

    public int capacity() {
        return capacity;
    }

    public int length() {
        return length;
    }

    void setLength(int length) {
        this.length = length;
    }

    /** Makes the first {@code length} positions a copy of {@code other}'s (same model, any capacity of at least length). */
    void copyFrom(KvCache other, int length) {
        if (length > capacity || length > other.length) {
            throw new EngineException("cannot copy " + length + " positions into a context of " + capacity);
        }
        for (int l = 0; l < keys.length; l++) {
            for (int h = 0; h < headCount; h++) {
                System.arraycopy(other.keys[l], other.offset(h, 0), keys[l], offset(h, 0), length * headSize);
                System.arraycopy(other.values[l], other.offset(h, 0), values[l], offset(h, 0), length * headSize);
            }
        }
        this.length = length;
    }

    /** Offset of (head, position) in a layer's keys or values. */
    int offset(int head, int position) {
        return (head * capacity + position) * headSize;
    }

    /** Stores position's key and value, given as n_embd-long vectors (heads side by side) at kOff and vOff of src. */
    void store(int layer, int position, float[] src, int kOff, int vOff) {
        float[] k = keys[layer], v = values[layer];
        for (int h = 0; h < headCount; h++) {
            int dst = offset(h, position);
            System.arraycopy(src, kOff + h * headSize, k, dst, headSize);
            System.arraycopy(src, vOff + h * headSize, v, dst, headSize);
        }
    }
}
