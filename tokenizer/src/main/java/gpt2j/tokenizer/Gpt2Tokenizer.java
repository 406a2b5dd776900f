package gpt2j.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
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
        int n = tokens.size();
        tokenBytes = new byte[n][];
        Map<String, Integer> ids = HashMap.newHashMap(n);
        for (int id = 0; id < n; id++) {
            String token = tokens.get(id);
            byte[] bytes = ByteLevel.decodeOrNull(token);
            tokenBytes[id] = bytes != null ? bytes : token.getBytes(StandardCharsets.UTF_8);
            ids.putIfAbsent(token, id);
        }
        for (int b = 0; b < 256; b++) {
            Integer id = ids.get(ByteLevel.byteString(b));
            if (id == null) {
                throw new TokenizerException(String.format(
                        "vocabulary has no token for byte 0x%02X ('%s'); not a byte-level BPE vocabulary",
                        b, ByteLevel.byteString(b)));
            }
            byteTokens[b] = id;
        }
        pairs = new PairRanks(merges.size());
        List<String> normalized = new ArrayList<>(merges.size());
        for (int rank = 0; rank < merges.size(); rank++) {
            String line = merges.get(rank);
            int space = line.indexOf(' ');
            if (space <= 0 || space == line.length() - 1 || line.indexOf(' ', space + 1) >= 0) {
                throw new TokenizerException(
                        "merge " + (rank + 1) + " '" + line + "' is not two tokens separated by one space");
            }
            String a = line.substring(0, space);
            String b = line.substring(space + 1);
            Integer left = ids.get(a);
            Integer right = ids.get(b);
            Integer merged = ids.get(a + b);
            if (left == null || right == null || merged == null) {
                String missing = left == null ? a : right == null ? b : a + b;
                throw new TokenizerException(
                        "merge " + (rank + 1) + " '" + line + "': token '" + missing + "' is not in the vocabulary");
            }
            pairs.put(left, right, rank, merged);
            normalized.add(line);
        }
        mergeStrings = List.copyOf(normalized);
        endOfTextId = specials.getOrDefault(END_OF_TEXT, ids.getOrDefault(END_OF_TEXT, -1));

        // A piece that equals a token is looked up directly, but only where merging its bytes really gives that token
        // (true for all of GPT-2's, not guaranteed for any vocabulary), so the shortcut is exact. Which tokens merge
        // to themselves is learned the first time each is met (encodeOrdinary): checking all 50,000 here cost every
        // cold start 15-25 ms, for the few a prompt uses.
        wholePieces = new TokenIndex(tokenBytes, n);
        wholeState = new byte[n];
        for (int id = 0; id < n; id++) {
            if (tokenBytes[id].length >= 2 && !specials.containsValue(id)) {
                wholePieces.add(id);
            }
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
