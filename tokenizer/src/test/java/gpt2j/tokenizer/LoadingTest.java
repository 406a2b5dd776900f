package gpt2j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoadingTest {
    private static final Encoding JTOKKIT =
            Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.R50K_BASE);
    private static final Path VOCAB = resource("vocab.json");
    private static final Path MERGES = resource("merges.txt");

    @TempDir
    Path dir;

    private static Path resource(String name) {
        try {
            return Path.of(Gpt2Tokenizer.class.getResource(name).toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void assertEncodesLikeJtokkit(Gpt2Tokenizer t) {
        for (String s : new Corpus(8L).strings(1_000)) {
            assertArrayEquals(
                    JTOKKIT.encodeOrdinary(s).toArray(), t.encode(s), () -> JtokkitDifferentialTest.escape(s));
        }
        assertEquals(50257, t.vocabSize());
        assertEquals(50256, t.endOfTextId());
        assertArrayEquals(new int[] {40, 50256, 64}, t.encodeWithSpecials("I<|endoftext|>a"));
    }

    @Test
    void bundledVocabularyShape() {
        Gpt2Tokenizer t = Gpt2Tokenizer.gpt2();
        assertEquals(50257, t.tokenStrings().size());
        assertEquals("!", t.tokenStrings().get(0));
        assertEquals("Ġthe", t.tokenStrings().get(262));
        assertEquals("<|endoftext|>", t.tokenStrings().get(50256));
        assertEquals(50000, t.mergeStrings().size());
        assertEquals("Ġ t", t.mergeStrings().get(0));
        assertEquals(t, Gpt2Tokenizer.gpt2(), "loaded once");
    }

    @Test
    void fromFilesMatchesJtokkit() {
        assertEncodesLikeJtokkit(Gpt2Tokenizer.fromFiles(VOCAB, MERGES));
    }

    @Test
    void fromTokensRoundTripsTheGgufLists() {
        Gpt2Tokenizer g = Gpt2Tokenizer.gpt2();
        Gpt2Tokenizer t = Gpt2Tokenizer.fromTokens(g.tokenStrings(), g.mergeStrings());
        assertEncodesLikeJtokkit(t);
        assertEquals(g.tokenStrings(), t.tokenStrings());
        assertEquals(g.mergeStrings(), t.mergeStrings());
    }

    /** A GPT-2 tokenizer.json as Hugging Face writes it, built from the OpenAI files; both merge spellings. */
    private Path tokenizerJson(boolean mergesAsArrays, String preTokenizer) throws IOException {
        String vocab = Files.readString(VOCAB);
        StringBuilder merges = new StringBuilder("[");
        for (String line : Gpt2Tokenizer.gpt2().mergeStrings()) {
            String[] ab = line.split(" ");
            merges.append(merges.length() > 1 ? "," : "")
                    .append(mergesAsArrays ? "[" + quote(ab[0]) + "," + quote(ab[1]) + "]" : quote(line));
        }
        merges.append("]");
        String json = "{\"version\":\"1.0\",\"truncation\":null,\"padding\":null,\"added_tokens\":[{\"id\":50256,"
                + "\"content\":\"<|endoftext|>\",\"single_word\":false,\"lstrip\":false,\"rstrip\":false,\"normalized\":true,"
                + "\"special\":true}],\"normalizer\":null,\"pre_tokenizer\":" + preTokenizer + ",\"post_processor\":"
                + "{\"type\":\"ByteLevel\",\"add_prefix_space\":true,\"trim_offsets\":false},\"decoder\":{\"type\":\"ByteLevel\"},"
                + "\"model\":{\"type\":\"BPE\",\"dropout\":null,\"unk_token\":null,\"continuing_subword_prefix\":\"\","
                + "\"end_of_word_suffix\":\"\",\"fuse_unk\":false,\"vocab\":" + vocab + ",\"merges\":" + merges + "}}";
        Path p = dir.resolve("tokenizer.json");
        Files.writeString(p, json);
        return p;
    }

    private static final String BYTE_LEVEL =
            "{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"trim_offsets\":true,\"use_regex\":true}";

    private static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c > 0x7E) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append('"').toString();
    }

    @Test
    void fromTokenizerJsonMatchesJtokkit() throws IOException {
        assertEncodesLikeJtokkit(Gpt2Tokenizer.fromTokenizerJson(tokenizerJson(false, BYTE_LEVEL)));
        assertEncodesLikeJtokkit(Gpt2Tokenizer.fromTokenizerJson(tokenizerJson(true, BYTE_LEVEL)));
    }

    private static void assertOneLine(TokenizerException e, String fragment) {
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        if (!e.getMessage().contains(fragment)) {
            throw new AssertionError("message '" + e.getMessage() + "' lacks '" + fragment + "'");
        }
    }

    @Test
    void loadingErrorsAreOneLine() throws IOException {
        Path missing = dir.resolve("nope.json");
        assertOneLine(
                assertThrows(TokenizerException.class, () -> Gpt2Tokenizer.fromFiles(missing, MERGES)), "no such file");
        Path bad = Files.writeString(dir.resolve("bad.json"), "{\"a\": 1,");
        assertOneLine(
                assertThrows(TokenizerException.class, () -> Gpt2Tokenizer.fromFiles(bad, MERGES)),
                "invalid JSON at character");
        assertOneLine(
                assertThrows(TokenizerException.class, () -> Gpt2Tokenizer.fromTokenizerJson(bad)), "invalid JSON");
        Path wordPiece = Files.writeString(dir.resolve("wp.json"), "{\"model\":{\"type\":\"WordPiece\",\"vocab\":{}}}");
        assertOneLine(
                assertThrows(TokenizerException.class, () -> Gpt2Tokenizer.fromTokenizerJson(wordPiece)), "only BPE");
        Path metaspace = tokenizerJson(false, "{\"type\":\"Metaspace\"}");
        assertOneLine(
                assertThrows(TokenizerException.class, () -> Gpt2Tokenizer.fromTokenizerJson(metaspace)), "ByteLevel");
        Path gap = Files.writeString(dir.resolve("gap.json"), "{\"a\": 0, \"b\": 2}");
        assertOneLine(assertThrows(TokenizerException.class, () -> Gpt2Tokenizer.fromFiles(gap, MERGES)), "contiguous");
    }

    private static List<String> byteTokens() {
        List<String> tokens = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            tokens.add(ByteLevel.byteString(b));
        }
        return tokens;
    }

    @Test
    void badMergesAndMissingBytesAreRejected() {
        List<String> tokens = byteTokens();
        assertOneLine(
                assertThrows(TokenizerException.class, () -> Gpt2Tokenizer.fromTokens(tokens, List.of("a b"))),
                "token 'ab' is not in the vocabulary");
        assertOneLine(
                assertThrows(TokenizerException.class, () -> Gpt2Tokenizer.fromTokens(tokens, List.of("ab"))),
                "not two tokens");
        assertOneLine(
                assertThrows(
                        TokenizerException.class, () -> Gpt2Tokenizer.fromTokens(tokens.subList(0, 200), List.of())),
                "no token for byte");
    }

    /**
     * A vocabulary where "abc" is a token that merging "abc" does not reach (b+c ranks before a+b):
     * encoder.py gives [a, bc]; a whole-piece lookup (tiktoken's shortcut) would wrongly give [abc].
     */
    @Test
    void mergesByRankEvenWhenThePieceIsAToken() {
        List<String> tokens = byteTokens();
        tokens.addAll(List.of("bc", "ab", "abc", "aa", "aaaa"));
        int a = 'a'; // byteTokens() gives byte b the id b
        int b = 'b';
        Gpt2Tokenizer t = Gpt2Tokenizer.fromTokens(tokens, List.of("b c", "a b", "ab c", "a a", "aa aa"));
        assertArrayEquals(new int[] {a, 256}, t.encode("abc"));
        assertArrayEquals(new int[] {257, b}, t.encode("abb"));
        // Equal ranks mean the same pair: leftmost first, as encoder.py merges every occurrence left to right.
        assertArrayEquals(new int[] {259, a}, t.encode("aaa"));
        assertArrayEquals(new int[] {260}, t.encode("aaaa"));
        assertArrayEquals(new int[] {260, 259, a}, t.encode("aaaaaaa"));
        assertEquals(-1, t.endOfTextId());
        assertArrayEquals(t.encode("<|endoftext|>"), t.encodeWithSpecials("<|endoftext|>"));
        // The same through the long-piece path (over 128 bytes).
        String longA = "a".repeat(4 * 100 + 3);
        int[] expected = new int[102];
        java.util.Arrays.fill(expected, 260);
        expected[100] = 259;
        expected[101] = a;
        assertArrayEquals(expected, t.encode(longA));
        assertArrayEquals(new int[] {a, 256, a, 256}, t.encode("abcabc"));
    }

    @Test
    void addedSpecialTokensFromTokenizerJson() throws IOException {
        StringBuilder vocab = new StringBuilder("{");
        List<String> tokens = byteTokens();
        for (int i = 0; i < tokens.size(); i++) {
            vocab.append(i > 0 ? "," : "")
                    .append(quote(tokens.get(i)))
                    .append(':')
                    .append(i);
        }
        vocab.append('}');
        String json = "{\"added_tokens\":[{\"id\":256,\"content\":\"<|endoftext|>\",\"special\":true},"
                + "{\"id\":257,\"content\":\"<pad>\",\"special\":true}],\"pre_tokenizer\":" + BYTE_LEVEL
                + ",\"model\":{\"type\":\"BPE\",\"vocab\":" + vocab + ",\"merges\":[]}}";
        Gpt2Tokenizer t =
                Gpt2Tokenizer.fromTokenizerJson(Files.writeString(dir.resolve("t.json"), json, StandardCharsets.UTF_8));
        assertEquals(258, t.vocabSize());
        assertEquals(256, t.endOfTextId());
        assertArrayEquals(new int[] {'x', 257, 256, 'y'}, t.encodeWithSpecials("x<pad><|endoftext|>y"));
        assertEquals("x<pad><|endoftext|>y", t.decode(new int[] {'x', 257, 256, 'y'}));
        assertArrayEquals(
                new int[] {257, 257, 'x', 256, 257, '<'}, t.encodeWithSpecials("<pad><pad>x<|endoftext|><pad><"));
        assertArrayEquals(new int[] {'<', 'p', 'a', 'd', '>'}, t.encode("<pad>"));
    }
}
