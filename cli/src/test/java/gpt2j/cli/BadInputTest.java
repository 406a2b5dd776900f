package gpt2j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every bad input: one line on stderr starting with "gpt2j: ", a non-zero exit, no stack trace. */
class BadInputTest {

    @TempDir
    Path tmp;

    private static final String MODEL = Fixtures.model("f32-openai").toString(); // n_positions 32, vocab 96

    @Test
    void missingModelDirectory() {
        Cli r = Cli.run("info", "-m", tmp.resolve("nope").toString());
        assertTrue(r.oneLineFailure().contains("nope"), r.err());
    }

    @Test
    void directoryWithoutConfig() {
        Cli r = Cli.run("info", "-m", tmp.toString());
        assertTrue(r.oneLineFailure().contains("config.json"), r.err());
    }

    @Test
    void truncatedSafetensors() throws IOException {
        Path dir = copyModel("f32-openai");
        try (FileChannel ch = FileChannel.open(dir.resolve("model.safetensors"), StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 100);
        }
        Cli r = Cli.run("generate", "-m", dir.toString(), "--prompt-ids", "1,2", "--json");
        r.oneLineFailure();
    }

    @Test
    void garbageSafetensorsHeader() throws IOException {
        Path dir = copyModel("f32-openai");
        Files.write(dir.resolve("model.safetensors"), new byte[] {(byte) 0xff, 1, 2, 3, 4, 5, 6, 7, 8, 9});
        Cli.run("info", "-m", dir.toString()).oneLineFailure();
    }

    @Test
    void malformedGguf() throws IOException {
        Path gguf = tmp.resolve("bad.gguf");
        Files.write(gguf, "GGUF but not really".getBytes());
        Cli.run("info", "-m", gguf.toString()).oneLineFailure();
        Files.write(gguf, new byte[0]);
        Cli.run("generate", "-m", gguf.toString(), "--prompt-ids", "1", "--json")
                .oneLineFailure();
    }

    @Test
    void missingDefaultModel() {
        String old = System.getProperty(ModelOption.DEFAULT_MODEL_PROPERTY);
        System.setProperty(
                ModelOption.DEFAULT_MODEL_PROPERTY, tmp.resolve("default.gguf").toString());
        try {
            Cli r = Cli.run("info");
            assertEquals(
                    "gpt2j: no model given and the default model is missing: " + tmp.resolve("default.gguf"),
                    r.oneLineFailure());
        } finally {
            if (old == null) System.clearProperty(ModelOption.DEFAULT_MODEL_PROPERTY);
            else System.setProperty(ModelOption.DEFAULT_MODEL_PROPERTY, old);
        }
    }

    @Test
    void badTypeIsAUsageError() {
        Cli r = Cli.run("generate", "-m", MODEL, "--type", "q5_k", "--prompt-ids", "1");
        assertEquals(2, r.code());
        assertTrue(r.failureLine().contains("q5_k"), r.err());
    }

    @Test
    void negativeTemperatureIsAUsageError() {
        Cli r = Cli.run("generate", "-m", MODEL, "--temperature", "-1", "--prompt-ids", "1");
        assertEquals(2, r.code());
        assertTrue(r.failureLine().contains("temperature"), r.err());
    }

    @Test
    void badNumbersAreUsageErrors() {
        assertEquals(2, Cli.run("generate", "-m", MODEL, "-n", "many").code());
        assertEquals(
                2,
                Cli.run("generate", "-m", MODEL, "-t", "0", "--prompt-ids", "1").code());
        assertEquals(
                2,
                Cli.run("generate", "-m", MODEL, "--top-p", "1.5", "--prompt-ids", "1")
                        .code());
        assertEquals(
                2,
                Cli.run("generate", "-m", MODEL, "--stop", "", "--prompt-ids", "1")
                        .code());
        assertEquals(2, Cli.run("perplexity", "-m", MODEL).code()); // neither -f nor --ids-file
    }

    @Test
    void promptLongerThanTheContext() {
        String ids = Fixtures.idList(new int[40]); // context is 32
        Cli r = Cli.run("generate", "-m", MODEL, "--prompt-ids", ids, "--json");
        assertTrue(r.oneLineFailure().contains("context"), r.err());
    }

    @Test
    void textPromptLongerThanTheContextPrintsNothing() {
        Cli r = Cli.run("generate", "-m", "model/default.gguf", "-p", "word ".repeat(300), "-n", "1");
        assertTrue(r.oneLineFailure().contains("context holds only 256"), r.err());
        assertEquals("", r.out());
    }

    @Test
    void promptIdOutsideTheVocabulary() {
        Cli r = Cli.run("generate", "-m", MODEL, "--prompt-ids", "1,96", "--json");
        assertTrue(r.oneLineFailure().contains("96"), r.err());
    }

    @Test
    void unknownTokenIdsInDetokenize() {
        assertTrue(Cli.run("detokenize", "50257").oneLineFailure().contains("50257"));
        assertTrue(Cli.run("detokenize", "12", "x1").oneLineFailure().contains("x1"));
        assertTrue(Cli.run("detokenize", "-5").failureLine().startsWith("gpt2j: "));
        assertTrue(Cli.runWithInput("[1, 2".getBytes(), "detokenize")
                .oneLineFailure()
                .contains("array"));
    }

    @Test
    void perplexityFileProblems() throws IOException {
        Cli.run(
                        "perplexity",
                        "-m",
                        MODEL,
                        "--ids-file",
                        tmp.resolve("missing.txt").toString())
                .oneLineFailure();
        Path one = tmp.resolve("one.txt");
        Files.writeString(one, "5");
        assertTrue(Cli.run("perplexity", "-m", MODEL, "--ids-file", one.toString())
                .oneLineFailure()
                .contains("2 tokens"));
        assertTrue(Cli.run("perplexity", "-m", MODEL, "--ids-file", one.toString(), "--context", "64")
                .oneLineFailure()
                .contains("context"));
    }

    @Test
    void invalidUtf8OnStdin() {
        Cli r = Cli.runWithInput(new byte[] {'a', (byte) 0xc3}, "tokenize");
        assertTrue(r.oneLineFailure().contains("UTF-8"), r.err());
    }

    private Path copyModel(String fixture) throws IOException {
        Path dst = tmp.resolve(fixture);
        Files.createDirectories(dst);
        try (Stream<Path> files = Files.list(Fixtures.model(fixture))) {
            for (Path p : files.sorted(Comparator.naturalOrder()).toList()) {
                Files.copy(p, dst.resolve(p.getFileName()));
            }
        }
        return dst;
    }
}
