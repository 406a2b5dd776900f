package gpt2j.engine;

import java.util.ArrayList;
import java.util.List;

/**
 * Perplexity by Hugging Face's sliding-window method, and the KL divergence used to judge a quantized model.
 * Windows of {@code context} tokens start at 0 and advance by {@code stride}; each window scores the tokens no earlier
 * window scored, each predicted from the tokens before it in the same window. The first token of the text is never
 * scored, nor is a window's first token (it has no context in the window): with stride == context every window loses
 * its first token, with a smaller stride every token after the first is scored once.
 */
public final class Perplexity {

    private Perplexity() {}

    /** Non-overlapping windows (stride = context). */
    public static PerplexityResult evaluate(Gpt2Model model, int[] tokens, int context, Parallel parallel) {
        return evaluate(model, tokens, context, context, parallel);
    }

    public static PerplexityResult evaluate(Gpt2Model model, int[] tokens, int context, int stride, Parallel parallel) {
        int vocab = model.config().vocabSize();
        double[] sum = new double[1];
        int scored = evaluate(
                model,
                tokens,
                context,
                stride,
                parallel,
                (index, logits, offset) -> sum[0] += nll(logits, offset, vocab, tokens[index]));
        double nll = sum[0] / scored;
        return new PerplexityResult(scored, nll, Math.exp(nll));
    }

    /** Receives the logits that predict {@code tokens[index]}: scratch, valid during the call. */
    @FunctionalInterface
    public interface TargetListener {
        void onTarget(int index, float[] logits, int offset);

        /** Called after each chunk of at most {@link Forward#BATCH} targets, with the count so far and the total. */
        default void onChunk(int scored, int total) {}
    }

    /** One window: it starts at {@code begin} and scores the tokens {@code [first, end)}. */
    record Window(int begin, int first, int end) {}

    /** The windows over {@code length} tokens, in order; together they score every target once. */
    static List<Window> windows(int length, int context, int stride) {
        List<Window> windows = new ArrayList<>();
        int previousEnd = 0;
        for (int begin = 0; ; begin += stride) {
            int end = Math.min(begin + context, length);
            windows.add(new Window(begin, Math.max(previousEnd, begin + 1), end));
            previousEnd = end;
            if (end == length) return windows;
        }
    }

    /**
     * Runs the sliding windows and hands {@code listener} the logits predicting each scored token, in text order;
     * returns how many tokens were scored.
     */
    public static int evaluate(
            Gpt2Model model, int[] tokens, int context, int stride, Parallel parallel, TargetListener listener) {
        checkArguments(model, tokens, context);
        if (context < 2) throw new EngineException("perplexity needs a context of at least 2 tokens, got " + context);
        if (stride < 1 || stride > context) {
            throw new EngineException("stride must be between 1 and the context (" + context + "), got " + stride);
        }
        Forward forward = new Forward(model, parallel, context);
        List<Window> windows = windows(tokens.length, context, stride);
        int total = 0;
        for (Window w : windows) total += Math.max(0, w.end() - w.first());
        int scored = 0;
        for (Window w : windows) {
            forward.reset();
            // Logits at window position p predict token begin + p + 1; only those from first - 1 on are needed.
            forward.feed(tokens, w.begin(), w.first() - 1);
            // Chunks of BATCH make the same batches one prompt call would, so the logits are the same.
            for (int from = w.first() - 1; from < w.end() - 1; from += Forward.BATCH) {
                int to = Math.min(from + Forward.BATCH, w.end() - 1);
                forward.prompt(
                        tokens,
                        from,
                        to,
                        (position, logits, offset) -> listener.onTarget(w.begin() + position + 1, logits, offset));
                scored += to - from;
                listener.onChunk(scored, total);
            }
        }
        return scored;
    }

    /**
     * Mean over every position of KL(P_reference || P_other), in nats, of the next-token distributions, with the text
     * cut into non-overlapping windows of {@code context} tokens.
     */
    public static double meanKlDivergence(
            Gpt2Model reference, Gpt2Model other, int[] tokens, int context, Parallel parallel) {
        checkArguments(reference, tokens, context);
        checkArguments(other, tokens, context);
        int vocab = reference.config().vocabSize();
        if (other.config().vocabSize() != vocab) {
            throw new EngineException("the models have different vocabularies (" + vocab + " and "
                    + other.config().vocabSize() + ")");
        }
        Forward p = new Forward(reference, parallel, context);
        Forward q = new Forward(other, parallel, context);
        float[] buffer = new float[Forward.BATCH * vocab];
        double[] sum = new double[1];
        for (int begin = 0; begin < tokens.length; begin += context) {
            int end = Math.min(begin + context, tokens.length);
            p.reset();
            q.reset();
            for (int start = begin; start < end; start += Forward.BATCH) {
                int stop = Math.min(start + Forward.BATCH, end);
                int first = start - begin; // window position of this chunk's first token
                p.prompt(
                        tokens,
                        start,
                        stop,
                        (position, logits, offset) ->
                                System.arraycopy(logits, offset, buffer, (position - first) * vocab, vocab));
                q.prompt(
                        tokens,
                        start,
                        stop,
                        (position, logits, offset) ->
                                sum[0] += kl(buffer, (position - first) * vocab, logits, offset, vocab));
            }
        }
        return sum[0] / tokens.length;
    }

    /** -log softmax(logits)[target], with log-sum-exp in double. */
    public static double nll(float[] logits, int offset, int vocab, int target) {
        return logSumExp(logits, offset, vocab) - logits[offset + target];
    }

    /** KL(softmax(p) || softmax(q)) = sum_i p_i (log p_i - log q_i). */
    static double kl(float[] p, int pOff, float[] q, int qOff, int vocab) {
        double lp = logSumExp(p, pOff, vocab), lq = logSumExp(q, qOff, vocab);
        double sum = 0;
        for (int i = 0; i < vocab; i++) {
            double logP = p[pOff + i] - lp;
            sum += Math.exp(logP) * (logP - (q[qOff + i] - lq));
        }
        return Math.max(0, sum); // rounding can dip below zero for identical distributions
    }

    public static double logSumExp(float[] x, int off, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = off; i < off + n; i++) max = Math.max(max, x[i]);
        double sum = 0;
        for (int i = off; i < off + n; i++) sum += Math.exp(x[i] - max);
        return max + Math.log(sum);
    }

    private static void checkArguments(Gpt2Model model, int[] tokens, int context) {
        int max = model.config().contextLength();
        if (context < 1 || context > max) {
            throw new EngineException("context must be between 1 and the model's " + max + ", got " + context);
        }
        if (tokens.length < 2) {
            throw new EngineException("perplexity needs at least 2 tokens, got " + tokens.length);
        }
    }
}
