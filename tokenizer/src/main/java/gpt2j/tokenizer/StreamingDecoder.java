package gpt2j.tokenizer;

import java.nio.charset.StandardCharsets;
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
        String text = new String(pending, 0, ready, StandardCharsets.UTF_8);
        System.arraycopy(pending, ready, pending, 0, length - ready);
        length -= ready;
        return text;
    }

    /** Held-back bytes (an unfinished character) as U+FFFD; the decoder is then empty. */
    public String flush() {
        String text = new String(pending, 0, length, StandardCharsets.UTF_8);
        length = 0;
        return text;
    }

    /**
     * Length of the prefix of b[0, n) that can be decoded now: all of it, unless it ends with a proper prefix
     * of a well-formed UTF-8 sequence (lead byte plus valid continuations, per Unicode Table 3-7), which is
     * then held back. Splitting at a lead byte never changes how the preceding bytes decode.
     */
    static int completeLength(byte[] b, int n) {
        int lead = n - 1;
        while (lead >= 0 && lead >= n - 3 && (b[lead] & 0xC0) == 0x80) {
            lead--;
        }
        if (lead < 0 || (b[lead] & 0xC0) == 0x80) {
            return n;
        }
        int l = b[lead] & 0xFF;
        int need = l >= 0xC2 && l <= 0xDF ? 2 : l >= 0xE0 && l <= 0xEF ? 3 : l >= 0xF0 && l <= 0xF4 ? 4 : 1;
        int have = n - lead;
        if (have >= need) {
            return n;
        }
        if (have >= 2) {
            int second = b[lead + 1] & 0xFF;
            int lo = l == 0xE0 ? 0xA0 : l == 0xF0 ? 0x90 : 0x80;
            int hi = l == 0xED ? 0x9F : l == 0xF4 ? 0x8F : 0xBF;
            if (second < lo || second > hi) {
                return n;
            }
        }
        return lead;
    }
}
