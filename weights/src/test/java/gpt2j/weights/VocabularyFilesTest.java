package gpt2j.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import gpt2j.tokenizer.Gpt2Tokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * vocab.json + merges.txt and tokenizer.json read with Jackson: OpenAI's own GPT-2 vocab.json (a test resource) must
 * give the token list the tokenizer module derives from merges.txt alone, and bad files one-line errors.
 */
class VocabularyFilesTest {
    private static final Gpt2Tokenizer GPT2 = Gpt2Tokenizer.gpt2();
    private static final String TEXT = "Hello, world! It's 2026: naïve café, 東京, 😀\n\tend<|endoftext|> again";

    @TempDir
    Path dir;

    private static Path vocab() {
        try {
            return Path.of(
                    VocabularyFilesTest.class.getResource("gpt2-vocab.json").toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private Path merges() throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add("#version: 0.2");
        lines.addAll(GPT2.mergeStrings());
        return Files.write(dir.resolve("merges.txt"), lines, StandardCharsets.UTF_8);
    }

    private static Gpt2Tokenizer tokenizer(TokenizerData data) {
        return Gpt2Tokenizer.fromTokens(data.tokens(), data.merges(), data.specials());
    }

    private static void assertLikeGpt2(TokenizerData data) {
        assertEquals(GPT2.tokenStrings(), data.tokens());
        assertEquals(GPT2.mergeStrings(), data.merges());
        Gpt2Tokenizer t = tokenizer(data);
        assertArrayEquals(GPT2.encodeWithSpecials(TEXT), t.encodeWithSpecials(TEXT));
        assertEquals(50256, t.endOfTextId());
    }

    @Test
    void openAiVocabJsonIsTheBundledVocabulary() throws IOException {
        TokenizerData data = VocabularyFiles.read(vocab(), merges());
        assertEquals(50257, data.tokens().size());
        assertEquals("Ġthe", data.tokens().get(262));
        assertLikeGpt2(data);
    }

    /** A GPT-2 tokenizer.json as Hugging Face writes it, from the OpenAI files; both merge spellings. */
    private Path tokenizerJson(boolean mergesAsArrays, String preTokenizer) throws IOException {
        String vocab = Files.readString(vocab());
        StringBuilder merges = new StringBuilder("[");
        for (String line : GPT2.mergeStrings()) {
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
        return Files.writeString(dir.resolve("tokenizer.json"), json);
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
    void tokenizerJsonIsTheBundledVocabulary() throws IOException {
        assertLikeGpt2(VocabularyFiles.readTokenizerJson(tokenizerJson(false, BYTE_LEVEL)));
        TokenizerData arrays = VocabularyFiles.readTokenizerJson(tokenizerJson(true, BYTE_LEVEL));
        assertLikeGpt2(arrays);
        assertEquals(Map.of("<|endoftext|>", 50256), arrays.specials());
    }

    private static void assertOneLine(WeightsException e, String fragment) {
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        if (!e.getMessage().contains(fragment)) {
            throw new AssertionError("message '" + e.getMessage() + "' lacks '" + fragment + "'");
        }
    }

    @Test
    void loadingErrorsAreOneLine() throws IOException {
        Path merges = merges();
        Path missing = dir.resolve("nope.json");
        assertOneLine(
                assertThrows(WeightsException.class, () -> VocabularyFiles.read(missing, merges)), "no such file");
        Path bad = Files.writeString(dir.resolve("bad.json"), "{\"a\": 1,");
        assertOneLine(
                assertThrows(WeightsException.class, () -> VocabularyFiles.read(bad, merges)),
                "invalid JSON at character");
        assertOneLine(
                assertThrows(WeightsException.class, () -> VocabularyFiles.readTokenizerJson(bad)), "invalid JSON");
        Path trailing = Files.writeString(dir.resolve("trailing.json"), "{\"a\": 0} {");
        assertOneLine(
                assertThrows(WeightsException.class, () -> VocabularyFiles.read(trailing, merges)), "invalid JSON");
        Path latin1 = Files.write(dir.resolve("latin1.json"), new byte[] {'{', '"', (byte) 0xE9, '"', ':', '0', '}'});
        assertOneLine(
                assertThrows(WeightsException.class, () -> VocabularyFiles.read(latin1, merges)), "not UTF-8 text");
        Path wordPiece = Files.writeString(dir.resolve("wp.json"), "{\"model\":{\"type\":\"WordPiece\",\"vocab\":{}}}");
        assertOneLine(
                assertThrows(WeightsException.class, () -> VocabularyFiles.readTokenizerJson(wordPiece)), "only BPE");
        Path metaspace = tokenizerJson(false, "{\"type\":\"Metaspace\"}");
        assertOneLine(
                assertThrows(WeightsException.class, () -> VocabularyFiles.readTokenizerJson(metaspace)), "ByteLevel");
        Path gap = Files.writeString(dir.resolve("gap.json"), "{\"a\": 0, \"b\": 2}");
        assertOneLine(assertThrows(WeightsException.class, () -> VocabularyFiles.read(gap, merges)), "contiguous");
        Path fraction = Files.writeString(dir.resolve("fraction.json"), "{\"a\": 0.5}");
        assertOneLine(
                assertThrows(WeightsException.class, () -> VocabularyFiles.read(fraction, merges)), "non-integer");
    }

    private static List<String> byteTokens() {
        return new ArrayList<>(GPT2.tokenStrings().subList(0, 256));
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
        TokenizerData data = VocabularyFiles.readTokenizerJson(
                Files.writeString(dir.resolve("t.json"), json, StandardCharsets.UTF_8));
        assertEquals(Map.of("<|endoftext|>", 256, "<pad>", 257), data.specials());
        Gpt2Tokenizer t = tokenizer(data);
        assertEquals(258, t.vocabSize());
        assertEquals(256, t.endOfTextId());
        int x = tokens.indexOf("x");
        int y = tokens.indexOf("y");
        int lt = tokens.indexOf("<");
        assertArrayEquals(new int[] {x, 257, 256, y}, t.encodeWithSpecials("x<pad><|endoftext|>y"));
        assertEquals("x<pad><|endoftext|>y", t.decode(new int[] {x, 257, 256, y}));
        assertArrayEquals(
                new int[] {257, 257, x, 256, 257, lt}, t.encodeWithSpecials("<pad><pad>x<|endoftext|><pad><"));
        assertEquals(5, t.encode("<pad>").length);
    }
}
