package gpt2j.server;

import gpt2j.engine.Forward;
import gpt2j.engine.Gpt2Model;
import gpt2j.engine.Parallel;
import gpt2j.tokenizer.Gpt2Tokenizer;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Continuous batching: up to {@code slots} sequences run at once, each with its own KV cache; requests wait in a
 * bounded queue and join the running batch between decode steps, and leave it as soon as they finish. Each step
 * gives every running sequence one token, and advances each sequence still reading its prompt by one chunk of at most
 * {@link #PREFILL_CHUNK} tokens, so a long new prompt delays the others by one chunk per step, never by its whole
 * length. A sequence's results depend only on its own request: its prompt is always cut into the same chunks.
 * One thread runs the loop (and the model's pool under it); everything else talks to it through the queue.
 */
final class Scheduler implements AutoCloseable {

    static final int PREFILL_CHUNK = 64;

    private final Gpt2Model model;
    private final Gpt2Tokenizer tokenizer;
    private final Parallel parallel;
    private final Forward[] forwards;
    private final Sequence[] running;
    private final ArrayBlockingQueue<Sequence> queue;
    private final Metrics metrics;
    private final float[] work;
    private final Forward host;          // computes one decode step for every generating sequence at once
    private final Forward[] decodeRows;
    private final int[] decodeTokens;
    private final Sequence[] decodeSequences;
    private final Thread loop;
    private volatile boolean accepting = true;
    private volatile boolean stopping;
    private volatile boolean abandon;

    Scheduler(Gpt2Model model, Gpt2Tokenizer tokenizer, Parallel parallel, int slots, int contextLength,
              int queueCapacity, Metrics metrics) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.parallel = parallel;
        this.metrics = metrics;
        this.forwards = new Forward[slots];
        for (int i = 0; i < slots; i++) forwards[i] = new Forward(model, parallel, contextLength);
        this.running = new Sequence[slots];
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
        this.work = new float[model.config().vocabSize()];
        this.host = Forward.decodeHost(model, parallel, contextLength);
        this.decodeRows = new Forward[slots];
        this.decodeTokens = new int[slots];
        this.decodeSequences = new Sequence[slots];
        this.loop = Thread.ofPlatform().name("gpt2j-scheduler").daemon().start(this::run);
    }

    int contextLength() {
        return forwards[0].contextLength();
    }

    int queued() {
        return queue.size();
    }

    int active() {
        int n = 0;
        for (Sequence s : running) if (s != null) n++;
        return n;
    }

    /** Queues all of a request's sequences or none: 429 when they do not fit, 503 once shutting down. */
    void submit(List<Sequence> sequences) {
        synchronized (queue) {
            if (!accepting) throw ApiException.shuttingDown();
            if (queue.remainingCapacity() < sequences.size()) {
                throw ApiException.overloaded(queue.size() + queue.remainingCapacity());
            }
            queue.addAll(sequences);
        }
    }

    private void run() {
        try {
            while (!stopping || active() > 0 || !queue.isEmpty()) {
                if (abandon) break;
                admit();
                if (active() == 0) {
                    Sequence next = queue.poll(50, TimeUnit.MILLISECONDS);
                    if (next != null) start(next);
                    continue;
                }
                step();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            for (int i = 0; i < running.length; i++) {
                if (running[i] != null) running[i].fail(ApiException.shuttingDown());
                running[i] = null;
            }
            for (Sequence s; (s = queue.poll()) != null; ) s.fail(ApiException.shuttingDown());
        }
    }

    private void admit() {
        for (int i = 0; i < running.length; i++) {
            if (running[i] != null) continue;
            Sequence s = queue.poll();
            if (s == null) return;
            start(s);
        }
    }

    private void start(Sequence s) {
        for (int i = 0; i < running.length; i++) {
            if (running[i] == null) {
                running[i] = s;
                forwards[i].reset();
                return;
            }
        }
        throw new IllegalStateException("no free slot");
    }

    /** One step: a prompt chunk for each sequence still reading, one token for each generating sequence. */
    private void step() {
        int vocab = model.config().vocabSize();
        int decoding = 0;
        for (int i = 0; i < running.length; i++) {
            Sequence s = running[i];
            if (s == null) continue;
            if (s.cancelled()) {
                running[i] = null;
                continue;
            }
            try {
                if (!s.prefillDone()) {
                    prefill(s, forwards[i], vocab);
                    if (!s.prefillDone()) continue;
                    if (s.request.echo()) s.echo();
                }
                if (sample(s, forwards[i], vocab)) {
                    decodeRows[decoding] = forwards[i];
                    decodeTokens[decoding] = s.lastToken;
                    decodeSequences[decoding++] = s;
                } else {
                    running[i] = null;
                }
            } catch (RuntimeException e) {
                s.fail(ApiException.internal("generation failed: " + e.getMessage()));
                running[i] = null;
            }
        }
        if (decoding == 0) return;
        // One pass over the weights for all of them; each row's numbers do not depend on the other rows.
        long start = System.nanoTime();
        float[] logits = host.decode(decodeRows, decodeTokens, decoding);
        for (int k = 0; k < decoding; k++) {
            decodeSequences[k].logits = logits;
            decodeSequences[k].logitsFrom = k * vocab;
            decodeSequences[k] = null;
            decodeRows[k] = null;
        }
        metrics.decodeStep(decoding, System.nanoTime() - start);
    }

    /** Feeds the next chunk of the prompt; after the last one the sequence holds the logits for its first token. */
    private void prefill(Sequence s, Forward f, int vocab) {
        int from = s.prefilled, to = Math.min(s.prompt.length, from + PREFILL_CHUNK);
        boolean last = to == s.prompt.length;
        Logprobs echo = s.echoLogprobs;
        if (echo != null) {
            if (from == 0) echo.addUnscored(s.prompt[0], 0);
            f.prompt(s.prompt, from, to, (position, logits, offset) -> {
                if (position + 1 < s.prompt.length) {
                    echo.add(s.prompt[position + 1], 0, logits, offset, vocab);
                } else {
                    s.keepLogits(logits, offset, vocab);
                }
            });
        } else if (last) {
            s.logits = f.prompt(s.prompt, from, to);
            s.logitsFrom = 0;
        } else {
            f.feed(s.prompt, from, to);
        }
        s.prefilled = to;
        metrics.prompt(to - from);
    }

    /** Samples and reports one token; returns whether the sequence goes on. */
    private boolean sample(Sequence s, Forward f, int vocab) {
        int limit = Math.min(s.request.maxTokens(), f.contextLength() - s.prompt.length);
        if (s.generated >= limit) {
            s.finish("length");
            return false;
        }
        s.biasedLogits(work, vocab);
        int id = s.sampler.sample(work);
        if (s.firstTokenNanos == 0) {
            s.firstTokenNanos = System.nanoTime();
            metrics.firstToken(s.firstTokenNanos - s.submittedNanos);
        }
        if (id == tokenizer.endOfTextId()) {
            s.finish("stop");
            return false;
        }
        metrics.generated(1);
        if (!s.emit(id)) {
            s.finish("stop");
            return false;
        }
        if (s.generated >= limit) {
            s.finish("length");
            return false;
        }
        return true;
    }

    /**
     * Stops taking requests; what was already accepted (running or queued) still finishes, for up to 30 s; whatever
     * is left then gets a 503.
     */
    @Override
    public void close() {
        synchronized (queue) {
            accepting = false;
        }
        stopping = true;
        try {
            loop.join(30_000);
            if (loop.isAlive()) {
                abandon = true;
                loop.join(5_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
