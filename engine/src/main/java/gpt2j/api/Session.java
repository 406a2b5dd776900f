package gpt2j.api;

import gpt2j.engine.Forward;
import gpt2j.engine.Perplexity;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One sequence in progress: its own KV cache over the {@link Model}'s weights, so several sessions run side by side
 * (a server's requests, beams, a prompt shared by several continuations through {@link #fork()}).
 * {@link #append} processes tokens from the current position on and keeps the logits after the last one, which
 * {@link #logits()}, {@link #logProbs()} and {@link #sample} read.
 *
 * <pre>{@code
 * try (Model model = Model.open(Path.of("model.gguf"))) {
 *     Session a = model.newSession();
 *     a.append(model.tokenize("The capital of France is"));
 *     Session b = a.fork();                 // same prefix, independent from here on
 *     a.append(a.argmax());
 *     b.append(model.tokenize(" not"));
 * }
 * }</pre>
 *
 * <p>Thread-safety: a session must be used by one thread at a time; different sessions may be used from different
 * threads at once. Their forward passes take turns on the model's thread pool, one call ({@link #append}) at a time.
 * Results do not depend on what other sessions do. A session holds only heap memory; it becomes unusable (every call
 * throws {@link IllegalStateException}) once its model is closed.
 */
public final class Session {

    private final Model model;
    private final Forward forward;
    private final int[] tokens;
    private boolean hasLogits;

    Session(Model model, Forward forward) {
        this.model = model;
        this.forward = forward;
        this.tokens = new int[forward.contextLength()];
    }

    /** Tokens processed so far: the position the next token gets. */
    public int position() {
        return forward.position();
    }

    /** The most tokens this session holds. */
    public int capacity() {
        return forward.contextLength();
    }

    /** A copy of the tokens processed so far. */
    public int[] tokens() {
        return Arrays.copyOf(tokens, position());
    }

    /**
     * Processes {@code ids} (at least one) from the current position on; afterwards {@link #logits()} predicts the
     * token after the last of them. Prompts go through the batched kernels, single tokens through the one-token ones.
     *
     * @throws IllegalArgumentException when an id is outside the vocabulary or the ids do not fit the capacity
     */
    public void append(int... ids) {
        if (ids.length == 0) throw new IllegalArgumentException("no tokens to append");
        int start = position();
        model.locked(() -> {
            hasLogits = false;
            if (ids.length == 1) forward.next(ids[0]);
            else forward.prompt(ids);
            hasLogits = true;
            return null;
        });
        System.arraycopy(ids, 0, tokens, start, ids.length);
    }

    /**
     * Appends {@code ids} as {@link #append} does and returns how likely each of them was given everything before it:
     * its log-probability and the {@code top} most likely tokens at its position (what a server's {@code echo} with
     * {@code logprobs} returns). The first id is scored only when this session already has logits; each
     * {@link TokenScore#index()} is the token's position in the session.
     */
    public List<TokenScore> appendScored(int[] ids, int top) {
        if (ids.length == 0) throw new IllegalArgumentException("no tokens to append");
        if (top < 0) throw new IllegalArgumentException("top must not be negative, got " + top);
        int start = position();
        int vocab = model.vocabSize(), n = Math.min(top, vocab);
        List<TokenScore> out = new ArrayList<>(ids.length);
        model.locked(() -> {
            if (hasLogits) out.add(score(start, ids[0], forward.logits(), 0, vocab, n));
            hasLogits = false;
            forward.prompt(ids, 0, ids.length, (position, logits, offset) -> {
                int next = position - start + 1;
                if (next < ids.length) out.add(score(position + 1, ids[next], logits, offset, vocab, n));
                else System.arraycopy(logits, offset, forward.logits(), 0, vocab);
            });
            hasLogits = true;
            return null;
        });
        System.arraycopy(ids, 0, tokens, start, ids.length);
        return out;
    }

    /** How likely {@code id} is as the next token: its log-probability and the {@code top} most likely tokens. */
    public TokenScore scoreNext(int id, int top) {
        float[] l = current();
        if (id < 0 || id >= l.length)
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary");
        if (top < 0) throw new IllegalArgumentException("top must not be negative, got " + top);
        return score(position(), id, l, 0, l.length, Math.min(top, l.length));
    }

    private static TokenScore score(int index, int id, float[] logits, int offset, int vocab, int top) {
        double logProb = logits[offset + id] - Perplexity.logSumExp(logits, offset, vocab);
        return new TokenScore(index, id, logProb, top == 0 ? List.of() : Model.top(logits, offset, vocab, top));
    }

    /** A copy of the logits (one per vocabulary entry) that predict the next token. */
    public float[] logits() {
        return current().clone();
    }

    /** The log-probabilities (log softmax of {@link #logits()}, in double) of the next token. */
    public double[] logProbs() {
        float[] l = current();
        double lse = Perplexity.logSumExp(l, 0, l.length);
        double[] out = new double[l.length];
        for (int i = 0; i < l.length; i++) out[i] = l[i] - lse;
        return out;
    }

    /** The log-probability of {@code id} being the next token. */
    public double logProb(int id) {
        float[] l = current();
        if (id < 0 || id >= l.length)
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary");
        return l[id] - Perplexity.logSumExp(l, 0, l.length);
    }

    /** The most likely next token (ties to the lowest id). */
    public int argmax() {
        float[] l = current();
        int best = 0;
        for (int i = 1; i < l.length; i++) {
            if (l[i] > l[best]) best = i;
        }
        return best;
    }

    /** The next token as {@code sampler} chooses it from this session's logits (the sampler is not told about it). */
    public int sample(TokenSampler sampler) {
        return sampler.sample(current());
    }

    /** An independent session with a copy of this one's cache, tokens and logits, and the same capacity. */
    public Session fork() {
        return model.locked(() -> {
            Session copy = model.newSession(capacity());
            copy.forward.copyFrom(forward);
            System.arraycopy(tokens, 0, copy.tokens, 0, position());
            copy.hasLogits = hasLogits;
            return copy;
        });
    }

    /** Forgets every token from {@code position} on (0 starts over); the logits are gone until the next append. */
    public void rewind(int position) {
        forward.truncate(position);
        hasLogits = false;
    }

    /** Starts over at position 0. */
    public void reset() {
        rewind(0);
    }

    private float[] current() {
        model.checkOpen();
        if (!hasLogits) throw new IllegalStateException("no logits yet: append tokens first");
        return forward.logits();
    }

    Model model() {
        return model;
    }

    /** After {@link Model#appendEach} wrote this session's cache and logits for {@code ids}. */
    void appended(int[] ids) {
        System.arraycopy(ids, 0, tokens, position() - ids.length, ids.length);
        hasLogits = true;
    }

    Forward forward() {
        return forward;
    }
}
