package gpt2j.server;

import gpt2j.engine.Sampler;
import gpt2j.engine.SamplerConfig;
import gpt2j.tokenizer.Gpt2Tokenizer;
import gpt2j.tokenizer.StreamingDecoder;
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
    record Piece(int index, String text, Logprobs logprobs) implements Event {
    }

    record Finished(int index, String reason, int promptTokens, int completionTokens) implements Event {
    }

    record Failed(int index, ApiException error) implements Event {
    }

    final int index;
    final int[] prompt;
    final CompletionRequest request;
    final Sampler sampler;
    final long submittedNanos;
    private final BlockingQueue<Event> events;
    private final Gpt2Tokenizer tokenizer;
    private final StreamingDecoder decoder;
    private final StopFilter stops;
    private final int[] counts;       // times each id was generated, for the presence and frequency penalties
    private final int[] generatedIds; // distinct generated ids, so penalties touch only those
    private int distinct;
    private volatile boolean cancelled;

    int prefilled;        // prompt tokens already in the KV cache
    int generated;
    int textOffset;       // characters of text so far (echoed prompt included), for logprobs' text_offset
    float[] logits;       // the model's prediction for the next token, valid until the next pass of this sequence
    int logitsFrom;
    long firstTokenNanos; // 0 until the first token
    int lastToken;        // the token sampled last, to feed to the model next
    final Logprobs echoLogprobs; // the echoed prompt's logprobs while it is read; null unless echo and logprobs
    private float[] ownLogits;

    Sequence(int index, int[] prompt, CompletionRequest request, long seed, Gpt2Tokenizer tokenizer, int vocab,
             BlockingQueue<Event> events) {
        this.index = index;
        this.prompt = prompt;
        this.request = request;
        this.tokenizer = tokenizer;
        this.events = events;
        this.sampler = new Sampler(new SamplerConfig(request.temperature(), request.topK(), request.topP(),
                request.minP(), request.repeatPenalty(), seed), vocab);
        for (int t : prompt) sampler.accept(t);
        this.decoder = tokenizer.newStreamingDecoder();
        this.stops = new StopFilter(request.stop());
        boolean penalties = request.presencePenalty() != 0 || request.frequencyPenalty() != 0;
        this.counts = penalties ? new int[vocab] : null;
        this.generatedIds = penalties ? new int[vocab] : null;
        this.echoLogprobs = request.echo() && request.logprobs() >= 0 ? new Logprobs(tokenizer, request.logprobs()) : null;
        this.submittedNanos = System.nanoTime();
    }

    /** Keeps a copy of logits that are only valid during a callback. */
    void keepLogits(float[] scratch, int offset, int vocab) {
        if (ownLogits == null) ownLogits = new float[vocab];
        System.arraycopy(scratch, offset, ownLogits, 0, vocab);
        logits = ownLogits;
        logitsFrom = 0;
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

    /** Copies the logits into {@code work} with the request's logit bias and presence/frequency penalties applied. */
    void biasedLogits(float[] work, int vocab) {
        System.arraycopy(logits, logitsFrom, work, 0, vocab);
        for (Map.Entry<Integer, Float> e : request.logitBias().entrySet()) work[e.getKey()] += e.getValue();
        if (counts != null) {
            for (int i = 0; i < distinct; i++) {
                int id = generatedIds[i];
                work[id] -= request.presencePenalty() + request.frequencyPenalty() * counts[id];
            }
        }
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
            lp = new Logprobs(tokenizer, request.logprobs());
            lp.add(id, textOffset, logits, logitsFrom, tokenizer.vocabSize());
        }
        String text = stops.accept(decoder.push(id));
        textOffset += tokenizer.tokenText(id).length();
        send(new Piece(index, text, lp));
        return !stops.stopped();
    }

    /** The held-back text once generation ends without a stop string, then the end event. */
    void finish(String reason) {
        if (!stops.stopped()) {
            String rest = stops.accept(decoder.flush());
            if (!stops.stopped()) rest += stops.finish();
            if (!rest.isEmpty()) send(new Piece(index, rest, null));
        }
        send(new Finished(index, stops.stopped() ? "stop" : reason, prompt.length, generated));
    }

    void fail(ApiException e) {
        send(new Failed(index, e));
    }

    /** The echoed prompt as one piece: its text, and when asked its logprobs (the first token has none). */
    void echo() {
        Logprobs lp = echoLogprobs;
        String text = tokenizer.decode(prompt);
        textOffset = 0;
        if (lp != null) {
            // text_offset counts each token's display text, the same measure used for generated tokens
            int offset = 0;
            for (int i = 0; i < lp.textOffset.size(); i++) {
                lp.textOffset.set(i, offset);
                offset += lp.tokens.get(i).asText().length();
            }
            textOffset = offset;
        } else {
            for (int t : prompt) textOffset += tokenizer.tokenText(t).length();
        }
        send(new Piece(index, text, lp));
    }

    private void send(Event e) {
        events.add(e); // unbounded: the scheduler never blocks on a slow client
    }
}
