package gpt2j.tokenizer;

import java.util.Arrays;

/** Per-thread working memory for encoding: grown on demand, reused across calls so encoding stays allocation-light. */
final class EncodeScratch {
    /** UTF-8 of the current piece. */
    byte[] bytes = new byte[256];
    /** Token ids of the current piece while merging. */
    int[] ids = new int[256];
    /** Short pieces: packed rank/merged id of the pair starting at each position. */
    final long[] pairs = new long[BytePairMerge.SHORT_PIECE];
    /** Long pieces: doubly linked list, the rank of each position's pair, merged id and a heap. */
    int[] next = new int[0];

    int[] prev = new int[0];
    int[] rank = new int[0];
    int[] merged = new int[0];
    long[] heap = new long[0];
    /** Heap pushes and pops done by long-piece merges, for tests that check the work grows near-linearly. */
    long heapSteps;
    /** Output token ids. */
    int[] out = new int[1024];

    int outLength;

    /** Capacities above this are released after a call, so one huge text does not pin memory per thread. */
    private static final int KEEP = 1 << 17;

    void ensurePiece(int n) {
        if (bytes.length < n) {
            int c = Math.max(n, bytes.length * 2);
            bytes = new byte[c];
            ids = new int[c];
        }
    }

    void ensureLinked(int n) {
        if (next.length < n) {
            next = new int[n];
            prev = new int[n];
            rank = new int[n];
            merged = new int[n];
            heap = new long[3 * n];
        }
    }

    void add(int id) {
        if (outLength == out.length) {
            out = Arrays.copyOf(out, out.length * 2);
        }
        out[outLength++] = id;
    }

    int[] takeOutput() {
        int[] result = Arrays.copyOf(out, outLength);
        outLength = 0;
        if (out.length > KEEP) {
            out = new int[1024];
        }
        if (bytes.length > KEEP) {
            bytes = new byte[256];
            ids = new int[256];
        }
        if (next.length > KEEP) {
            next = prev = rank = merged = new int[0];
            heap = new long[0];
        }
        return result;
    }
}
