package gpt2j.engine;

import gpt2j.engine.kernels.Attention;
import gpt2j.engine.kernels.Embedding;
import gpt2j.engine.kernels.Activations;
import gpt2j.engine.kernels.KernelMatrix;
import gpt2j.engine.kernels.LayerNorm;
import gpt2j.engine.kernels.MatMul;
import gpt2j.engine.kernels.MatVec;
import gpt2j.weights.Activation;
import gpt2j.weights.Gpt2Config;
import gpt2j.weights.Gpt2Weights;

import java.util.Arrays;

/**
 * The GPT-2 forward pass over a KV cache: one sequence, processed a token ({@link #next}) or a batch of prompt tokens
 * ({@link #prompt}) at a time, from position {@link #position()} on. Each block is
 * {@code x = x + attn(ln_1(x)); x = x + mlp(ln_2(x))}; the final LayerNorm and the head give logits.
 * Matrix rows and attention heads are split across the {@link Parallel} pool. All scratch is allocated here, so the
 * token loop allocates nothing. Returned logits arrays are scratch too: valid until the next call. Not thread-safe.
 */
public final class Forward {

    /** Receives the logits at one position: {@code logits[offset .. offset + vocabSize)}, scratch valid during the call. */
    @FunctionalInterface
    public interface LogitsListener {
        void onLogits(int position, float[] logits, int offset);
    }

    /** Prompt tokens per batch: enough to reuse each weight row across positions, few enough to stay in cache. */
    public static final int BATCH = 64;

    private final Gpt2Model model;
    private final Gpt2Weights weights;
    private final Parallel parallel;
    private final KvCache cache;
    private final int embd;
    private final int heads;
    private final int headSize;
    private final int vocab;
    private final int inner;
    private final float eps;
    private final float[] scales;   // per layer: Gpt2Config.attentionScale
    private final Activation activation;

    // Activations for up to BATCH positions, position-major: x is (n, C), qkv (n, 3C), hidden (n, n_inner).
    private final float[] x;
    private final float[] xb;
    private final float[] qkv;
    private final float[] attOut;
    private final float[] hidden;
    private final float[] inT;       // the current batched matmul's input, transposed (MatMul.transpose)
    private final float[] positionRow;
    private final float[] att;       // (H, capacity): each head's attention weights for the current query
    private final float[] logits;    // (V)
    private float[] batchLogits;     // (BATCH, V), allocated on first use by the every-position path
    private AttentionProbe probe;
    private boolean probeScores;
    // Where each row of the current pass lives: its sequence's cache and position (one sequence: consecutive positions).
    private final KvCache[] rowCache = new KvCache[BATCH];
    private final int[] rowPosition = new int[BATCH];
    private final boolean decodeHost; // rows are separate sequences: one-token kernels per row, never MatMul

    // The job that the pool's threads read; set right before each forRows call.
    private KernelMatrix jobWeight;
    private float[] jobIn;
    private float[] jobOut;
    private float[] jobBias;
    private float[] jobResidual;
    private boolean jobActivate;
    private int jobN;
    private int jobLayer;
    private int jobCols;
    private final Parallel.RowRange matvecRows = this::matvecRows;
    private final Parallel.RowRange matmulRows = this::matmulRows;
    private final Parallel.RowRange matvecEachRows = this::matvecEachRows;
    // Weight rows per block of a decode step: 2 x the pool's grain, ~50 KB of Q8_0 or 100 KB of F32 at 768 columns.
    private static final int DECODE_BLOCK = 2 * Parallel.ROW_GRAIN;
    private final Parallel.RowRange attentionRows = this::attentionRows;
    private final Parallel.RowRange transposeColumns = this::transposeColumns;

    // Columns per transposition chunk: a 768-wide input gives each of two threads a few chunks.
    private static final int TRANSPOSE_GRAIN = 64;

    /** A forward pass with a cache for the model's full context. */
    public Forward(Gpt2Model model, Parallel parallel) {
        this(model, parallel, model.config().contextLength());
    }

    /** A forward pass whose cache holds {@code contextLength} positions (at most the model's). */
    public Forward(Gpt2Model model, Parallel parallel, int contextLength) {
        this(model, parallel, contextLength, contextLength, false);
    }

    /**
     * A host for {@link #decode}: scratch for attention over up to {@code contextLength} positions, but no cache of its
     * own (the rows it computes belong to other Forwards).
     */
    public static Forward decodeHost(Gpt2Model model, Parallel parallel, int contextLength) {
        return new Forward(model, parallel, 1, contextLength, true);
    }

    private Forward(Gpt2Model model, Parallel parallel, int cacheCapacity, int contextLength, boolean decodeHost) {
        Gpt2Config c = model.config();
        this.model = model;
        this.weights = model.weights();
        this.parallel = parallel;
        this.cache = new KvCache(c, cacheCapacity);
        this.decodeHost = decodeHost;
        this.embd = c.embeddingSize();
        this.heads = c.headCount();
        this.headSize = c.headSize();
        this.vocab = c.vocabSize();
        this.inner = c.innerSize();
        this.eps = c.layerNormEpsilon();
        this.scales = new float[c.layerCount()];
        for (int l = 0; l < scales.length; l++) scales[l] = c.attentionScale(l);
        this.activation = c.activation();
        x = new float[BATCH * embd];
        xb = new float[BATCH * embd];
        qkv = new float[BATCH * 3 * embd];
        attOut = new float[BATCH * embd];
        hidden = new float[BATCH * inner];
        inT = new float[MatMul.padded(BATCH) * Math.max(embd, inner)];
        positionRow = new float[embd];
        att = new float[heads * contextLength];
        logits = new float[vocab];
    }

    public Gpt2Model model() {
        return model;
    }

    /** Positions processed so far: the position the next token gets. */
    public int position() {
        return cache.length();
    }

    public int contextLength() {
        return cache.capacity();
    }

    /** Starts a new sequence at position 0 (the cache is overwritten, not cleared). */
    public void reset() {
        cache.setLength(0);
    }

    /** Forgets every position from {@code length} on: the next token gets position {@code length}. */
    public void truncate(int length) {
        if (length < 0 || length > position()) {
            throw new EngineException("cannot truncate " + position() + " positions to " + length);
        }
        cache.setLength(length);
    }

    /**
     * Makes this pass continue {@code other}'s sequence: its first {@code other.position()} cache positions and its
     * last logits are copied. Both must run the same model; this capacity must hold other's positions.
     */
    public void copyFrom(Forward other) {
        if (other.model != model) throw new EngineException("cannot copy a sequence of another model");
        cache.copyFrom(other.cache, other.position());
        System.arraycopy(other.logits, 0, logits, 0, vocab);
    }

    /** The logits of the last {@link #prompt} or {@link #next} call: scratch, valid until the next call. */
    public float[] logits() {
        return logits;
    }

    /**
     * Listens to every head's attention weights, or null (the default) for none. The probe is called from the pool's
     * threads, concurrently for different heads, each (layer, head, position) once.
     */
    public void setProbe(AttentionProbe probe) {
        this.probe = probe;
        this.probeScores = probe != null && probe.wantsScores();
    }

    /** Processes one token at the current position and returns the logits for the next one. */
    public float[] next(int token) {
        checkFits(1);
        checkToken(token);
        embed(token, 0, position());
        ownRows(1);
        layers(1);
        return lastLogits(1);
    }

    /** Processes all of {@code tokens} as a prompt and returns the logits after its last token. */
    public float[] prompt(int[] tokens) {
        return prompt(tokens, 0, tokens.length);
    }

    /** Processes {@code tokens[from, to)} (at least one) and returns the logits after the last of them. */
    public float[] prompt(int[] tokens, int from, int to) {
        if (to <= from) throw new EngineException("the prompt is empty");
        run(tokens, from, to, null, true);
        return logits;
    }

    /** Processes {@code tokens[from, to)} and hands the logits at every one of those positions to {@code listener}. */
    public void prompt(int[] tokens, int from, int to, LogitsListener listener) {
        run(tokens, from, to, listener, false);
    }

    /** Processes {@code tokens[from, to)} without computing any logits (context for later tokens). */
    public void feed(int[] tokens, int from, int to) {
        run(tokens, from, to, null, false);
    }

    /** Processes all of {@code tokens} and returns a copy of the logits at each position: (tokens.length, V). */
    public float[][] logitsAll(int[] tokens) {
        float[][] out = new float[tokens.length][];
        int start = position();
        prompt(tokens, 0, tokens.length,
                (position, l, offset) -> out[position - start] = Arrays.copyOfRange(l, offset, offset + vocab));
        return out;
    }

    private void run(int[] tokens, int from, int to, LogitsListener listener, boolean lastLogits) {
        if (from < 0 || to > tokens.length || from > to) {
            throw new IndexOutOfBoundsException("tokens [" + from + ", " + to + ") of " + tokens.length);
        }
        checkFits(to - from);
        for (int i = from; i < to; i++) checkToken(tokens[i]);
        for (int start = from; start < to; start += BATCH) {
            int n = Math.min(BATCH, to - start);
            int position0 = position();
            for (int i = 0; i < n; i++) embed(tokens[start + i], i, position0 + i);
            ownRows(n);
            layers(n);
            if (listener != null) {
                allLogits(n);
                for (int i = 0; i < n; i++) listener.onLogits(position0 + i, batchLogits, i * vocab);
            }
        }
        if (lastLogits) lastLogits((to - from - 1) % BATCH + 1);
    }

    /**
     * One token for each of {@code n} sequences in one pass over the weights: {@code sequences[i]} (each with its own
     * cache, at its own position) takes {@code tokens[i]}; afterwards each sequence's {@link #logits()} predicts its
     * next token.
     * Every row goes through the one-token kernels, a block of weight rows at a time for all of the rows while the block
     * is in cache, so a row's numbers are exactly what {@link #next} would give that sequence alone, whatever else
     * shares the pass.
     */
    public void decode(Forward[] sequences, int[] tokens, int n) {
        if (!decodeHost) throw new IllegalStateException("not a decode host");
        if (n < 1 || n > BATCH) throw new EngineException("a decode step takes 1 to " + BATCH + " sequences, got " + n);
        for (int i = 0; i < n; i++) {
            Forward f = sequences[i];
            if (f.model != model) throw new EngineException("every sequence of a decode step must run the same model");
            if (f.position() >= f.contextLength()) throw new EngineException("sequence " + i + " has a full context");
            checkToken(tokens[i]);
            embed(tokens[i], i, f.position());
            rowCache[i] = f.cache;
            rowPosition[i] = f.position();
        }
        layers(n);
        allLogits(n);
        for (int i = 0; i < n; i++) System.arraycopy(batchLogits, i * vocab, sequences[i].logits, 0, vocab);
    }

    // This sequence's rows: n consecutive positions of its own cache.
    private void ownRows(int n) {
        int position0 = position();
        for (int i = 0; i < n; i++) {
            rowCache[i] = cache;
            rowPosition[i] = position0 + i;
        }
    }

    // x[i] = wte[token] + wpe[position]
    private void embed(int token, int i, int position) {
        Embedding.row(weights.tokenEmbedding(), token, x, i * embd);
        Embedding.row(weights.positionEmbedding(), position, positionRow, 0);
        for (int j = 0, o = i * embd; j < embd; j++) x[o + j] += positionRow[j];
    }

    // The transformer blocks for the n rows whose embeddings are in x; advances each row's cache past its position.
    private void layers(int n) {
        for (int l = 0; l < weights.layers().size(); l++) {
            Gpt2Weights.Layer w = weights.layers().get(l);
            for (int i = 0; i < n; i++) {
                LayerNorm.apply(x, i * embd, xb, i * embd, embd, w.attnNormWeight().data(), w.attnNormBias().data(), eps);
            }
            matmul(model.qkv[l], xb, n, qkv, model.qkvBias[l], null, false);
            for (int i = 0; i < n; i++) rowCache[i].store(l, rowPosition[i], qkv, (3 * i + 1) * embd, (3 * i + 2) * embd);
            jobLayer = l;
            jobN = n;
            parallel.forRows(heads, 1, attentionRows);
            matmul(model.attnOut[l], attOut, n, xb, model.attnOutBias[l], x, false);
            for (int i = 0; i < n; i++) {
                LayerNorm.apply(x, i * embd, xb, i * embd, embd, w.mlpNormWeight().data(), w.mlpNormBias().data(), eps);
            }
            matmul(model.mlpUp[l], xb, n, hidden, model.mlpUpBias[l], null, true);
            matmul(model.mlpDown[l], hidden, n, xb, model.mlpDownBias[l], x, false);
        }
        for (int i = 0; i < n; i++) rowCache[i].setLength(rowPosition[i] + 1);
    }

    // Logits of position n-1 of the last batch into logits.
    private float[] lastLogits(int n) {
        finalNorm(n - 1, 0);
        matmul(model.head, xb, 1, logits, null, null, false);
        return logits;
    }

    // Logits of all n positions of the last batch into batchLogits.
    private void allLogits(int n) {
        if (batchLogits == null) batchLogits = new float[BATCH * vocab];
        for (int i = 0; i < n; i++) finalNorm(i, i);
        matmul(model.head, xb, n, batchLogits, null, null, false);
    }

    private void finalNorm(int from, int to) {
        LayerNorm.apply(x, from * embd, xb, to * embd, embd, weights.finalNormWeight().data(),
                weights.finalNormBias().data(), eps);
    }

    // out = W in (+ bias) (then the activation), for n positions; with residual != null, residual += that instead.
    private void matmul(KernelMatrix w, float[] in, int n, float[] out, float[] bias, float[] residual, boolean activate) {
        jobWeight = w;
        boolean batched = n > 1 && !decodeHost;
        if (batched) {
            // Transposed on the pool: on the calling thread alone it left the other threads waiting ~3% of a pass.
            jobIn = in;
            jobN = n; // read by transposeColumns, and below by the matmul
            jobCols = w.cols();
            parallel.forRows(w.cols(), TRANSPOSE_GRAIN, transposeColumns);
            in = inT;
        }
        jobIn = in;
        jobN = n;
        jobOut = out;
        jobBias = bias;
        jobResidual = residual;
        jobActivate = activate;
        if (batched) parallel.forRows(w.rows(), MatMul.rowGrain(w), matmulRows);
        else if (n == 1) parallel.forRows(w.rows(), matvecRows);
        else parallel.forRows(w.rows(), matvecEachRows);
    }

    // One token (generation, and the prompt's last logits) and a batch (the prompt) are separate bodies, so that C2
    // profiles each alone: one body branching on n deoptimized when a prompt pass first reached its n == 1 head.
    private void matvecRows(int start, int end) {
        MatVec.apply(jobWeight, jobIn, 0, jobOut, 0, start, end);
        finish(start, end);
    }

    // A decode step: each row of the weight block [rb, re) meets every sequence's input while it is in cache. Blocks
    // start at multiples of the pool's grain, as the one-token pass's chunks do, so each output is computed exactly as
    // next() computes it.
    private void matvecEachRows(int start, int end) {
        int cols = jobWeight.cols(), rows = jobWeight.rows();
        for (int rb = start; rb < end; rb += DECODE_BLOCK) {
            int re = Math.min(end, rb + DECODE_BLOCK);
            for (int i = 0; i < jobN; i++) MatVec.apply(jobWeight, jobIn, i * cols, jobOut, i * rows, rb, re);
        }
        finish(start, end);
    }

    private void matmulRows(int start, int end) {
        MatMul.apply(jobWeight, jobIn, jobN, jobOut, start, end);
        finish(start, end);
    }

    // Bias, the activation and the residual for rows [start, end) of every position.
    private void finish(int start, int end) {
        int n = jobN, rows = jobWeight.rows();
        float[] out = jobOut, bias = jobBias, residual = jobResidual;
        for (int i = 0; i < n; i++) {
            int o = i * rows;
            if (bias != null) {
                for (int r = start; r < end; r++) out[o + r] += bias[r];
            }
            if (jobActivate) Activations.apply(activation, out, o + start, end - start);
            if (residual != null) {
                for (int r = start; r < end; r++) residual[o + r] += out[o + r];
            }
        }
    }

    private void transposeColumns(int start, int end) {
        MatMul.transpose(jobIn, jobN, jobCols, inT, start, end);
    }

    private void attentionRows(int start, int end) {
        int layer = jobLayer, n = jobN, capacity = att.length / heads;
        AttentionProbe p = probe;
        boolean scores = probeScores;
        for (int h = start; h < end; h++) {
            for (int i = 0; i < n; i++) {
                int position = rowPosition[i];
                KvCache c = rowCache[i];
                if (scores) {
                    // Computed again for the probe, into the scratch row that the kernel overwrites next.
                    Attention.scores(qkv, 3 * i * embd + h * headSize, c.keys[layer], c.offset(h, 0), headSize,
                            position + 1, att, h * capacity);
                    p.onScores(layer, h, position, att, h * capacity, scales[layer]);
                }
                Attention.head(qkv, 3 * i * embd + h * headSize, c.keys[layer], c.values[layer], c.offset(h, 0), headSize,
                        position + 1, scales[layer], att, h * capacity, attOut, i * embd + h * headSize);
                if (p != null) p.onAttention(layer, h, position, att, h * capacity);
            }
        }
    }

    private void checkFits(int count) {
        if (position() + count > cache.capacity()) {
            throw new EngineException("the context holds " + cache.capacity() + " tokens; cannot process "
                    + (position() + count) + " (" + position() + " already in context + " + count + " new)");
        }
    }

    private void checkToken(int token) {
        if (token < 0 || token >= vocab) {
            throw new EngineException("token id " + token + " is outside the vocabulary (0.." + (vocab - 1) + ")");
        }
    }
}
