package gpt2j.api;

import gpt2j.tokenizer.Gpt2Tokenizer;
import gpt2j.tokenizer.StreamingDecoder;
import java.util.List;

/**
 * Generated tokens to text as it becomes final, for callers that drive a {@link Session} themselves: whole UTF-8
 * characters only (a character split across tokens waits for its last byte), held back while it could still grow into
 * a stop string, and nothing from the first stop string on. Make one per sequence with {@link Model#textStream}.
 * Not thread-safe.
 */
public final class TextStream {

    private final StreamingDecoder decoder;
    private final StopFilter stops;

    TextStream(Gpt2Tokenizer tokenizer, List<String> stops) {
        this.decoder = tokenizer.newStreamingDecoder();
        this.stops = new StopFilter(stops);
    }

    /** The text that became final with token {@code id} (possibly empty). */
    public String push(int id) {
        return stops.accept(decoder.push(id));
    }

    /** Once generation has ended: the text still held back (the end of a character, a stop string's unfulfilled start). */
    public String finish() {
        if (stops.stopped()) return "";
        String tail = stops.accept(decoder.flush());
        return stops.stopped() ? tail : tail + stops.finish();
    }

    /** Whether a stop string was reached: the text ended before it. */
    public boolean stopped() {
        return stops.stopped();
    }
}
