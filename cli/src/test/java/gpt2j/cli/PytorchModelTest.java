package gpt2j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code -m DIR} with only pytorch_model.bin (tools/make_pytorch_fixtures.py), and every refusal as one line. */
class PytorchModelTest {

    static final Path PYTORCH = Fixtures.ROOT.resolve("pytorch");
    static final Path MARKER = Path.of("/tmp/gpt2j-pickle-ran-a-command"); // what the malicious fixtures would touch

    @TempDir
    Path tmp;

    @ParameterizedTest
    @CsvSource({"f32,zip-hf,pytorch-zip", "f32,legacy-openai,pytorch-legacy", "f32,zip-sharded,pytorch-zip",
            "f16,legacy,pytorch-legacy", "bf16,zip,pytorch-zip"})
    void generatesTheReferenceContinuationAndInfoNamesTheFormat(String set, String variant, String format)
            throws IOException {
        JsonNode f = Fixtures.parse(Files.readString(PYTORCH.resolve(set).resolve("fixture.json")));
        int[] prompt = Fixtures.ints(f.get("tokens"));
        int[] expected = Fixtures.ints(f.get("greedy").get("new_tokens"));
        String model = PYTORCH.resolve(set).resolve(variant).toString();
        Cli r = Cli.run("generate", "-m", model, "--prompt-ids", Fixtures.idList(prompt),
                "-n", String.valueOf(expected.length), "--temperature", "0", "--json");
        assertEquals(0, r.code(), r.err());
        assertArrayEquals(expected, Fixtures.ints(Fixtures.parse(r.out()).get("tokens")));
        Cli info = Cli.run("info", "-m", model, "--json");
        assertEquals(0, info.code(), info.err());
        assertEquals(format, Fixtures.parse(info.out()).get("format").asText());
    }

    @ParameterizedTest
    @ValueSource(strings = {"zip", "legacy"})
    void aPickleThatWouldRunACommandIsRefusedInOneLine(String container) throws IOException {
        Files.deleteIfExists(MARKER);
        Cli r = Cli.run("generate", "-m", PYTORCH.resolve("malicious").resolve(container).toString(),
                "--prompt-ids", "1,2", "--json");
        assertTrue(r.oneLineFailure().contains("refuses global posix.system"), r.err());
        assertFalse(Files.exists(MARKER), "the command ran");
    }

    @Test
    void unknownOpcode() throws IOException {
        Path dir = modelDir(new byte[] {(byte) 0x80, 2, 'i', 'o', 's', '\n'});
        assertTrue(info(dir).contains("refuses pickle opcode INST (0x69)"), dir.toString());
    }

    @Test
    void tooDeepNesting() throws IOException {
        byte[] marks = new byte[102];
        marks[0] = (byte) 0x80;
        marks[1] = 2;
        java.util.Arrays.fill(marks, 2, marks.length, (byte) '(');
        assertTrue(info(modelDir(marks)).contains("pickle nesting is deeper than 64"));
    }

    @Test
    void truncatedZipAndLegacyFiles() throws IOException {
        for (String variant : new String[] {"zip-hf", "legacy-hf"}) {
            Path dir = Files.createDirectories(tmp.resolve(variant));
            Path src = PYTORCH.resolve("f32").resolve(variant);
            Files.copy(src.resolve("config.json"), dir.resolve("config.json"));
            Files.copy(src.resolve("pytorch_model.bin"), dir.resolve("pytorch_model.bin"));
            try (FileChannel ch = FileChannel.open(dir.resolve("pytorch_model.bin"), StandardOpenOption.WRITE)) {
                ch.truncate(ch.size() - 100);
            }
            String line = info(dir);
            assertTrue(line.contains(variant.startsWith("zip") ? "no end of central directory" : "runs past the end"), line);
        }
    }

    @Test
    void badZip() throws IOException {
        assertTrue(info(modelDir(new byte[] {'P', 'K', 3, 4, 9, 9, 9, 9, 9, 9})).contains("not a valid zip file"));
    }

    private String info(Path dir) {
        return Cli.run("info", "-m", dir.toString()).oneLineFailure();
    }

    private Path modelDir(byte[] bin) throws IOException {
        Path dir = Files.createTempDirectory(tmp, "m");
        Files.copy(PYTORCH.resolve("f32/zip-hf/config.json"), dir.resolve("config.json"));
        Files.write(dir.resolve("pytorch_model.bin"), bin);
        return dir;
    }
}
