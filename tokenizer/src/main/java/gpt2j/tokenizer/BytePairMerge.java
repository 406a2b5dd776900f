package gpt2j.tokenizer;

/**
 * Merges a piece's byte tokens by rank: repeatedly the adjacent pair with the lowest merge rank, leftmost
 * first among equal ranks (equal ranks mean the same pair, so this is encoder.py's "merge every occurrence
 * of the best bigram" order). Short pieces use an array and a min scan (fast, quadratic only in the piece
 * length); long ones a linked list and a heap of (rank, position), O(n log n).
 */
final class BytePairMerge {
    /** Longer pieces take the heap path; below this the scan wins (jtokkit uses a similar cut-off). */
    static final int SHORT_PIECE = 128;

    private BytePairMerge() {}

    /** Appends the tokens of s.ids[0, n) (byte tokens on entry) to s's output. */
    static void merge(PairRanks pairs, EncodeScratch s, int n) {
        if (n <= SHORT_PIECE) {
            mergeShort(pairs, s, n);
        } else {
            mergeLong(pairs, s, n);
        }
    }

    private static void mergeShort(PairRanks pairs, EncodeScratch s, int n) {
        int[] ids = s.ids;
        long[] ranks = s.pairs;
        int len = n;
        for (int i = 0; i < len - 1; i++) {
            ranks[i] = pairs.get(ids[i], ids[i + 1]);
        }
        while (len > 1) {
            long min = PairRanks.NONE;
            int m = -1;
            for (int i = 0; i < len - 1; i++) {
                if (ranks[i] < min) {
                    min = ranks[i];
                    m = i;
                }
            }
            if (m < 0) {
                break;
            }
            ids[m] = PairRanks.mergedId(min);
            System.arraycopy(ids, m + 2, ids, m + 1, len - m - 2);
            if (len - m - 3 > 0) {
                System.arraycopy(ranks, m + 2, ranks, m + 1, len - m - 3);
            }
            len--;
            if (m < len - 1) {
                ranks[m] = pairs.get(ids[m], ids[m + 1]);
            }
            if (m > 0) {
                ranks[m - 1] = pairs.get(ids[m - 1], ids[m]);
            }
        }
        for (int i = 0; i < len; i++) {
            s.add(ids[i]);
        }
    }

    private static void mergeLong(PairRanks pairs, EncodeScratch s, int n) {
        s.ensureLinked(n);
        int[] ids = s.ids;
        int[] next = s.next;
        int[] prev = s.prev;
        int[] rank = s.rank;
        int[] merged = s.merged;
        long[] heap = s.heap;
        int size = 0;
        for (int i = 0; i < n; i++) {
            next[i] = i + 1;
            prev[i] = i - 1;
            rank[i] = Integer.MAX_VALUE;
        }
        for (int i = 0; i < n - 1; i++) {
            long v = pairs.get(ids[i], ids[i + 1]);
            if (v != PairRanks.NONE) {
                rank[i] = PairRanks.rank(v);
                merged[i] = PairRanks.mergedId(v);
                heap[size++] = ((long) rank[i] << 32) | i;
            }
        }
        for (int i = size / 2 - 1; i >= 0; i--) {
            siftDown(heap, size, i, heap[i]);
        }
        long steps = size;
        while (size > 0) {
            steps++;
            long top = heap[0];
            size = popMin(heap, size);
            int p = (int) top;
            if (rank[p] != (int) (top >>> 32)) {
                continue; // stale: that pair was merged away or changed since it was pushed
            }
            int q = next[p];
            ids[p] = merged[p];
            rank[q] = Integer.MAX_VALUE;
            int after = next[q];
            next[p] = after;
            int before = size;
            if (after < n) {
                prev[after] = p;
                size = update(pairs, ids, rank, merged, heap, size, p, after);
            } else {
                rank[p] = Integer.MAX_VALUE;
            }
            if (prev[p] >= 0) {
                size = update(pairs, ids, rank, merged, heap, size, prev[p], p);
            }
            steps += size - before;
        }
        s.heapSteps += steps;
        for (int i = 0; i < n; i = next[i]) {
            s.add(ids[i]);
        }
    }

    /** Recomputes the pair starting at position a (right neighbour b) and pushes it if it can merge. */
    private static int update(
            PairRanks pairs, int[] ids, int[] rank, int[] merged, long[] heap, int size, int a, int b) {
        long v = pairs.get(ids[a], ids[b]);
        if (v == PairRanks.NONE) {
            rank[a] = Integer.MAX_VALUE;
            return size;
        }
        rank[a] = PairRanks.rank(v);
        merged[a] = PairRanks.mergedId(v);
        return push(heap, size, ((long) rank[a] << 32) | a);
    }

    private static int push(long[] heap, int size, long e) {
        int i = size;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (heap[parent] <= e) {
                break;
            }
            heap[i] = heap[parent];
            i = parent;
        }
        heap[i] = e;
        return size + 1;
    }

    private static int popMin(long[] heap, int size) {
        size--;
        siftDown(heap, size, 0, heap[size]);
        return size;
    }

    private static void siftDown(long[] heap, int size, int i, long e) {
        while (true) {
            int c = 2 * i + 1;
            if (c >= size) {
                break;
            }
            if (c + 1 < size && heap[c + 1] < heap[c]) {
                c++;
            }
            if (heap[c] >= e) {
                break;
            }
            heap[i] = heap[c];
            i = c;
        }
        heap[i] = e;
    }
}
