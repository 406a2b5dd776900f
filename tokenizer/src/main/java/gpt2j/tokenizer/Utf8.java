package gpt2j.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * UTF-8 to String with one U+FFFD per maximal ill-formed subpart (Unicode 16 section 3.9, what Python's
 * errors="replace" does). Java's own decoder agrees on valid input but not always on ill-formed input
 * (encoded surrogates ED A0 80 give it one U+FFFD, Python three), so it is used only once input is valid.
 */
final class Utf8 {
    private Utf8() {}

    static String decode(byte[] b, int off, int len) {
        int bad = firstInvalid(b, off, off + len);
        if (bad == off + len) {
            return new String(b, off, len, StandardCharsets.UTF_8);
        }
        return decodeReplacing(b, off, off + len);
    }

    /** Index of the first byte that starts an ill-formed or truncated sequence, or end if all is valid. */
    static int firstInvalid(byte[] b, int i, int end) {
        while (i < end) {
            if (b[i] >= 0) {
                i++;
                continue;
            }
            int n = sequenceLength(b, i, end);
            if (n < 0) {
                return i;
            }
            i += n;
        }
        return end;
    }

    /**
     * Length of the well-formed sequence at i, or the negated length of its maximal ill-formed subpart
     * (at least one byte), per Table 3-7: the second byte's range depends on the lead, the rest are 80..BF.
     */
    static int sequenceLength(byte[] b, int i, int end) {
        int lead = b[i] & 0xFF;
        if (lead < 0x80) {
            return 1;
        }
        int need;
        int lo = 0x80;
        int hi = 0xBF;
        if (lead >= 0xC2 && lead <= 0xDF) {
            need = 2;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            need = 3;
            if (lead == 0xE0) {
                lo = 0xA0;
            } else if (lead == 0xED) {
                hi = 0x9F;
            }
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            need = 4;
            if (lead == 0xF0) {
                lo = 0x90;
            } else if (lead == 0xF4) {
                hi = 0x8F;
            }
        } else {
            return -1;
        }
        for (int k = 1; k < need; k++) {
            if (i + k >= end) {
                return -k;
            }
            int c = b[i + k] & 0xFF;
            if (c < lo || c > hi) {
                return -k;
            }
            lo = 0x80;
            hi = 0xBF;
        }
        return need;
    }

    private static String decodeReplacing(byte[] b, int i, int end) {
        StringBuilder sb = new StringBuilder(end - i);
        while (i < end) {
            int n = sequenceLength(b, i, end);
            if (n < 0) {
                sb.append('\uFFFD');
                i -= n;
            } else {
                sb.append(new String(b, i, n, StandardCharsets.UTF_8));
                i += n;
            }
        }
        return sb.toString();
    }
}
