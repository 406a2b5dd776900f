package gpt2j.tokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * OpenAI's GPT-2 vocabulary from its merges.txt alone: encoder.json is the 256 byte tokens in bytes_to_unicode order,
 * then the result of each merge in rank order, then "&lt;|endoftext|&gt;" (50257 tokens), so no JSON is read here.
 */
final class BundledVocabulary {
    private BundledVocabulary() {}

    static Gpt2Tokenizer load() {
        List<String> merges = new ArrayList<>(50_000);
        for (String line : resource("merges.txt").split("\r?\n")) {
            if (!line.isEmpty() && !line.startsWith("#version")) {
                merges.add(line);
            }
        }
        List<String> tokens = new ArrayList<>(256 + merges.size() + 1);
        for (int b = 0; b < 256; b++) {
            tokens.add(ByteLevel.byteString(b));
        }
        // bytes_to_unicode lists the printable bytes first, then the others as U+0100..: the order of their chars.
        tokens.sort(Comparator.comparing((String t) -> t.charAt(0)));
        for (String merge : merges) {
            tokens.add(merge.replace(" ", ""));
        }
        tokens.add(Gpt2Tokenizer.END_OF_TEXT);
        return Gpt2Tokenizer.fromTokens(tokens, merges);
    }

    private static String resource(String name) {
        try (InputStream in = Gpt2Tokenizer.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new TokenizerException(
                        "bundled resource gpt2j/tokenizer/" + name + " is missing from the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new TokenizerException("cannot read bundled gpt2j/tokenizer/" + name + ": " + e.getMessage());
        }
    }
}
