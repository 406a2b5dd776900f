package gpt2j.engine;

import gpt2j.engine.kernels.Embedding;
import gpt2j.engine.kernels.KernelMatrix;
import gpt2j.engine.kernels.LayerNorm;
import gpt2j.engine.kernels.MatMul;
import gpt2j.engine.kernels.MatVec;
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
    private final float eps;

    // Activations for up to BATCH positions, position-major: x is (n, C), qkv (n, 3C), hidden (n, n_inner).
    private final float[] x;
    private final float[] xb;
    private final float[] qkv;
    private final float[] attOut;
    private final float[] hidden;
    private final float[] inT; // the current batched matmul's input, transposed (MatMul.transpose)
    private final float[] positionRow;
    private final float[] logits; // (V)
    private float[] batchLogits; // (BATCH, V), allocated on first use by the every-position path
    // Where each row of the current pass lives: its sequence's cache and position (one sequence: consecutive
    // positions).
    private final KvCache[] rowCache = new KvCache[BATCH];
    private final int[] rowPosition = new int[BATCH];
    private final boolean decodeHost; // rows are separate sequences: one-token kernels per row, never MatMul
    private final int stepRows;

    // The pool's jobs, each with its operands: a block's per layer, and the head's for the last row or every row.
    private record Block(
            Gpt2Model.Layer w,
            LinearJob qkv,
            AttentionJob attention,
            LinearJob attnOut,
            LinearJob mlpUp,
            LinearJob mlpDown) {}

    private final Block[] blocks;
    private final LinearJob headLast;
    private LinearJob headAll; // with batchLogits

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
        this.eps = c.layerNormEpsilon();
        int inner = c.innerSize();
        x = new float[BATCH * embd];
        xb = new float[BATCH * embd];
        qkv = new float[BATCH * 3 * embd];
        attOut = new float[BATCH * embd];
        hidden = new float[BATCH * inner];
        inT = new float[MatMul.padded(BATCH) * Math.max(embd, inner) + MatMul.SHIFT_ROOM];
        positionRow = new float[embd];
        float[] att = new float[heads * AttentionJob.ATT_ROWS * contextLength];
        logits = new float[vocab];
        blocks = new Block[model.layers.length];
        for (int l = 0; l < blocks.length; l++) {
            Gpt2Model.Layer w = model.layers[l];
            blocks[l] = new Block(
                    w,
                    new LinearJob(w.qkv(), xb, inT, qkv, w.qkvBias(), null, null, decodeHost),
                    new AttentionJob(w, l, embd, headSize, qkv, rowCache, rowPosition, att, contextLength, attOut),
                    new LinearJob(w.attnOut(), attOut, inT, xb, w.attnOutBias(), x, null, decodeHost),
                    new LinearJob(w.mlpUp(), xb, inT, hidden, w.mlpUpBias(), null, c.activation(), decodeHost),
                    new LinearJob(w.mlpDown(), hidden, inT, xb, w.mlpDownBias(), x, null, decodeHost));
        }
        headLast = new LinearJob(model.head, xb, inT, logits, null, null, null, decodeHost);
        stepRows = groupsEveryInput(model) ? LinearJob.FEW_ROWS : 1;
    }

    private static boolean groupsEveryInput(Gpt2Model model) {
        for (Gpt2Model.Layer w : model.layers) {
            for (KernelMatrix k : new KernelMatrix[] {w.qkv(), w.attnOut(), w.mlpUp(), w.mlpDown()}) {
                if (!MatVec.groupsInputs(k)) return false;
            }
        }
        return true;
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
        for (Block b : blocks) b.attention().setProbe(probe);
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
        prompt(
                tokens,
                0,
                tokens.length,
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
     * One pass over the weights for {@code n} rows, each a token of a sequence at its own position, in its own cache:
     * row i gives {@code tokens[i]} to {@code sequences[i]}. A sequence has one row (a decode step) or a run of
     * consecutive rows (a short prompt, its tokens in order); afterwards each sequence's {@link #logits()} predicts the
     * token after its last row, the only row whose logits are computed.
     * Every row goes through the one-token kernels, a block of weight rows at a time for all of the rows while the block
     * is in cache, so a row's numbers are exactly what {@link #next} would give that sequence alone, whatever else
     * shares the pass; a run of up to {@link #stepRows()} rows gets what {@link #prompt} would give those tokens.
     */
    public void decode(Forward[] sequences, int[] tokens, int n) {
        if (!decodeHost) throw new IllegalStateException("not a decode host");
        if (n < 1 || n > BATCH) throw new EngineException("a decode step takes 1 to " + BATCH + " rows, got " + n);
        for (int i = 0; i < n; i++) {
            Forward f = sequences[i];
            if (f.model != model) throw new EngineException("every sequence of a decode step must run the same model");
            boolean continues = i > 0 && sequences[i - 1] == f;
            for (int j = 0; j < i && !continues; j++) {
                if (sequences[j] == f) throw new EngineException("row " + i + " continues a sequence out of order");
            }
            int position = continues ? rowPosition[i - 1] + 1 : f.position();
            if (position >= f.contextLength()) throw new EngineException("row " + i + " finds its context full");
            checkToken(tokens[i]);
            rowCache[i] = f.cache;
            rowPosition[i] = position;
        }
        for (int i = 0; i < n; i++) embed(tokens[i], i, rowPosition[i]);
        layers(n);
        int m = 0; // each sequence's last row, in order
        for (int i = 0; i < n; i++) {
            if (i == n - 1 || sequences[i + 1] != sequences[i]) finalNorm(i, m++);
        }
        headAll().run(parallel, m);
        for (int i = 0, k = 0; i < n; i++) {
            if (i == n - 1 || sequences[i + 1] != sequences[i]) {
                System.arraycopy(batchLogits, k++ * vocab, sequences[i].logits, 0, vocab);
            }
        }
    }

    /**
     * The most rows one sequence may have in a {@link #decode} pass and still get exactly what its own {@link #prompt}
     * would give: a prompt of a few tokens takes the one-token kernels where every layer matrix multiplies a group of
     * inputs with them (LinearJob.FEW_ROWS); elsewhere it takes the batched kernels, so only single tokens match.
     */
    public int stepRows() {
        return stepRows;
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
        for (int l = 0; l < blocks.length; l++) {
            Block b = blocks[l];
            Gpt2Model.Layer w = b.w();
            for (int i = 0; i < n; i++) {
                LayerNorm.apply(x, i * embd, xb, i * embd, embd, w.attnNormWeight(), w.attnNormBias(), eps);
            }
            b.qkv().run(parallel, n);
            b.attention().run(parallel, heads, n); // stores the rows' keys and values first
            b.attnOut().run(parallel, n);
            for (int i = 0; i < n; i++) {
                LayerNorm.apply(x, i * embd, xb, i * embd, embd, w.mlpNormWeight(), w.mlpNormBias(), eps);
            }
            b.mlpUp().run(parallel, n);
            b.mlpDown().run(parallel, n);
        }
        for (int i = 0; i < n; i++) rowCache[i].setLength(rowPosition[i] + 1);
    }

    // Logits of position n-1 of the last batch into logits.
    private float[] lastLogits(int n) {
        finalNorm(n - 1, 0);
        headLast.run(parallel, 1);
        return logits;
    }

    // Logits of all n positions of the last batch into batchLogits.
    private void allLogits(int n) {
        for (int i = 0; i < n; i++) finalNorm(i, i);
        headAll().run(parallel, n);
    }

    // The head over the rows of xb into batchLogits, both made on first use.
    private LinearJob headAll() {
        if (batchLogits == null) {
            batchLogits = new float[BATCH * vocab];
            headAll = new LinearJob(model.head, xb, inT, batchLogits, null, null, null, decodeHost);
        }
        return headAll;
    }

    private void finalNorm(int from, int to) {
        LayerNorm.apply(
                x,
                from * embd,
                xb,
                to * embd,
                embd,
                weights.finalNormWeight().data(),
                weights.finalNormBias().data(),
                eps);
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
