package gpt2j.tokenizer;

/**
 * Merge rules keyed by the pair of token ids, in one open-addressing long[] (key and value side by side, so
 * a lookup touches one cache line and allocates nothing). The value packs rank (high half) and merged id
 * (low half), so comparing values compares ranks.
 */
final class PairRanks {
    /** Value for a pair that has no merge; larger than every real value. */
    static final long NONE = Long.MAX_VALUE;

    private static final long EMPTY = -1L;

    private final long[] table;
    private final int mask;
    private final int shift;

    PairRanks(int capacity) {
        int slots = Integer.highestOneBit(Math.max(4, capacity * 2 - 1)) << 1;
        table = new long[slots * 2];
        java.util.Arrays.fill(table, EMPTY);
        mask = slots - 1;
        shift = 64 - Integer.numberOfTrailingZeros(slots);
    }

    private static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    private int slot(long key) {
        return (int) ((key * 0x9E3779B97F4A7C15L) >>> shift);
    }

    /** Adds or replaces (a later duplicate merge line wins, as in encoder.py's dict and Hugging Face). */
    void put(int left, int right, int rank, int merged) {
        long key = key(left, right);
        int s = slot(key);
        while (table[2 * s] != EMPTY && table[2 * s] != key) {
            s = (s + 1) & mask;
        }
        table[2 * s] = key;
        table[2 * s + 1] = ((long) rank << 32) | merged;
    }

    /** Packed rank and merged id, or {@link #NONE}. */
    long get(int left, int right) {
        long key = key(left, right);
        int s = slot(key);
        while (true) {
            long k = table[2 * s];
            if (k == key) {
                return table[2 * s + 1];
            }
            if (k == EMPTY) {
                return NONE;
            }
            s = (s + 1) & mask;
        }
    }

    static int mergedId(long value) {
        return (int) value;
    }

    static int rank(long value) {
        return (int) (value >>> 32);
    }
}
