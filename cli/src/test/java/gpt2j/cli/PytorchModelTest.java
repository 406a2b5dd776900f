package gpt2j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code -m DIR} with only pytorch_model.bin (tools/make_pytorch_fixtures.py), and every refusal as one line: unknown
 * opcode, unknown global (the malicious fixtures), truncated files, bad zip, a tensor outside its storage, deep nesting.
 */
class PytorchModelTest {

    static final Path PYTORCH = Fixtures.ROOT.resolve("pytorch");
    static final Path MARKER = Path.of("/tmp/gpt2j-pickle-ran-a-command"); // what the malicious fixtures would touch

    @TempDir
    Path tmp;

    @ParameterizedTest
    @CsvSource({
        "f32,zip-hf,pytorch-zip",
        "f32,legacy-openai,pytorch-legacy",
        "f32,zip-sharded,pytorch-zip",
        "f16,legacy,pytorch-legacy",
        "bf16,zip,pytorch-zip"
    })
    void generatesTheReferenceContinuationAndInfoNamesTheFormat(String set, String variant, String format)
            throws IOException {
        JsonNode f = Fixtures.parse(Files.readString(PYTORCH.resolve(set).resolve("fixture.json")));
        int[] prompt = Fixtures.ints(f.get("tokens"));
        int[] expected = Fixtures.ints(f.get("greedy").get("new_tokens"));
        String model = PYTORCH.resolve(set).resolve(variant).toString();
        Cli r = Cli.run(
                "generate",
                "-m",
                model,
                "--prompt-ids",
                Fixtures.idList(prompt),
                "-n",
                String.valueOf(expected.length),
                "--temperature",
                "0",
                "--json");
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
        Cli r = Cli.run(
                "generate",
                "-m",
                PYTORCH.resolve("malicious").resolve(container).toString(),
                "--prompt-ids",
                "1,2",
                "--json");
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
            assertTrue(
                    line.contains(variant.startsWith("zip") ? "no end of central directory" : "runs past the end"),
                    line);
        }
    }

    @Test
    void badZip() throws IOException {
        assertTrue(info(modelDir(new byte[] {'P', 'K', 3, 4, 9, 9, 9, 9, 9, 9})).contains("not a valid zip file"));
    }

    @Test
    void aTensorOutsideItsStorage() throws IOException {
        // {"w": a [2, 3] tensor over a FloatStorage of 4 elements}, in torch.save's zip container
        String pickle =
                "\u0080\u0002ccollections\nOrderedDict\n)R(" + str("w") + "ctorch._utils\n_rebuild_tensor_v2\n(("
                        + str("storage") + "ctorch\nFloatStorage\n" + str("0") + str("cpu")
                        + "K\u0004tQK\u0000K\u0002K\u0003\u0086"
                        + "K\u0003K\u0001\u0086\u0089ccollections\nOrderedDict\n)RtRu.";
        Path dir = Files.createTempDirectory(tmp, "m");
        Files.copy(PYTORCH.resolve("f32/zip-hf/config.json"), dir.resolve("config.json"));
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(dir.resolve("pytorch_model.bin")))) {
            stored(zip, "archive/data.pkl", pickle.getBytes(StandardCharsets.ISO_8859_1));
            stored(zip, "archive/data/0", new byte[16]);
        }
        String line = info(dir);
        assertTrue(line.contains("a tensor reaches element 5 of storage 0, which holds 4"), line);
    }

    private static String str(String s) {
        return "X" + (char) s.length() + "\u0000\u0000\u0000" + s;
    }

    private static void stored(ZipOutputStream zip, String name, byte[] data) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setCrc(crc.getValue());
        zip.putNextEntry(e);
        zip.write(data);
        zip.closeEntry();
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
