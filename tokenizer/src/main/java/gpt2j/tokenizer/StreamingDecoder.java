package gpt2j.tokenizer;

import java.util.Arrays;

/**
 * Decodes ids one at a time for streaming output. A token can end inside a UTF-8 character, so bytes that
 * could still become a valid character are held back until they complete; bytes that can no longer do so
 * come out as U+FFFD right away. The pushed strings plus {@link #flush()} always equal
 * {@link Gpt2Tokenizer#decode} of all ids. Not thread-safe (one per stream).
 */
public final class StreamingDecoder {
    private final Gpt2Tokenizer tokenizer;
    private byte[] pending = new byte[16];
    private int length;

    StreamingDecoder(Gpt2Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** Text completed by this id (possibly empty); an unknown id is skipped. */
    public String push(int id) {
        byte[] t = tokenizer.tokenBytesOf(id);
        if (t == null || t.length == 0) {
            return "";
        }
        if (length + t.length > pending.length) {
            pending = Arrays.copyOf(pending, Math.max(length + t.length, 2 * pending.length));
        }
        System.arraycopy(t, 0, pending, length, t.length);
        length += t.length;
        int ready = completeLength(pending, length);
        if (ready == 0) {
            return "";
        }
        String text = Utf8.decode(pending, 0, ready);
        System.arraycopy(pending, ready, pending, 0, length - ready);
        length -= ready;
        return text;
    }

    /** Held-back bytes (an unfinished character) as U+FFFD; the decoder is then empty. */
    public String flush() {
        String text = Utf8.decode(pending, 0, length);
        length = 0;
        return text;
    }

    /**
     * Length of the prefix of b[0, n) that can be decoded now: all of it, unless it ends with a truncated
     * but so far well-formed sequence (a lead byte within the last three bytes), which is held back.
     * Splitting before a lead byte never changes how the bytes before it decode.
     */
    static int completeLength(byte[] b, int n) {
        for (int lead = n - 1; lead >= Math.max(0, n - 3); lead--) {
            int l = b[lead] & 0xFF;
            if (l < 0x80 || l > 0xBF) {
                boolean truncated = l >= 0xC2 && l <= 0xF4 && lead - Utf8.sequenceLength(b, lead, n) == n;
                return truncated ? lead : n;
            }
        }
        return n;
    }
}
