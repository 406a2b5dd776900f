package gpt2j.server;

import gpt2j.api.Model;
import gpt2j.api.Session;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Continuous batching: up to {@code slots} sequences run at once, each in its own {@link Session} (its own KV cache);
 * requests wait in a bounded queue and join the running batch between decode steps, and leave it as soon as they
 * finish. Each step reads one chunk of at most {@link #PREFILL_CHUNK} prompt tokens for each sequence still reading
 * its prompt (so a long new prompt delays the others by one chunk per step, never by its whole length; short chunks of
 * several new requests share one pass), then gives every generating sequence its next token in one pass over the
 * weights ({@link Model#appendEach}). A sequence's results depend only on its own request: its prompt is always cut
 * into the same chunks, and appendEach gives each session what that session alone would compute. One thread runs the
 * loop; everything else talks to it through the queue.
 */
final class Scheduler implements AutoCloseable {

    static final int PREFILL_CHUNK = 64;

    private final Model model;
    private final Session[] sessions;
    private final Sequence[] running;
    private final ArrayBlockingQueue<Sequence> queue;
    private final Metrics metrics;
    private final Session[] stepSessions;
    private final int[] stepTokens;
    private final int[][] stepChunks;
    private final Sequence[] stepSequences;
    private final int[] stepPositions;
    private final Thread loop;
    private volatile boolean accepting = true;
    private volatile boolean stopping;
    private volatile boolean abandon;

    Scheduler(Model model, int slots, int contextLength, int queueCapacity, Metrics metrics) {
        this.model = model;
        this.metrics = metrics;
        this.sessions = new Session[slots];
        for (int i = 0; i < slots; i++) sessions[i] = model.newSession(contextLength);
        this.running = new Sequence[slots];
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
        this.stepSessions = new Session[slots];
        this.stepTokens = new int[slots];
        this.stepChunks = new int[slots][];
        this.stepSequences = new Sequence[slots];
        this.stepPositions = new int[slots];
        this.loop = Thread.ofPlatform().name("gpt2j-scheduler").daemon().start(this::run);
    }

    int contextLength() {
        return sessions[0].capacity();
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
                sessions[i].reset();
                s.session = sessions[i];
                running[i] = s;
                return;
            }
        }
        throw new IllegalStateException("no free slot");
    }

    /**
     * One step: a prompt chunk for each sequence still reading, then one token for each generating sequence. The
     * chunks go through one {@link Model#appendEach}, where new requests' short prompts share a pass over the weights
     * (a pass per prompt made the last of several requests that arrived together wait for all the others' passes), so
     * a sequence that finishes its prompt gets its first token in this step's decode pass. A prompt scored as it is
     * read (echo with logprobs) is read on its own.
     */
    private void step() {
        int prompts = 0;
        for (int i = 0; i < running.length; i++) {
            Sequence s = running[i];
            if (s == null || s.prefillDone()) continue;
            if (s.cancelled()) {
                running[i] = null;
                continue;
            }
            try {
                if (s.scoresPrompt()) {
                    int before = s.prefilled;
                    s.prefill(PREFILL_CHUNK);
                    metrics.prompt(s.prefilled - before);
                } else {
                    stepSequences[prompts] = s;
                    stepSessions[prompts] = s.session;
                    stepChunks[prompts++] = s.nextChunk(PREFILL_CHUNK);
                }
            } catch (RuntimeException e) {
                s.fail(ApiException.internal("generation failed: " + e.getMessage()));
                running[i] = null;
            }
        }
        if (prompts > 0) prefill(prompts);
        int decoding = 0;
        for (int i = 0; i < running.length; i++) {
            Sequence s = running[i];
            if (s == null || !s.prefillDone()) continue;
            if (s.cancelled()) {
                running[i] = null;
                continue;
            }
            try {
                if (sample(s)) {
                    stepSessions[decoding] = s.session;
                    stepTokens[decoding++] = s.lastToken;
                } else {
                    running[i] = null;
                }
            } catch (RuntimeException e) {
                s.fail(ApiException.internal("generation failed: " + e.getMessage()));
                running[i] = null;
            }
        }
        if (decoding == 0) return;
        long start = System.nanoTime();
        model.appendEach(stepSessions, stepTokens, decoding);
        metrics.decodeStep(decoding, System.nanoTime() - start);
    }

    /** The step's prompt chunks in one appendEach; when that fails, each again alone, so that only a bad one fails. */
    private void prefill(int prompts) {
        for (int r = 0; r < prompts; r++) stepPositions[r] = stepSessions[r].position();
        try {
            model.appendEach(stepSessions, stepChunks, prompts);
        } catch (RuntimeException e) {
            for (int r = 0; r < prompts; r++) {
                if (stepSessions[r].position() != stepPositions[r]) continue; // read before the failure
                try {
                    model.appendEach(new Session[] {stepSessions[r]}, new int[][] {stepChunks[r]}, 1);
                } catch (RuntimeException alone) {
                    Sequence s = stepSequences[r];
                    s.fail(ApiException.internal("generation failed: " + alone.getMessage()));
                    for (int i = 0; i < running.length; i++) if (running[i] == s) running[i] = null;
                    stepSequences[r] = null;
                }
            }
        }
        for (int r = 0; r < prompts; r++) {
            Sequence s = stepSequences[r];
            if (s != null) {
                s.prefilled(stepChunks[r].length);
                metrics.prompt(stepChunks[r].length);
            }
            stepSequences[r] = null;
            stepChunks[r] = null;
        }
    }

    /** Samples and reports one token; returns whether the sequence goes on. */
    private boolean sample(Sequence s) {
        int limit = Math.min(s.request.maxTokens(), s.session.capacity() - s.prompt.length);
        if (s.generated >= limit) {
            s.finish("length");
            return false;
        }
        int id = s.sample();
        if (s.firstTokenNanos == 0) {
            s.firstTokenNanos = System.nanoTime();
            metrics.firstToken(s.firstTokenNanos - s.submittedNanos);
        }
        if (id == model.endOfTextId()) {
            s.finish("stop");
            return false;
        }
        metrics.generated(1);
        if (!s.emit(id) || s.generated >= limit) {
            s.finish(s.generated >= limit ? "length" : "stop");
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
