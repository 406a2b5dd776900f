package gpt2j.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import gpt2j.tokenizer.Gpt2Tokenizer;
import gpt2j.tokenizer.TokenizerException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Untrusted vocabulary files through {@link VocabularyFiles} and on into a tokenizer: vocab.json with merges.txt, and
 * tokenizer.json. Loading works or fails with a {@link WeightsException} (the files) or a {@link TokenizerException}
 * (lists that are no byte-level BPE vocabulary); a vocabulary that loads encodes and decodes text back unchanged
 * (every byte has a token, so byte-level BPE loses nothing). Anything else is a finding. The files are written to
 * tmpfs (the loaders take paths). Without JAZZER_FUZZ this replays TokenizerFilesFuzzTestInputs/.
 */
class TokenizerFilesFuzzTest {

    private static final Path DIR = tempDir();
    private static final String TEXT = "Hello, world! It's 2026: naïve café, 東京, 😀\n\tend";

    private static Path tempDir() {
        try {
            Path shm = Path.of("/dev/shm");
            Path dir = Files.isDirectory(shm) && Files.isWritable(shm)
                    ? Files.createTempDirectory(shm, "gpt2j-fuzz-tok")
                    : Files.createTempDirectory("gpt2j-fuzz-tok");
            dir.toFile().deleteOnExit();
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path write(String name, byte[] bytes) {
        try {
            Path p = Files.write(DIR.resolve(name), bytes);
            p.toFile().deleteOnExit();
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Gpt2Tokenizer tokenizer(TokenizerData data) {
        return Gpt2Tokenizer.fromTokens(data.tokens(), data.merges(), data.specials());
    }

    /** The input is vocab.json's bytes, a NUL, then merges.txt's bytes (no NUL: all vocab.json, no merges). */
    @FuzzTest(maxDuration = "10s")
    void vocabAndMerges(FuzzedDataProvider data) {
        byte[] in = data.consumeRemainingAsBytes();
        int cut = 0;
        while (cut < in.length && in[cut] != 0) cut++;
        Path vocab = write("vocab.json", java.util.Arrays.copyOfRange(in, 0, cut));
        Path merges = write("merges.txt", java.util.Arrays.copyOfRange(in, Math.min(cut + 1, in.length), in.length));
        Gpt2Tokenizer t;
        try {
            t = tokenizer(VocabularyFiles.read(vocab, merges));
        } catch (WeightsException | TokenizerException refused) {
            return; // a clear one-line refusal is the allowed outcome
        }
        assertEquals(TEXT, t.decode(t.encode(TEXT)));
    }

    /**
     * A finding kept as a test, not a corpus file: 30,000 levels of nesting overflowed the recursive parser's stack (the hand-written one Jackson replaced);
     * a 30 KB input in the corpus would also raise libFuzzer's input size limit to 30 KB for every campaign.
     */
    @Test
    void deepNestingIsRefusedNotAStackOverflow() {
        byte[] deep = "[".repeat(30_000).getBytes(StandardCharsets.US_ASCII);
        WeightsException e = assertThrows(
                WeightsException.class,
                () -> VocabularyFiles.read(write("vocab.json", deep), write("merges.txt", new byte[0])));
        assertTrue(e.getMessage().contains("nesting deeper than 64 levels"), e.getMessage());
        byte[] deepModel = ("{\"model\":" + "[".repeat(30_000)).getBytes(StandardCharsets.US_ASCII);
        e = assertThrows(
                WeightsException.class, () -> VocabularyFiles.readTokenizerJson(write("tokenizer.json", deepModel)));
        assertTrue(e.getMessage().contains("nesting deeper than 64 levels"), e.getMessage());
    }

    @FuzzTest(maxDuration = "10s")
    void tokenizerJson(FuzzedDataProvider data) {
        Path file = write("tokenizer.json", data.consumeRemainingAsBytes());
        Gpt2Tokenizer t;
        try {
            t = tokenizer(VocabularyFiles.readTokenizerJson(file));
        } catch (WeightsException | TokenizerException refused) {
            return; // a clear one-line refusal is the allowed outcome
        }
        assertEquals(TEXT, t.decode(t.encode(TEXT)));
    }
}
