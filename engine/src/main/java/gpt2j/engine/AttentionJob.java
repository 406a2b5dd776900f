package gpt2j.engine;

import gpt2j.engine.kernels.Attention;

/**
 * One layer's attention for the rows of a pass as a pool job over heads: each row's key and value (in the pass's qkv)
 * go into its own sequence's cache, then each row's query attends over that cache up to its own position, writing its
 * heads' outputs into the pass's attention output.
 * A {@link Forward} builds one per layer; a run only says how many rows.
 */
final class AttentionJob implements Parallel.RowRange {

    /** Rows of attention weights per head in the scratch: {@link Attention#head4} takes four queries at once. */
    static final int ATT_ROWS = 4;

    private final int layer;
    private final float scale;
    private final int embd;
    private final int headSize;
    private final float[] qkv; // (n, 3C): the rows' queries, keys and values
    private final KvCache[] rowCache; // each row's sequence
    private final int[] rowPosition; // each row's position in it
    private final float[] att; // (H, ATT_ROWS, capacity): each head's weights for the current queries
    private final int capacity;
    private final float[] out; // (n, C)
    private AttentionProbe probe; // or null
    private boolean probeScores;
    private int n;

    AttentionJob(
            Gpt2Model.Layer layer,
            int index,
            int embd,
            int headSize,
            float[] qkv,
            KvCache[] rowCache,
            int[] rowPosition,
            float[] att,
            int capacity,
            float[] out) {
        this.layer = index;
        this.scale = layer.attentionScale();
        this.embd = embd;
        this.headSize = headSize;
        this.qkv = qkv;
        this.rowCache = rowCache;
        this.rowPosition = rowPosition;
        this.att = att;
        this.capacity = capacity;
        this.out = out;
    }

    void setProbe(AttentionProbe probe) {
        this.probe = probe;
        this.probeScores = probe != null && probe.wantsScores();
    }

    /** Attention for the first {@code n} rows, every head, on {@code parallel}. */
    void run(Parallel parallel, int heads, int n) {
        this.n = n;
        parallel.forRows(heads, 1, this);
    }

    // Rows i .. i + 3 are consecutive positions of one sequence.
    private boolean fourInARow(int i) {
        KvCache c = rowCache[i];
        int position = rowPosition[i];
        for (int r = 1; r < 4; r++) {
            if (rowCache[i + r] != c || rowPosition[i + r] != position + r) return false;
        }
        return true;
    }

    @Override
    public void run(int start, int end) {
        AttentionProbe p = probe;
        boolean scores = probeScores;
        for (int h = start; h < end; h++) {
            // The head's keys and values of every row first: a prompt's rows attend to each other's.
            for (int i = 0; i < n; i++) {
                rowCache[i].store(layer, h, rowPosition[i], qkv, (3 * i + 1) * embd, (3 * i + 2) * embd);
            }
            int a = h * ATT_ROWS * capacity;
            for (int i = 0; i < n; i++) {
                int position = rowPosition[i];
                KvCache c = rowCache[i];
                if (p == null && i + 3 < n && fourInARow(i)) {
                    // A prompt's next four rows: each key and value load serves four queries.
                    Attention.head4(
                            qkv,
                            3 * i * embd + h * headSize,
                            3 * embd,
                            c.keys[layer],
                            c.keyOffset(h),
                            c.values[layer],
                            c.valueOffset(h, 0),
                            headSize,
                            position + 1,
                            scale,
                            att,
                            a,
                            capacity,
                            out,
                            i * embd + h * headSize,
                            embd);
                    i += 3;
                    continue;
                }
                if (scores) {
                    // Computed again for the probe, into the scratch row that the kernel overwrites next.
                    Attention.scores(
                            qkv,
                            3 * i * embd + h * headSize,
                            c.keys[layer],
                            c.keyOffset(h),
                            headSize,
                            position + 1,
                            att,
                            a);
                    p.onScores(layer, h, position, att, a, scale);
                }
                Attention.head(
                        qkv,
                        3 * i * embd + h * headSize,
                        c.keys[layer],
                        c.keyOffset(h),
                        c.values[layer],
                        c.valueOffset(h, 0),
                        headSize,
                        position + 1,
                        scale,
                        att,
                        a,
                        out,
                        i * embd + h * headSize);
                if (p != null) p.onAttention(layer, h, position, att, a);
            }
        }
    }
}
