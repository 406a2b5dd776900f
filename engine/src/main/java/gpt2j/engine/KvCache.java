package gpt2j.engine;

import gpt2j.engine.kernels.Attention;
import gpt2j.weights.Gpt2Config;

/**
 * Keys and values of every processed position, per layer and head. Values are position-major, {@code
 * values[layer][valueOffset(head, position) + i]}: one head's values for positions 0..t are one contiguous block that
 * the attention kernel adds row by row. Keys are dimension-major in tiles of {@link Attention#TILE} positions, {@code
 * keys[layer][Attention.keyIndex(keyOffset(head), headSize, i, position)]}: the kernel takes a vector of positions'
 * scores as FMAs down the head's dimensions, and one head's keys for positions 0..t are one contiguous block too
 * ({@link Attention}). {@link #length()} is the number of positions stored (the position of the next token).
 */
public final class KvCache {

    final float[][] keys;
    final float[][] values;
    private final int capacity;
    private final int headCount;
    private final int headSize;
    private final int keyTiles; // per head: the capacity in whole tiles
    private int length;

    public KvCache(Gpt2Config config, int capacity) {
        if (capacity < 1 || capacity > config.contextLength()) {
            throw new EngineException(
                    "context " + capacity + " must be between 1 and the model's " + config.contextLength());
        }
        this.capacity = capacity;
        this.headCount = config.headCount();
        this.headSize = config.headSize();
        this.keyTiles = (capacity + Attention.TILE - 1) / Attention.TILE;
        keys = new float[config.layerCount()][Math.multiplyExact(keyTiles * Attention.TILE, config.embeddingSize())];
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
        // Whole key tiles: what the last one holds past length is never read.
        int tiles = (length + Attention.TILE - 1) / Attention.TILE;
        for (int l = 0; l < keys.length; l++) {
            for (int h = 0; h < headCount; h++) {
                System.arraycopy(
                        other.keys[l], other.keyOffset(h), keys[l], keyOffset(h), tiles * Attention.TILE * headSize);
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

    /** Offset of head's first key tile in a layer's keys. */
    int keyOffset(int head) {
        return head * keyTiles * Attention.TILE * headSize;
    }

    /**
     * Stores head's part of position's key and value, given as n_embd-long vectors (heads side by side) at kOff and vOff
     * of src. Each head's tiles and value rows are its own, so threads may store different heads at once.
     */
    void store(int layer, int head, int position, float[] src, int kOff, int vOff) {
        float[] k = keys[layer];
        int at = kOff + head * headSize, dst = Attention.keyIndex(keyOffset(head), headSize, 0, position);
        for (int i = 0; i < headSize; i++, dst += Attention.TILE) k[dst] = src[at + i];
        System.arraycopy(src, vOff + head * headSize, values[layer], valueOffset(head, position), headSize);
    }
}
