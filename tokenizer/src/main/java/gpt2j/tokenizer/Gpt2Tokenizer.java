package gpt2j.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * GPT-2 byte-level BPE: text to token ids and back, exactly as OpenAI's encoder.py and tiktoken's r50k_base
 * define it (pre-tokenizer pattern, byte-to-unicode table, merges by rank).
 *
 * <p>Encoding takes any Java String: a lone surrogate is encoded as the UTF-8 of U+FFFD, as tiktoken does
 * (Java's own String.getBytes, and so jtokkit, would write '?'). Decoding never throws: ids outside
 * [0, vocabSize) are skipped and bytes that are not valid UTF-8 become U+FFFD (maximal subparts, as
 * Python's errors="replace"). Instances are immutable and safe to share between threads.
 */
public final class Gpt2Tokenizer {
    public static final String END_OF_TEXT = "<|endoftext|>";

    private static final ThreadLocal<EncodeScratch> SCRATCH = ThreadLocal.withInitial(EncodeScratch::new);

    private final List<String> tokenStrings;
    private final List<String> mergeStrings;
    private final byte[][] tokenBytes;
    private final int[] byteTokens = new int[256];
    private final PairRanks pairs;
    private final TokenIndex wholePieces;
    /**
     * Per token: 0 not yet known whether merging its bytes gives the token itself, WHOLE if so, SPLIT if not. Written
     * by any encoding thread without a lock: every writer computes the same value, and a stale 0 only means merging.
     */
    private final byte[] wholeState;

    private static final byte WHOLE = 1, SPLIT = 2;
    /** Special token text -> id, tried in encodeWithSpecials only. */
    private final Map<String, Integer> specials;

    private final int endOfTextId;

    Gpt2Tokenizer(List<String> tokens, List<String> merges, Map<String, Integer> specials) {
        this.tokenStrings = List.copyOf(tokens);
        this.specials = Collections.unmodifiableMap(new LinkedHashMap<>(specials));
        int n = tokenStrings.size();
        tokenBytes = new byte[n][];
        for (int id = 0; id < n; id++) {
            String token = tokenStrings.get(id);
            byte[] bytes = ByteLevel.decodeOrNull(token);
            tokenBytes[id] = bytes != null ? bytes : token.getBytes(StandardCharsets.UTF_8);
        }
        // Tokens are found by their strings through an index of their bytes, checked against the string: a map of
        // 50,000 fresh strings (hashing each, and each merge's two halves and their concatenation) was most of a cold
        // start's tokenizer build (docs/PERFORMANCE.md). The index keeps the first id of equal bytes, and an added
        // token's bytes (its UTF-8) can equal a byte-level token's, so a lookup whose token is another string falls
        // back to a map of the strings, built only then.
        TokenIndex index = new TokenIndex(tokenBytes, n);
        for (int id = 0; id < n; id++) index.add(id);
        Lookup lookup = new Lookup(tokenStrings, index);
        for (int b = 0; b < 256; b++) {
            int id = lookup.id(ByteLevel.byteString(b));
            if (id < 0) {
                throw new TokenizerException(String.format(
                        "vocabulary has no token for byte 0x%02X ('%s'); not a byte-level BPE vocabulary",
                        b, ByteLevel.byteString(b)));
            }
            byteTokens[b] = id;
        }
        pairs = new PairRanks(merges.size());
        for (int rank = 0; rank < merges.size(); rank++) {
            String line = merges.get(rank);
            int space = line.indexOf(' ');
            if (space <= 0 || space == line.length() - 1 || line.indexOf(' ', space + 1) >= 0) {
                throw new TokenizerException(
                        "merge " + (rank + 1) + " '" + line + "' is not two tokens separated by one space");
            }
            int left = lookup.id(line, 0, space);
            int right = lookup.id(line, space + 1, line.length());
            int merged = lookup.merged(line, space);
            if (left < 0 || right < 0 || merged < 0) {
                String a = line.substring(0, space), b = line.substring(space + 1);
                String missing = left < 0 ? a : right < 0 ? b : a + b;
                throw new TokenizerException(
                        "merge " + (rank + 1) + " '" + line + "': token '" + missing + "' is not in the vocabulary");
            }
            pairs.put(left, right, rank, merged);
        }
        mergeStrings = List.copyOf(merges);
        endOfTextId = specials.getOrDefault(END_OF_TEXT, lookup.id(END_OF_TEXT));

        // A piece that equals a token is looked up directly, but only where merging its bytes really gives that token
        // (true for all of GPT-2's, not guaranteed for any vocabulary), so the shortcut is exact. Which tokens merge
        // to themselves is learned the first time each is met (encodeOrdinary): checking all 50,000 here cost every
        // cold start 15-25 ms, for the few a prompt uses. Specials and single bytes are never whole pieces.
        wholePieces = index;
        wholeState = new byte[n];
        for (int id = 0; id < n; id++) {
            if (tokenBytes[id].length < 2) wholeState[id] = SPLIT;
        }
        for (int id : specials.values()) wholeState[id] = SPLIT;
    }

    /** Token ids by string for the constructor: through the byte index, or a map where the index is ambiguous. */
    private static final class Lookup {
        private final List<String> tokens;
        private final TokenIndex index;
        private byte[] scratch = new byte[64];
        private Map<String, Integer> ids; // built on the first lookup the index cannot answer

        Lookup(List<String> tokens, TokenIndex index) {
            this.tokens = tokens;
            this.index = index;
        }

        int id(String s) {
            return id(s, 0, s.length());
        }

        /** The first id whose string is s[from, to), or -1. */
        int id(String s, int from, int to) {
            int n = bytes(s, from, to, 0);
            if (n >= 0) {
                int id = index.get(scratch, 0, n);
                if (id < 0) return -1; // no token has these bytes, so none has this string
                String t = tokens.get(id);
                if (t.length() == to - from && t.regionMatches(0, s, from, to - from)) return id;
            }
            return map().getOrDefault(s.substring(from, to), -1);
        }

        /** The first id whose string is line without the space at {@code space}, or -1. */
        int merged(String line, int space) {
            int n = bytes(line, 0, space, 0);
            if (n >= 0) n = bytes(line, space + 1, line.length(), n);
            if (n >= 0) {
                int id = index.get(scratch, 0, n);
                if (id < 0) return -1;
                String t = tokens.get(id);
                int a = space, b = line.length() - space - 1;
                if (t.length() == a + b && t.regionMatches(0, line, 0, a) && t.regionMatches(a, line, space + 1, b)) {
                    return id;
                }
            }
            return map().getOrDefault(line.substring(0, space) + line.substring(space + 1), -1);
        }

        /** Byte-level bytes of s[from, to) into scratch from {@code at}; the new length, or -1 if not byte-level. */
        private int bytes(String s, int from, int to, int at) {
            if (scratch.length < at + to - from) scratch = java.util.Arrays.copyOf(scratch, 2 * (at + to - from));
            for (int i = from; i < to; i++) {
                int b = ByteLevel.byteOf(s.charAt(i));
                if (b < 0) return -1;
                scratch[at++] = (byte) b;
            }
            return at;
        }

        private Map<String, Integer> map() {
            if (ids == null) {
                ids = HashMap.newHashMap(tokens.size());
                for (int id = 0; id < tokens.size(); id++) ids.putIfAbsent(tokens.get(id), id);
            }
            return ids;
        }
    }

    /** The bundled OpenAI GPT-2 vocabulary (50257 tokens), loaded once. */
    public static Gpt2Tokenizer gpt2() {
        return Bundled.INSTANCE;
    }

    private static final class Bundled {
        static final Gpt2Tokenizer INSTANCE = BundledVocabulary.load();
    }

    /**
     * Tokens in vocab.json form indexed by id, and merges as "a b" in rank order: what GGUF's
     * tokenizer.ggml.tokens and tokenizer.ggml.merges hold. "&lt;|endoftext|&gt;", if present, is special.
     */
    public static Gpt2Tokenizer fromTokens(List<String> tokens, List<String> merges) {
        Map<String, Integer> specials = new LinkedHashMap<>();
        int eot = tokens.indexOf(END_OF_TEXT);
        if (eot >= 0) {
            specials.put(END_OF_TEXT, eot);
        }
        return new Gpt2Tokenizer(tokens, merges, specials);
    }

    /**
     * Like {@link #fromTokens(List, List)}, with {@code specials} (token text -&gt; id, as tokenizer.json's special
     * added tokens) also encoded as their ids by {@link #encodeWithSpecials}.
     */
    public static Gpt2Tokenizer fromTokens(List<String> tokens, List<String> merges, Map<String, Integer> specials) {
        Map<String, Integer> all = new LinkedHashMap<>(specials);
        for (Map.Entry<String, Integer> e : specials.entrySet()) {
            int id = e.getValue();
            if (id < 0 || id >= tokens.size() || !tokens.get(id).equals(e.getKey())) {
                throw new TokenizerException(
                        "special token '" + e.getKey() + "' is not token " + id + " of the vocabulary");
            }
        }
        int eot = tokens.indexOf(END_OF_TEXT);
        if (eot >= 0) {
            all.putIfAbsent(END_OF_TEXT, eot);
        }
        return new Gpt2Tokenizer(tokens, merges, all);
    }

    /** Token ids of text; special-token text such as "&lt;|endoftext|&gt;" is encoded as plain text. */
    public int[] encode(String text) {
        EncodeScratch s = SCRATCH.get();
        encodeOrdinary(text, 0, text.length(), s);
        return s.takeOutput();
    }

    /** Like {@link #encode} but each special token's text becomes its id (tiktoken's allowed_special="all"). */
    public int[] encodeWithSpecials(String text) {
        EncodeScratch s = SCRATCH.get();
        String[] names = specials.keySet().toArray(new String[0]);
        int[] next = new int[names.length]; // next occurrence of each special at or after from, -1 for none
        java.util.Arrays.fill(next, -2);
        int from = 0;
        while (true) {
            int best = -1;
            for (int k = 0; k < names.length; k++) {
                if (next[k] != -1 && next[k] < from) {
                    next[k] = text.indexOf(names[k], from);
                }
                if (next[k] >= 0
                        && (best < 0
                                || next[k] < next[best]
                                || (next[k] == next[best] && names[k].length() > names[best].length()))) {
                    best = k;
                }
            }
            if (best < 0) {
                break;
            }
            encodeOrdinary(text, from, next[best], s);
            s.add(specials.get(names[best]));
            from = next[best] + names[best].length();
        }
        encodeOrdinary(text, from, text.length(), s);
        return s.takeOutput();
    }

    private void encodeOrdinary(String text, int from, int to, EncodeScratch s) {
        int i = from;
        while (i < to) {
            int end = PreTokenizer.pieceEnd(text, i, to);
            s.ensurePiece(3 * (end - i));
            byte[] bytes = s.bytes;
            int n = utf8(text, i, end, bytes);
            if (n == 1) {
                s.add(byteTokens[bytes[0] & 0xFF]);
            } else {
                int id = wholePieces.get(bytes, 0, n);
                if (id >= 0 && wholeState[id] == WHOLE) {
                    s.add(id);
                } else {
                    int[] ids = s.ids;
                    for (int k = 0; k < n; k++) {
                        ids[k] = byteTokens[bytes[k] & 0xFF];
                    }
                    int before = s.outLength;
                    BytePairMerge.merge(pairs, s, n);
                    if (id >= 0 && wholeState[id] == 0) {
                        wholeState[id] = s.outLength == before + 1 && s.out[before] == id ? WHOLE : SPLIT;
                    }
                }
            }
            i = end;
        }
    }

    /** UTF-8 of s[from, to) into out; a lone surrogate becomes U+FFFD. Returns the byte count. */
    private static int utf8(String s, int from, int to, byte[] out) {
        int n = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                out[n++] = (byte) c;
            } else if (c < 0x800) {
                out[n++] = (byte) (0xC0 | (c >> 6));
                out[n++] = (byte) (0x80 | (c & 0x3F));
            } else if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(s.charAt(i + 1))) {
                    int cp = Character.toCodePoint(c, s.charAt(++i));
                    out[n++] = (byte) (0xF0 | (cp >> 18));
                    out[n++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                    out[n++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                    out[n++] = (byte) (0x80 | (cp & 0x3F));
                } else {
                    out[n++] = (byte) 0xEF;
                    out[n++] = (byte) 0xBF;
                    out[n++] = (byte) 0xBD;
                }
            } else {
                out[n++] = (byte) (0xE0 | (c >> 12));
                out[n++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                out[n++] = (byte) (0x80 | (c & 0x3F));
            }
        }
        return n;
    }

    /** Text of ids; unknown ids are skipped and invalid UTF-8 becomes U+FFFD. Never throws. */
    public String decode(int[] ids) {
        byte[] bytes = decodeBytes(ids);
        return Utf8.decode(bytes, 0, bytes.length);
    }

    /** Raw bytes of ids (unknown ids skipped). Never throws. */
    public byte[] decodeBytes(int[] ids) {
        int total = 0;
        for (int id : ids) {
            if (id >= 0 && id < tokenBytes.length) {
                total += tokenBytes[id].length;
            }
        }
        byte[] out = new byte[total];
        int n = 0;
        for (int id : ids) {
            if (id >= 0 && id < tokenBytes.length) {
                byte[] t = tokenBytes[id];
                System.arraycopy(t, 0, out, n, t.length);
                n += t.length;
            }
        }
        return out;
    }

    /** Bytes of one token; throws IllegalArgumentException for an id outside [0, vocabSize). */
    public byte[] tokenBytes(int id) {
        return tokenBytesOf(checkId(id)).clone();
    }

    /** One token as display text: its bytes decoded alone, so a partial UTF-8 character shows as U+FFFD. */
    public String tokenText(int id) {
        byte[] bytes = tokenBytesOf(checkId(id));
        return Utf8.decode(bytes, 0, bytes.length);
    }

    private int checkId(int id) {
        if (id < 0 || id >= tokenBytes.length) {
            throw new IllegalArgumentException(
                    "token id " + id + " is outside the vocabulary [0, " + tokenBytes.length + ")");
        }
        return id;
    }

    /** Shared, not copied: callers inside the package only read it. Null for an unknown id. */
    byte[] tokenBytesOf(int id) {
        return id >= 0 && id < tokenBytes.length ? tokenBytes[id] : null;
    }

    PairRanks pairRanks() {
        return pairs;
    }

    public int vocabSize() {
        return tokenBytes.length;
    }

    /** Id of "&lt;|endoftext|&gt;", or -1 if the vocabulary has none. */
    public int endOfTextId() {
        return endOfTextId;
    }

    /** Tokens in vocab.json's byte-to-unicode form, indexed by id (for GGUF tokenizer.ggml.tokens). */
    public List<String> tokenStrings() {
        return tokenStrings;
    }

    /** Merges as "a b" in rank order (for GGUF tokenizer.ggml.merges). */
    public List<String> mergeStrings() {
        return mergeStrings;
    }

    public StreamingDecoder newStreamingDecoder() {
        return new StreamingDecoder(this);
    }
}
