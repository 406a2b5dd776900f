package gpt2j.api;

import gpt2j.engine.AttentionCapture;
import gpt2j.engine.EngineException;
import gpt2j.engine.Forward;
import gpt2j.engine.Gpt2Model;
import gpt2j.engine.HeadStats;
import gpt2j.engine.Parallel;
import gpt2j.engine.Perplexity;
import gpt2j.engine.TopTokens;
import gpt2j.tokenizer.Gpt2Tokenizer;
import gpt2j.weights.GgmlType;
import gpt2j.weights.Gpt2Checkpoint;
import gpt2j.weights.Gpt2Config;
import gpt2j.weights.Gpt2Weights;
import gpt2j.weights.LoadedCheckpoint;
import gpt2j.weights.ModelQuantizer;
import gpt2j.weights.Tensor;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * A GPT-2 opened for use: the front door of gpt2j. It owns the mapped weight files, the compute threads and the
 * tokenizer, and releases them all in {@link #close()}. From it: complete a prompt ({@link #complete}, blocking or
 * streaming through a {@link CompletionListener}), score a text ({@link #score}), tokenize and detokenize, capture
 * attention ({@link #attention}), and open independent {@link Session}s that each hold their own KV cache.
 *
 * <pre>{@code
 * try (Model model = Model.open(Path.of("gpt2.gguf"))) {
 *     Completion c = model.complete("The meaning of life is",
 *             CompletionOptions.builder().seed(42).maxTokens(20).build());
 *     System.out.println(c.text());
 *     System.out.println(model.score("Hello, world.").perplexity());
 * }
 * }</pre>
 *
 * <p>A model is a Hugging Face GPT-2 directory ({@code config.json} + {@code *.safetensors}) or a {@code .gguf} file.
 * Its tokenizer comes from the GGUF metadata, else {@code vocab.json} + {@code merges.txt} or {@code tokenizer.json}
 * beside the weights, else GPT-2's own when the vocabulary has GPT-2's 50257 tokens; a model without one still runs on
 * token ids ({@link #hasTokenizer()}).
 *
 * <p>Thread-safety: a model is safe to share between threads. Every forward pass runs on the model's one thread pool,
 * so concurrent calls take turns, one forward call at a time (a whole {@link #score} or {@link #attention} is one
 * call; a completion takes turns token by token). {@link #close()} waits for the running call to finish; any call
 * after it throws {@link IllegalStateException}.
 *
 * <p>Reproducibility: the same model file, options, input and seed give the same tokens and bit-identical logits
 * whatever ran before in the process and whichever thread count is used: every output row and attention head is
 * computed whole by one thread in a fixed order, and nothing depends on call history.
 *
 * <p>Errors: a bad request (a token outside the vocabulary, a prompt longer than the context, invalid options) throws
 * {@link IllegalArgumentException}; a file that cannot be read throws {@link gpt2j.weights.WeightsException} or
 * {@link java.io.UncheckedIOException}; each message is one line a user can act on.
 */
public final class Model implements AutoCloseable {

    private final LoadedCheckpoint checkpoint;
    private final Arena arena; // owns converted weights; null when the checkpoint's are used as they are
    private final Gpt2Model model;
    private final Parallel parallel;
    private final Gpt2Tokenizer tokenizer; // null when the model has none
    private final String noTokenizer; // why, when tokenizer is null
    private final long loadNanos;
    private final ReentrantLock lock = new ReentrantLock(true);
    private Forward decodeHost; // scratch for appendEach, made on first use
    private volatile boolean closed;

    private Model(
            LoadedCheckpoint checkpoint,
            Arena arena,
            Gpt2Model model,
            Parallel parallel,
            Gpt2Tokenizer tokenizer,
            String noTokenizer,
            long loadNanos) {
        this.checkpoint = checkpoint;
        this.arena = arena;
        this.model = model;
        this.parallel = parallel;
        this.tokenizer = tokenizer;
        this.noTokenizer = noTokenizer;
        this.loadNanos = loadNanos;
    }

    /** Opens a model directory or {@code .gguf} file with {@link ModelOptions#defaults()}. */
    public static Model open(Path path) {
        return open(path, ModelOptions.defaults());
    }

    /**
     * Opens a path, or a Hugging Face hub id ({@code org/name[@revision][:QUANT]}, from the Hugging Face cache or
     * downloaded into it), with default options.
     */
    public static Model open(String pathOrId) {
        return open(pathOrId, ModelOptions.defaults());
    }

    /** Opens a path or hub id. */
    public static Model open(String pathOrId, ModelOptions options) {
        return open(ModelSource.resolve(pathOrId), options);
    }

    /** Opens a model directory or {@code .gguf} file. */
    public static Model open(Path path, ModelOptions options) {
        long start = System.nanoTime();
        GgmlType convert = weightType(options.weightType());
        LoadedCheckpoint checkpoint = Gpt2Checkpoint.open(path);
        Arena arena = null;
        Parallel parallel = null;
        try {
            Gpt2Weights weights = checkpoint.weights();
            if (convert != null) {
                arena = Arena.ofShared();
                weights = ModelQuantizer.quantize(weights, convert, arena);
            }
            Gpt2Model model = new Gpt2Model(weights);
            String[] why = {null};
            Gpt2Tokenizer tokenizer = Tokenizers.find(path, checkpoint, why);
            parallel = new Parallel(options.threads());
            return new Model(checkpoint, arena, model, parallel, tokenizer, why[0], System.nanoTime() - start);
        } catch (RuntimeException | Error e) {
            if (parallel != null) parallel.close();
            if (arena != null) arena.close();
            checkpoint.close();
            throw e;
        }
    }

    private static GgmlType weightType(String name) {
        if (name == null) return null;
        try {
            return GgmlType.valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown weight type '" + name + "'; use f32, f16, q8_0 or q4_0");
        }
    }

    // ---- what the model is

    /** Format, shape, the config fields that change the math, parameter count and storage types. */
    public ModelInfo info() {
        return describe(checkpoint, model.weights(), tokenizer != null);
    }

    /**
     * What {@link #info()} says about the model at {@code path}, read without opening it for use: no conversion, no
     * thread pool, the weights mapped only while reading the header.
     */
    public static ModelInfo inspect(Path path) {
        try (LoadedCheckpoint checkpoint = Gpt2Checkpoint.open(path)) {
            return describe(checkpoint, checkpoint.weights(), Tokenizers.find(path, checkpoint, new String[1]) != null);
        }
    }

    private static ModelInfo describe(LoadedCheckpoint checkpoint, Gpt2Weights w, boolean hasTokenizer) {
        Gpt2Config c = w.config();
        Set<GgmlType> types = EnumSet.noneOf(GgmlType.class);
        for (Gpt2Weights.Layer l : w.layers()) {
            types.add(l.qkv().type());
            types.add(l.attnOut().type());
            types.add(l.mlpUp().type());
            types.add(l.mlpDown().type());
        }
        types.add(w.head().type());
        Map<String, Integer> counts = new LinkedHashMap<>();
        checkpoint.sourceTypes().forEach((t, n) -> counts.put(t.name(), n));
        return new ModelInfo(
                checkpoint.format(),
                checkpoint.fileBytes(),
                c.layerCount(),
                c.headCount(),
                c.embeddingSize(),
                c.contextLength(),
                c.vocabSize(),
                c.parameterCount(),
                types.stream().map(Enum::name).toList(),
                w.tokenEmbedding().type().name(),
                checkpoint.typeSummary(),
                hasTokenizer,
                c.innerSize(),
                c.activation().configName(),
                c.layerNormEpsilon(),
                c.scaleAttnWeights(),
                c.scaleAttnByInverseLayerIdx(),
                Collections.unmodifiableMap(counts),
                bitsPerWeight(w));
    }

    // 8 * bytes / values over every tensor once, as llama.cpp counts it.
    private static double bitsPerWeight(Gpt2Weights w) {
        Set<Tensor> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        seen.addAll(List.of(
                w.tokenEmbedding(),
                w.positionEmbedding(),
                w.finalNormWeight(),
                w.finalNormBias(),
                w.head().tensor()));
        for (Gpt2Weights.Layer l : w.layers()) {
            seen.addAll(List.of(
                    l.attnNormWeight(),
                    l.attnNormBias(),
                    l.qkv().tensor(),
                    l.qkvBias(),
                    l.attnOut().tensor(),
                    l.attnOutBias(),
                    l.mlpNormWeight(),
                    l.mlpNormBias(),
                    l.mlpUp().tensor(),
                    l.mlpUpBias(),
                    l.mlpDown().tensor(),
                    l.mlpDownBias()));
        }
        long bytes = 0, values = 0;
        for (Tensor t : seen) {
            bytes += t.data().byteSize();
            values += t.size();
        }
        return 8.0 * bytes / values;
    }

    /** The longest sequence, in tokens (prompt plus generated). */
    public int contextLength() {
        return model.config().contextLength();
    }

    public int vocabSize() {
        return model.config().vocabSize();
    }

    /** Compute threads of the pool. */
    public int threads() {
        return parallel.threads();
    }

    /** How long {@link #open} took, in milliseconds (reading, converting, building the tokenizer). */
    public double loadMillis() {
        return loadNanos / 1e6;
    }

    // ---- text

    /** Whether text can be encoded and decoded; without a tokenizer the model still runs on token ids. */
    public boolean hasTokenizer() {
        return tokenizer != null;
    }

    /** Why the model has no tokenizer; null when it has one. */
    public String tokenizerProblem() {
        return noTokenizer;
    }

    /** Text to token ids; {@code <|endoftext|>} in the text is ordinary text, not the special token. */
    public int[] tokenize(String text) {
        return tokenizer().encode(text);
    }

    /** Text to token ids, with {@code <|endoftext|>} written in the text becoming the special token. */
    public int[] tokenizeWithSpecials(String text) {
        return tokenizer().encodeWithSpecials(text);
    }

    /** Token ids to text; bytes that are not valid UTF-8 become U+FFFD. */
    public String detokenize(int... ids) {
        return tokenizer().decode(ids);
    }

    /** The raw bytes of one token (a token can be part of a UTF-8 character). */
    public byte[] tokenBytes(int id) {
        return tokenizer().tokenBytes(id);
    }

    /** One token as display text: its bytes decoded alone, so part of a UTF-8 character shows as U+FFFD. */
    public String tokenText(int id) {
        return tokenizer().tokenText(id);
    }

    /** A decoder of generated tokens into final text, cut at the first of {@code stops} (see {@link TextStream}). */
    public TextStream textStream(List<String> stops) {
        return new TextStream(tokenizer(), stops);
    }

    /** Tokens the tokenizer knows (ids below it have text; the model's vocabulary may be larger), 0 without one. */
    public int tokenizerVocabSize() {
        return tokenizer == null ? 0 : tokenizer.vocabSize();
    }

    /** The end-of-text token's id, or -1 for a model without a tokenizer. */
    public int endOfTextId() {
        return tokenizer == null ? -1 : tokenizer.endOfTextId();
    }

    private Gpt2Tokenizer tokenizer() {
        checkOpen();
        if (tokenizer == null) throw new IllegalStateException(noTokenizer);
        return tokenizer;
    }

    // ---- sessions

    /** A session that can hold the model's whole context. */
    public Session newSession() {
        return newSession(contextLength());
    }

    /** A session that holds at most {@code capacity} tokens (less memory: the cache is sized to it). */
    public Session newSession(int capacity) {
        checkOpen();
        if (capacity < 1 || capacity > contextLength()) {
            throw new IllegalArgumentException(
                    "a session holds between 1 and " + contextLength() + " tokens, got " + capacity);
        }
        return new Session(this, new Forward(model, parallel, capacity));
    }

    /**
     * Appends {@code tokens[i]} to {@code sessions[i]} for every i below {@code n}, in one pass over the weights (up to
     * 64 sessions a pass; continuous batching: each session at its own position, in its own cache), as the list form
     * below does with one id per list. A session's results do not depend on
     * which other sessions share the step: each is computed by the one-token kernels, exactly as {@link Session#append}
     * of that one token would compute it, while the weights are read once for all of them.
     *
     * @throws IllegalArgumentException when a session is full, of another model, listed twice, or a token is out of range
     */
    public void appendEach(Session[] sessions, int[] tokens, int n) {
        if (n < 1 || n > tokens.length) {
            throw new IllegalArgumentException("a step takes 1 to " + tokens.length + " sessions here, got " + n);
        }
        int[][] lists = new int[n][];
        for (int i = 0; i < n; i++) lists[i] = new int[] {tokens[i]};
        appendEach(sessions, lists, n);
    }

    /**
     * Appends {@code tokens[i]} (one or more ids) to {@code sessions[i]} for every i below {@code n}; each session ends
     * exactly as {@code sessions[i].append(tokens[i])} alone would leave it, whichever sessions share the call. Single
     * tokens, and short prompts where the model multiplies a few inputs with its one-token kernels (up to 8 tokens on
     * the quantized types that group inputs, such as Q8_0 and Q4_K), share passes over the weights: a server's step
     * gives every running request its next token and every new request its short prompt in one pass, instead of a pass
     * per prompt. Longer lists get passes of their own, as {@link Session#append} gives them.
     *
     * @throws IllegalArgumentException when a list is empty or does not fit its session, an id is out of range, or a
     *     session is of another model or listed twice; then no session has changed
     */
    public void appendEach(Session[] sessions, int[][] tokens, int n) {
        if (n < 1 || n > sessions.length || n > tokens.length) {
            throw new IllegalArgumentException(
                    "a step takes 1 to " + Math.min(sessions.length, tokens.length) + " sessions here, got " + n);
        }
        Forward[] forwards = new Forward[n];
        for (int i = 0; i < n; i++) {
            Session s = sessions[i];
            if (s.model() != this) throw new IllegalArgumentException("session " + i + " belongs to another model");
            forwards[i] = s.forward();
            for (int j = 0; j < i; j++) {
                if (forwards[j] == forwards[i]) throw new IllegalArgumentException("session " + i + " is listed twice");
            }
            int[] ids = tokens[i];
            if (ids.length == 0) throw new IllegalArgumentException("no tokens to append to session " + i);
            if (s.position() + ids.length > s.capacity()) {
                throw new IllegalArgumentException("session " + i + " holds " + s.capacity() + " tokens; cannot append "
                        + ids.length + " to its " + s.position());
            }
            for (int id : ids) {
                if (id < 0 || id >= vocabSize()) {
                    throw new IllegalArgumentException(
                            "token id " + id + " is outside the vocabulary (0.." + (vocabSize() - 1) + ")");
                }
            }
        }
        locked(() -> {
            if (decodeHost == null) decodeHost = Forward.decodeHost(model, parallel, contextLength());
            int shared = decodeHost.stepRows();
            Forward[] rows = new Forward[Forward.BATCH];
            int[] ids = new int[Forward.BATCH];
            try {
                int r = 0, first = 0; // rows of the pass being filled, from sessions[first] on
                for (int i = 0; i < n; i++) {
                    if (tokens[i].length > shared) continue;
                    if (r + tokens[i].length > Forward.BATCH) {
                        sharedPass(sessions, tokens, first, i, shared, rows, ids, r);
                        r = 0;
                        first = i;
                    }
                    for (int id : tokens[i]) {
                        rows[r] = forwards[i];
                        ids[r++] = id;
                    }
                }
                if (r > 0) sharedPass(sessions, tokens, first, n, shared, rows, ids, r);
                for (int i = 0; i < n; i++) {
                    if (tokens[i].length > shared) {
                        forwards[i].prompt(tokens[i]);
                        sessions[i].appended(tokens[i]);
                    }
                }
            } catch (EngineException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
            return null;
        });
    }

    // One decode pass of r rows, for the sessions in [from, to) whose lists share passes; each is told at once, so that
    // a failure in a later pass leaves no session half-told.
    private void sharedPass(
            Session[] sessions, int[][] tokens, int from, int to, int shared, Forward[] rows, int[] ids, int r) {
        decodeHost.decode(rows, ids, r);
        for (int j = from; j < to; j++) {
            if (tokens[j].length <= shared) sessions[j].appended(tokens[j]);
        }
    }

    /** A sampler for a session driven by hand: {@code options}' filters and seed (its maxTokens and stop are unused). */
    public TokenSampler sampler(CompletionOptions options) {
        return new TokenSampler(options, vocabSize());
    }

    // ---- completion

    /** Continues {@code prompt} (blocking). */
    public Completion complete(String prompt, CompletionOptions options) {
        return complete(prompt, options, (id, text) -> true);
    }

    /** Continues {@code prompt}, handing each token to {@code listener} as it is chosen. */
    public Completion complete(String prompt, CompletionOptions options, CompletionListener listener) {
        return complete(prompt.isEmpty() ? new int[0] : tokenize(prompt), options, listener);
    }

    /**
     * Continues a prompt given as token ids. An empty prompt starts after the end-of-text token, as GPT-2 documents do.
     * Prompt plus generated tokens fit the context: a longer prompt is an error, and generation ends with
     * {@link Completion.StopReason#CONTEXT_FULL} when the context fills up. The end-of-text token ends generation and is
     * neither passed to the listener nor returned.
     */
    public Completion complete(int[] prompt, CompletionOptions options, CompletionListener listener) {
        int endOfText = endOfTextId();
        if (prompt.length == 0 && endOfText < 0) {
            throw new IllegalArgumentException("an empty prompt starts from <|endoftext|>, which this model has no "
                    + "tokenizer for; give prompt ids");
        }
        int[] input = prompt.length == 0 ? new int[] {endOfText} : prompt.clone();
        checkPrompt(input.length);
        int context = contextLength();
        int maxTokens = options.maxTokens();
        int limit = Math.min(maxTokens, context - input.length);
        Completion.StopReason reason =
                limit < maxTokens ? Completion.StopReason.CONTEXT_FULL : Completion.StopReason.MAX_TOKENS;
        TextStream stream = tokenizer == null ? null : new TextStream(tokenizer, options.stop());
        StringBuilder text = new StringBuilder();

        // A cache for what this completion can use, not the whole context: ~2 MB instead of 75 MB of floats for a
        // short completion on the 124M model.
        Session session = newSession((int) Math.min(context, (long) input.length + Math.max(maxTokens, 1)));
        TokenSampler sampler = sampler(options);
        sampler.accept(input);
        long start = System.nanoTime();
        session.append(input);
        long prefilled = System.nanoTime();
        int[] tokens = new int[limit];
        int count = 0;
        while (count < limit) {
            int id = session.sample(sampler);
            if (id == endOfText) {
                reason = Completion.StopReason.END_OF_TEXT;
                break;
            }
            tokens[count++] = id;
            sampler.accept(id);
            String piece = stream == null ? "" : stream.push(id);
            text.append(piece);
            boolean go = listener.onToken(id, piece);
            if (stream != null && stream.stopped()) {
                reason = Completion.StopReason.STOP_STRING;
                break;
            }
            if (!go) {
                reason = Completion.StopReason.LISTENER;
                break;
            }
            if (count < limit) session.append(id);
        }
        if (stream != null && !stream.stopped()) {
            String tail = stream.finish();
            if (stream.stopped()) reason = Completion.StopReason.STOP_STRING;
            text.append(tail);
            if (!tail.isEmpty()) listener.onFinish(tail);
        }
        long end = System.nanoTime();
        return new Completion(
                input,
                Arrays.copyOf(tokens, count),
                stream == null ? null : text.toString(),
                reason,
                options.seed(),
                prefilled - start,
                end - prefilled);
    }

    /** Throws when a prompt of {@code length} tokens leaves no room in the context; callers may check before echoing. */
    public void checkPrompt(int length) {
        if (length > contextLength()) {
            throw new IllegalArgumentException(
                    "the prompt has " + length + " tokens but the context holds only " + contextLength());
        }
    }

    // ---- scoring

    /** Scores {@code text} with {@link ScoreOptions#defaults()}. */
    public Scores score(String text) {
        return score(tokenize(text), ScoreOptions.defaults());
    }

    /** Scores {@code text}. */
    public Scores score(String text, ScoreOptions options) {
        return score(tokenize(text), options);
    }

    /**
     * Every token's log-probability given the tokens before it in its window, the mean negative log-likelihood and the
     * perplexity (Hugging Face's sliding-window method: windows of {@code context} tokens start at 0 and advance by
     * {@code stride}; each scores the tokens no earlier window scored). Needs at least 2 tokens.
     */
    public Scores score(int[] tokens, ScoreOptions options) {
        return score(tokens, options, (scored, total, perplexity) -> {});
    }

    /**
     * Scores {@code tokens} as {@link #score(int[], ScoreOptions)} does, telling {@code listener} how far it got after
     * each chunk of tokens, on the calling thread.
     */
    public Scores score(int[] tokens, ScoreOptions options, ScoreListener listener) {
        int modelContext = contextLength();
        int context = options.context() == 0 ? modelContext : options.context();
        if (context > modelContext) {
            throw new IllegalArgumentException("context " + context + " is longer than the model's " + modelContext);
        }
        int stride = options.stride() == 0 ? context : options.stride();
        if (stride > context)
            throw new IllegalArgumentException("stride " + stride + " is longer than the window " + context);
        if (tokens.length < 2)
            throw new IllegalArgumentException("need at least 2 tokens to score, got " + tokens.length);
        int[] ids = tokens.clone();
        int vocab = vocabSize(), top = Math.min(options.topLogProbs(), vocab);
        List<TokenScore> scored = new ArrayList<>();
        double[] sum = new double[1];
        locked(() -> Perplexity.evaluate(model, ids, context, stride, parallel, new Perplexity.TargetListener() {
            @Override
            public void onTarget(int index, float[] logits, int offset) {
                double nll = Perplexity.nll(logits, offset, vocab, ids[index]);
                sum[0] += nll;
                scored.add(new TokenScore(
                        index, ids[index], -nll, top == 0 ? List.of() : top(logits, offset, vocab, top)));
            }

            @Override
            public void onChunk(int done, int total) {
                listener.onProgress(done, total, Math.exp(sum[0] / done));
            }
        }));
        double nll = sum[0] / scored.size();
        return new Scores(ids, List.copyOf(scored), nll, Math.exp(nll));
    }

    // The n largest logits as log-probabilities, most likely first, ties to the lower id.
    static List<TokenLogProb> top(float[] logits, int offset, int vocab, int n) {
        int[] best = new int[n];
        int size = 0;
        for (int i = 0; i < vocab; i++) {
            float v = logits[offset + i];
            if (size == n && !(v > logits[offset + best[n - 1]])) continue;
            int j = size < n ? size++ : n - 1;
            while (j > 0 && v > logits[offset + best[j - 1]]) {
                best[j] = best[j - 1];
                j--;
            }
            best[j] = i;
        }
        double lse = Perplexity.logSumExp(logits, offset, vocab);
        List<TokenLogProb> out = new ArrayList<>(n);
        for (int k = 0; k < size; k++) out.add(new TokenLogProb(best[k], logits[offset + best[k]] - lse));
        return List.copyOf(out);
    }

    // ---- attention

    /** Every head's attention weights over {@code tokens} (from position 0). Memory: layers x heads x tokens^2 floats. */
    public AttentionMap attention(int[] tokens) {
        return attention(tokens, false, 0);
    }

    /**
     * Every head's attention weights over {@code tokens} (from position 0); with {@code withScores} the raw scores q·k
     * and each layer's scale too (twice the memory), and with {@code topNext > 0} the {@code topNext} most probable
     * next tokens after every position.
     *
     * @throws IllegalArgumentException when there are no tokens, more than the context holds, or one is out of range
     */
    public AttentionMap attention(int[] tokens, boolean withScores, int topNext) {
        if (topNext < 0) throw new IllegalArgumentException("topNext must be 0 or more, got " + topNext);
        int[] ids = tokens.clone();
        AttentionCapture c = locked(
                () -> AttentionCapture.capture(model, ids, parallel, withScores, Math.min(topNext, vocabSize())));
        List<List<AttentionMap.NextToken>> next = new ArrayList<>();
        for (TopTokens t : c.next()) {
            List<AttentionMap.NextToken> position = new ArrayList<>(t.ids().length);
            for (int i = 0; i < t.ids().length; i++) {
                position.add(new AttentionMap.NextToken(t.ids()[i], t.probabilities()[i]));
            }
            next.add(List.copyOf(position));
        }
        return new AttentionMap(ids, c.weights(), c.scores(), withScores ? c.scales() : null, List.copyOf(next));
    }

    /**
     * Per-head statistics of {@code attention} (entropy; shares on the previous, first and same token) with an
     * induction score measured on a repeated random sequence, and a label for heads with a recognizable job.
     */
    public List<HeadStat> headStats(AttentionMap attention) {
        return locked(() -> HeadStats.compute(model, attention.weights(), parallel));
    }

    // ---- lifetime

    /** Runs {@code body} while holding the model's pool; refuses once the model is closed. */
    <T> T locked(Supplier<T> body) {
        lock.lock();
        try {
            checkOpen();
            return body.get();
        } finally {
            lock.unlock();
        }
    }

    void checkOpen() {
        if (closed) throw new IllegalStateException("the model is closed");
    }

    /** Stops the threads and unmaps the weights, after any running call has finished. Idempotent. */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) return;
            closed = true;
            parallel.close();
            if (arena != null) arena.close();
            checkpoint.close();
        } finally {
            lock.unlock();
        }
    }
}
