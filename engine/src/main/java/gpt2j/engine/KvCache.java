package gpt2j.engine;

import gpt2j.weights.Gpt2Config;

/**
 * Keys and values of every processed position, per layer and head. Values are position-major, {@code
 * values[layer][valueOffset(head, position) + i]}: one head's values for positions 0..t are one contiguous block that
 * the attention kernel adds row by row. Keys are dimension-major, {@code keys[layer][keyOffset(head) + i * keyStride()
 * + position]}: the kernel takes a vector of positions' scores as FMAs down the head's dimensions
 * ({@link gpt2j.engine.kernels.Attention}). {@link #length()} is the number of positions stored (the position of the
 * next token).
 */
public final class KvCache {

    final float[][] keys;
    final float[][] values;
    private final int capacity;
    private final int headCount;
    private final int headSize;
    private final int keyStride;
    private int length;

    public KvCache(Gpt2Config config, int capacity) {
        if (capacity < 1 || capacity > config.contextLength()) {
            throw new EngineException(
                    "context " + capacity + " must be between 1 and the model's " + config.contextLength());
        }
        this.capacity = capacity;
        this.headCount = config.headCount();
        this.headSize = config.headSize();
        // A key line is the capacity rounded up to whole 64-byte lines, plus one: at a multiple of 4 KB, the lines that
        // one vector of scores reads (one per dimension) would all fall into the same few cache sets.
        this.keyStride = (capacity + 15) / 16 * 16 + 16;
        keys = new float[config.layerCount()][Math.multiplyExact(keyStride, config.embeddingSize())];
        values = new float[config.layerCount()][Math.multiplyExact(capacity, config.embeddingSize())];
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
                for (int i = 0; i < headSize; i++) {
                    System.arraycopy(
                            other.keys[l],
                            other.keyOffset(h) + i * other.keyStride,
                            keys[l],
                            keyOffset(h) + i * keyStride,
                            length);
                }
                System.arraycopy(
                        other.values[l], other.valueOffset(h, 0), values[l], valueOffset(h, 0), length * headSize);
            }
        }
        this.length = length;
    }

    /** Offset of (head, position) in a layer's values. */
    int valueOffset(int head, int position) {
        return (head * capacity + position) * headSize;
    }

    /** Offset of head's first key line (dimension 0) in a layer's keys. */
    int keyOffset(int head) {
        return head * headSize * keyStride;
    }

    /** Floats from one key line (dimension) to the next. */
    int keyStride() {
        return keyStride;
    }

    /**
     * Stores head's part of position's key and value, given as n_embd-long vectors (heads side by side) at kOff and vOff
     * of src. Each head's lines are its own, so threads may store different heads at once.
     */
    void store(int layer, int head, int position, float[] src, int kOff, int vOff) {
        float[] k = keys[layer];
        for (int i = 0, at = kOff + head * headSize, dst = keyOffset(head) + position;
                i < headSize;
                i++, dst += keyStride) {
            k[dst] = src[at + i];
        }
        System.arraycopy(src, vOff + head * headSize, values[layer], valueOffset(head, position), headSize);
    }
}
