package gpt2j.server;

import gpt2j.api.CompletionOptions;
import gpt2j.api.Model;
import gpt2j.api.Session;
import gpt2j.api.TextStream;
import gpt2j.api.TokenSampler;
import gpt2j.api.TokenScore;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.BlockingQueue;

/**
 * One choice of a completion request on its way through the {@link Scheduler}: its prompt, its sampling state and
 * where its output goes. Touched only by the scheduler's thread, except {@link #cancel()}.
 */
final class Sequence {

    /** What a request's handler receives, in order, for each of its choices. */
    sealed interface Event permits Piece, Finished, Failed {
        int index();
    }

    /** Text that is final (never part of a stop string), with the logprobs of the tokens that produced it, or null. */
    record Piece(int index, String text, Logprobs logprobs) implements Event {}

    record Finished(int index, String reason, int promptTokens, int completionTokens) implements Event {}

    record Failed(int index, ApiException error) implements Event {}

    final int index;
    final int[] prompt;
    final CompletionRequest request;
    final long submittedNanos;
    private final Model model;
    private final BlockingQueue<Event> events;
    private final TokenSampler sampler;
    private final TextStream text;
    private final int[] counts; // times each id was generated, for the presence and frequency penalties
    private final int[] generatedIds; // distinct generated ids, so penalties touch only those
    private final Logprobs echo; // the echoed prompt's logprobs while it is read; null unless echo and logprobs
    private int distinct;
    private volatile boolean cancelled;

    Session session; // the slot's session while the sequence runs
    int prefilled; // prompt tokens already in the session
    int generated;
    int lastToken; // the token sampled last, to append next
    long firstTokenNanos; // 0 until the first token
    private int textOffset; // characters of text so far (echoed prompt included), for logprobs' text_offset

    Sequence(int index, int[] prompt, CompletionRequest request, long seed, Model model, BlockingQueue<Event> events) {
        this.index = index;
        this.prompt = prompt;
        this.request = request;
        this.model = model;
        this.events = events;
        this.sampler = model.sampler(CompletionOptions.builder()
                .temperature(request.temperature())
                .topK(request.topK())
                .topP(request.topP())
                .minP(request.minP())
                .repeatPenalty(request.repeatPenalty())
                .seed(seed)
                .build());
        sampler.accept(prompt);
        this.text = model.textStream(request.stop());
        boolean penalties = request.presencePenalty() != 0 || request.frequencyPenalty() != 0;
        this.counts = penalties ? new int[model.vocabSize()] : null;
        this.generatedIds = penalties ? new int[model.vocabSize()] : null;
        this.echo = request.echo() && request.logprobs() >= 0 ? new Logprobs(model) : null;
        this.submittedNanos = System.nanoTime();
    }

    void cancel() {
        cancelled = true;
    }

    boolean cancelled() {
        return cancelled;
    }

    boolean prefillDone() {
        return prefilled == prompt.length;
    }

    /** Whether the prompt is scored as it is read (echo with logprobs): then {@link #prefill} reads it. */
    boolean scoresPrompt() {
        return echo != null;
    }

    /** The next chunk of the prompt, for the scheduler to append; {@link #prefilled} tells this sequence it is read. */
    int[] nextChunk(int chunk) {
        return Arrays.copyOfRange(prompt, prefilled, Math.min(prompt.length, prefilled + chunk));
    }

    /** After the scheduler appended the next {@code count} prompt tokens to the session. */
    void prefilled(int count) {
        prefilled += count;
        if (prefillDone() && request.echo()) sendEcho();
    }

    /** Reads and scores the next chunk of a prompt echoed with logprobs ({@link #scoresPrompt}). */
    void prefill(int chunk) {
        int[] part = nextChunk(chunk);
        if (prefilled == 0) echo.addUnscored(prompt[0], 0);
        for (TokenScore s : session.appendScored(part, request.logprobs())) echo.add(s, 0);
        prefilled(part.length);
    }

    /** Samples the next token from the session's logits with the request's logit bias and penalties applied. */
    int sample() {
        // Without bias or penalties the sampler reads the session's logits in place: a copy of all 50,257 per token
        // and sequence was 80% of what the server allocated under 8 streaming clients (JFR).
        if (request.logitBias().isEmpty() && counts == null) return session.sample(sampler);
        float[] logits = session.logits();
        for (Map.Entry<Integer, Float> e : request.logitBias().entrySet()) logits[e.getKey()] += e.getValue();
        if (counts != null) {
            for (int i = 0; i < distinct; i++) {
                int id = generatedIds[i];
                logits[id] -= request.presencePenalty() + request.frequencyPenalty() * counts[id];
            }
        }
        return sampler.sample(logits);
    }

    /**
     * Reports generated token {@code id}; returns false when a stop string ended the text (the token's text is cut
     * there and nothing after it is sent).
     */
    boolean emit(int id) {
        generated++;
        lastToken = id;
        sampler.accept(id);
        if (counts != null && counts[id]++ == 0) generatedIds[distinct++] = id;
        Logprobs lp = null;
        if (request.logprobs() >= 0) {
            lp = new Logprobs(model);
            lp.add(session.scoreNext(id, request.logprobs()), textOffset);
        }
        String piece = text.push(id);
        textOffset += model.tokenText(id).length();
        send(new Piece(index, piece, lp));
        return !text.stopped();
    }

    /** The held-back text once generation ends, then the end event ("stop" when a stop string ended it). */
    void finish(String reason) {
        String rest = text.finish();
        if (!rest.isEmpty()) send(new Piece(index, rest, null));
        send(new Finished(index, text.stopped() ? "stop" : reason, prompt.length, generated));
    }

    void fail(ApiException e) {
        send(new Failed(index, e));
    }

    /** The echoed prompt as one piece: its text, and when asked its logprobs (the first token has none). */
    private void sendEcho() {
        // text_offset counts each token's display text, the same measure used for generated tokens
        int offset = 0;
        for (int t = 0; t < prompt.length; t++) {
            if (echo != null) echo.textOffset.set(t, offset);
            offset += model.tokenText(prompt[t]).length();
        }
        textOffset = offset;
        send(new Piece(index, model.detokenize(prompt), echo));
    }

    private void send(Event e) {
        events.add(e); // unbounded: the scheduler never blocks on a slow client
    }
}
