package gpt2j.tokenizer;

import java.util.Arrays;

/** Byte string -> token id, open addressing over the token byte arrays; lookups allocate nothing. */
final class TokenIndex {
    private final byte[][] tokenBytes;
    private final int[] slots; // id + 1, 0 = empty
    private final int mask;

    TokenIndex(byte[][] tokenBytes, int count) {
        this.tokenBytes = tokenBytes;
        int n = Integer.highestOneBit(Math.max(4, count * 2 - 1)) << 1;
        slots = new int[n];
        mask = n - 1;
    }

    static int hash(byte[] b, int off, int len) {
        int h = len;
        for (int i = off; i < off + len; i++) {
            h = 31 * h + b[i];
        }
        return (h * 0x9E3779B9) ^ (h >>> 16);
    }

    /** Adds id unless a token with the same bytes is already present (the first one wins). */
    void add(int id) {
        byte[] b = tokenBytes[id];
        int s = hash(b, 0, b.length) & mask;
        while (slots[s] != 0) {
            if (Arrays.equals(tokenBytes[slots[s] - 1], b)) {
                return;
            }
            s = (s + 1) & mask;
        }
        slots[s] = id + 1;
    }

    /** Token id whose bytes equal b[off, off + len), or -1. */
    int get(byte[] b, int off, int len) {
        int s = hash(b, off, len) & mask;
        while (true) {
            int v = slots[s];
            if (v == 0) {
                return -1;
            }
            byte[] t = tokenBytes[v - 1];
            if (t.length == len && Arrays.equals(t, 0, len, b, off, off + len)) {
                return v - 1;
            }
            s = (s + 1) & mask;
        }
    }
}
