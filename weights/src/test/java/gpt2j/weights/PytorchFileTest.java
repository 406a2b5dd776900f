package gpt2j.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gpt2j.weights.TorchFiles.Pickle;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * pytorch_model.bin files written by torch.save (tools/make_pytorch_fixtures.py) read tensor for tensor equal to the
 * safetensors copy of the same weights; hand-made bad files are refused with a line naming what is wrong.
 */
class PytorchFileTest {

    static final Path FIXTURES = Path.of("../engine/src/test/resources/fixtures/pytorch");
    static final Path MARKER = Path.of("/tmp/gpt2j-pickle-ran-a-command"); // what the malicious fixtures would touch
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @TempDir
    Path tmp;

    @ParameterizedTest
    @CsvSource({
        "f32,zip-hf,ZIP",
        "f32,legacy-hf,LEGACY",
        "f32,zip-openai,ZIP",
        "f32,legacy-openai,LEGACY",
        "f16,zip,ZIP",
        "f16,legacy,LEGACY",
        "bf16,zip,ZIP",
        "bf16,legacy,LEGACY"
    })
    void everyTensorEqualsTheSafetensorsCopy(String set, String variant, PytorchFile.Container container) {
        try (PytorchFile bin =
                        PytorchFile.open(FIXTURES.resolve(set).resolve(variant).resolve("pytorch_model.bin"));
                SafetensorsFile st =
                        SafetensorsFile.open(FIXTURES.resolve(set).resolve("safetensors/model.safetensors"))) {
            assertEquals(container, bin.container());
            String prefix = variant.endsWith("openai") ? "" : "transformer.";
            int compared = 0;
            for (String name : bin.names()) {
                if (name.endsWith(".attn.bias") || name.endsWith(".attn.masked_bias")) continue;
                String stName = name.equals("lm_head.weight")
                        ? "transformer.wte.weight"
                        : "transformer." + name.substring(prefix.length());
                Tensor a = bin.tensor(name), b = st.tensor(stName);
                assertEquals(b.type(), a.type(), name);
                assertArrayEquals(b.shape(), a.shape(), name);
                assertArrayEquals(
                        b.data().toArray(ValueLayout.JAVA_BYTE), a.data().toArray(ValueLayout.JAVA_BYTE), name);
                compared++;
            }
            assertEquals(st.names().size() + (bin.names().contains("lm_head.weight") ? 1 : 0), compared);
        }
    }

    @Test
    void contiguousTensorsAreViewsOfTheFileAndStridedOnesAreCopied() {
        try (PytorchFile bin = PytorchFile.open(FIXTURES.resolve("f32/zip-hf/pytorch_model.bin"))) {
            Tensor wte = bin.tensor("transformer.wte.weight"), head = bin.tensor("lm_head.weight");
            assertTrue(wte.data().isMapped(), "stored zip entries are mapped in place");
            assertEquals(wte.data().address(), head.data().address(), "lm_head is a view of wte's storage");
            // ln_1.bias sits 8 floats into the storage it shares with ln_1.weight
            assertEquals(
                    bin.tensor("transformer.h.0.ln_1.weight").data().address() + 8 * 4,
                    bin.tensor("transformer.h.0.ln_1.bias").data().address());
            assertFalse(bin.tensor("transformer.h.0.attn.c_attn.weight").data().isMapped(), "transposed view: a copy");
            assertFalse(bin.tensor("transformer.h.1.mlp.c_proj.weight").data().isMapped(), "every other row: a copy");
            assertNull(bin.tensor("no.such.tensor"));
        }
    }

    @Test
    void masksAreDeclaredButNotReadAsWeights() {
        try (PytorchFile bin = PytorchFile.open(FIXTURES.resolve("f32/legacy-openai/pytorch_model.bin"))) {
            assertTrue(bin.names().contains("h.0.attn.bias"));
            WeightsException e = assertThrows(WeightsException.class, () -> bin.tensor("h.0.attn.bias"));
            assertTrue(e.getMessage().contains("torch.BoolStorage"), e.getMessage());
        }
    }

    @ParameterizedTest
    @CsvSource({
        "f32,zip-hf,pytorch-zip",
        "f32,legacy-openai,pytorch-legacy",
        "f32,zip-sharded,pytorch-zip",
        "bf16,legacy,pytorch-legacy"
    })
    void aDirectoryWithOnlyPytorchModelBinLoads(String set, String variant, String format) {
        Path dir = FIXTURES.resolve(set).resolve(variant);
        try (LoadedCheckpoint bin = Gpt2Checkpoint.open(dir);
                LoadedCheckpoint st = Gpt2Checkpoint.open(FIXTURES.resolve(set).resolve("safetensors"))) {
            assertEquals(format, bin.format());
            assertEquals(st.weights().config(), bin.weights().config());
            assertEquals(variant.equals("zip-sharded") ? 2 : 1, bin.files().size());
            Gpt2Weights a = bin.weights(), b = st.weights();
            assertSameValues(b.tokenEmbedding(), a.tokenEmbedding());
            assertSameValues(b.head().tensor(), a.head().tensor());
            for (int i = 0; i < a.layers().size(); i++) {
                Gpt2Weights.Layer x = a.layers().get(i), y = b.layers().get(i);
                assertSameValues(y.qkv().tensor(), x.qkv().tensor());
                assertSameValues(y.mlpDown().tensor(), x.mlpDown().tensor());
                assertSameValues(y.attnNormBias(), x.attnNormBias());
            }
        }
    }

    @Test
    void safetensorsWinsOverPytorchModelBin() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("both"));
        Path src = FIXTURES.resolve("f32/safetensors");
        Files.copy(src.resolve("config.json"), dir.resolve("config.json"));
        Files.copy(src.resolve("model.safetensors"), dir.resolve("model.safetensors"));
        Files.write(dir.resolve("pytorch_model.bin"), new byte[] {1, 2, 3}); // never opened
        try (LoadedCheckpoint c = Gpt2Checkpoint.open(dir)) {
            assertEquals("safetensors", c.format());
        }
        Files.delete(dir.resolve("model.safetensors"));
        assertRefused(dir, "not a PyTorch checkpoint");
    }

    @ParameterizedTest
    @ValueSource(strings = {"zip", "legacy"})
    void aPickleThatWouldRunACommandIsRefusedAndNothingRuns(String container) throws IOException {
        Files.deleteIfExists(MARKER);
        Path dir = FIXTURES.resolve("malicious").resolve(container);
        WeightsException e = assertThrows(
                WeightsException.class, () -> Gpt2Checkpoint.open(dir).close());
        assertTrue(e.getMessage().contains("refuses global posix.system"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        assertFalse(Files.exists(MARKER), "the command ran");
    }

    @Test
    void unknownOpcodeIsNamed() throws IOException {
        byte[] pickle = new Pickle().proto().op('i').bytes(); // INST: builds any class by name
        assertRefused(zip(pickle, Map.of()), "refuses pickle opcode INST (0x69) at byte 2");
        assertRefused(
                zip(new Pickle().proto().op(0xff).bytes(), Map.of()),
                "refuses pickle opcode 0xff (not a pickle opcode)");
    }

    @Test
    void unknownGlobalsAreNamed() throws IOException {
        assertRefused(
                zip(new Pickle().proto().global("builtins", "eval").bytes(), Map.of()), "refuses global builtins.eval");
        byte[] stackGlobal =
                new Pickle().proto().str("subprocess").str("Popen").op(0x93).bytes();
        assertRefused(zip(stackGlobal, Map.of()), "refuses global subprocess.Popen");
        // a storage type torch does not have is a global like any other
        assertRefused(zip(new Pickle().proto().global("torch", "load").bytes(), Map.of()), "refuses global torch.load");
    }

    @Test
    void aTensorOutsideItsStorageIsRefused() throws IOException {
        byte[] data = TorchFiles.floats(1, 2, 3, 4, 5, 6);
        byte[] good = TorchFiles.stateDict("w", 6, 0, new int[] {2, 3}, new int[] {3, 1});
        try (PytorchFile f = PytorchFile.open(zip(good, Map.of("0", data)))) {
            Tensor t = f.tensor("w");
            assertEquals(6f, t.data().get(F32, 20));
        }
        byte[] past = TorchFiles.stateDict("w", 6, 1, new int[] {2, 3}, new int[] {3, 1});
        assertRefused(zip(past, Map.of("0", data)), "a tensor reaches element 6 of storage 0, which holds 6");
        byte[] strided = TorchFiles.stateDict("w", 6, 0, new int[] {3, 3}, new int[] {1, 2});
        assertRefused(zip(strided, Map.of("0", data)), "a tensor reaches element 6 of storage 0, which holds 6");
        byte[] bigStorage = TorchFiles.stateDict("w", 1 << 30, 0, new int[] {2, 3}, new int[] {3, 1});
        assertRefused(
                zip(bigStorage, Map.of("0", data)),
                "storage 0 holds 24 bytes, not 1073741824 x 4 (torch.FloatStorage)");
        assertRefused(zip(good, Map.of("1", data)), "storage 0 has no entry archive/data/0");
        Path legacy = tmp.resolve("legacy.bin");
        TorchFiles.writeLegacy(legacy, past, "0", new float[6]);
        assertRefused(legacy, "a tensor reaches element 6 of storage 0");
    }

    @Test
    void stridedCopyFollowsTheStrides() throws IOException {
        byte[] data = TorchFiles.floats(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
        // a [3, 2] view at offset 1 with strides (4, 2): rows start at 1, 5, 9; columns step by 2
        byte[] pickle = TorchFiles.stateDict("w", 12, 1, new int[] {3, 2}, new int[] {4, 2});
        Path legacy = tmp.resolve("l.bin");
        TorchFiles.writeLegacy(legacy, pickle, "0", new float[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
        for (Path p : new Path[] {zip(pickle, Map.of("0", data)), legacy}) {
            try (PytorchFile f = PytorchFile.open(p)) {
                float[] got = f.tensor("w").data().toArray(F32);
                assertArrayEquals(new float[] {1, 3, 5, 7, 9, 11}, got, Arrays.toString(got));
            }
        }
    }

    @Test
    void tooDeepNestingIsRefused() throws IOException {
        Pickle marks = new Pickle().proto();
        for (int i = 0; i < 100; i++) marks.mark();
        assertRefused(zip(marks.bytes(), Map.of()), "pickle nesting is deeper than 64");
        Pickle tuples = new Pickle().proto().op(')');
        for (int i = 0; i < 100; i++) tuples.op(0x85); // TUPLE1 of TUPLE1 of ...
        assertRefused(zip(tuples.bytes(), Map.of()), "pickle nesting is deeper than 64");
    }

    @Test
    void truncatedFilesAreRefused() throws IOException {
        Path zip = copy("f32/zip-hf/pytorch_model.bin");
        truncate(zip, 30);
        assertRefused(zip, "not a valid zip file: no end of central directory");
        Path legacy = copy("f32/legacy-hf/pytorch_model.bin");
        truncate(legacy, 30);
        assertRefused(legacy, "runs past the end of the file (truncated?)");
        byte[] cut = Arrays.copyOf(TorchFiles.stateDict("w", 6, 0, new int[] {6}, new int[] {1}), 40);
        assertRefused(zip(cut, Map.of()), "pickle is truncated at byte 40");
    }

    @Test
    void badZipsAreRefused() throws IOException {
        Path p = tmp.resolve("bad.bin");
        Files.write(p, new byte[] {'P', 'K', 3, 4, 0, 0, 0, 0});
        assertRefused(p, "not a valid zip file");
        // a valid zip that torch did not write
        TorchFiles.writeZip(p, new byte[] {'.'}, Map.of());
        byte[] bytes = Files.readAllBytes(p);
        String text = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1)
                .replace("archive/data.pkl", "archive/data.pkX");
        Files.write(p, text.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        assertRefused(p, "zip file without <archive>/data.pkl");
        // central directory pointing past the file
        TorchFiles.writeZip(p, new byte[] {'.'}, Map.of());
        bytes = Files.readAllBytes(p);
        int eocd = bytes.length - 22;
        bytes[eocd + 16] = (byte) 0xf0;
        bytes[eocd + 17] = (byte) 0xff;
        Files.write(p, bytes);
        assertRefused(p, "central directory");
        Files.write(p, "neither zip nor pickle".getBytes());
        assertRefused(p, "not a PyTorch checkpoint");
    }

    @Test
    void aStateDictHoldsOnlyTensors() throws IOException {
        byte[] pickle = new Pickle()
                .proto()
                .op('}')
                .str("epoch")
                .integer(3)
                .op('s', '.')
                .bytes();
        assertRefused(zip(pickle, Map.of()), "the state dict maps epoch to something other than a tensor");
    }

    /** Corrupted bytes anywhere give a WeightsException or a file that reads, never another exception or a crash. */
    @ParameterizedTest
    @ValueSource(strings = {"f32/zip-hf/pytorch_model.bin", "f32/legacy-openai/pytorch_model.bin"})
    void corruptedFilesFailCleanly(String fixture) throws IOException {
        byte[] original = Files.readAllBytes(FIXTURES.resolve(fixture));
        java.util.Random random = new java.util.Random(14);
        Path p = tmp.resolve("corrupt.bin");
        int refused = 0;
        for (int trial = 0; trial < 150; trial++) {
            byte[] b = original.clone();
            // most of a .bin is tensor data; aim half the flips at the first and last 2 KB, where the structure is
            int at = trial % 2 == 0
                    ? random.nextInt(b.length)
                    : (random.nextBoolean() ? random.nextInt(2048) : b.length - 1 - random.nextInt(2048));
            b[at] ^= (byte) (1 << random.nextInt(8));
            Files.write(p, trial % 10 == 9 ? Arrays.copyOf(b, random.nextInt(b.length)) : b);
            try (PytorchFile f = PytorchFile.open(p)) {
                for (String name : f.names()) {
                    try {
                        f.tensor(name);
                    } catch (WeightsException e) {
                        refused++; // a mask's storage type, say, changed into another non-float one
                    }
                }
            } catch (WeightsException e) {
                assertFalse(e.getMessage().contains("\n"), e.getMessage());
                refused++;
            }
        }
        assertTrue(refused > 20, "only " + refused + " of 150 corruptions were noticed");
    }

    private Path zip(byte[] pickle, Map<String, byte[]> storages) throws IOException {
        Path p = Files.createTempFile(tmp, "crafted", ".bin");
        TorchFiles.writeZip(p, pickle, storages);
        return p;
    }

    private Path copy(String fixture) throws IOException {
        Path p = tmp.resolve(fixture.replace('/', '-'));
        Files.copy(FIXTURES.resolve(fixture), p, StandardCopyOption.REPLACE_EXISTING);
        return p;
    }

    private static void truncate(Path p, int bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - bytes);
        }
    }

    /** Opening {@code p} (a .bin file or a directory) fails with one line containing {@code expected}. */
    private static void assertRefused(Path p, String expected) {
        WeightsException e = assertThrows(WeightsException.class, () -> {
            if (Files.isDirectory(p)) Gpt2Checkpoint.open(p).close();
            else PytorchFile.open(p).close();
        });
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    private static void assertSameValues(Tensor expected, Tensor actual) {
        assertArrayEquals(expected.shape(), actual.shape(), actual.name());
        assertArrayEquals(expected.data().toArray(F32), actual.data().toArray(F32), actual.name());
    }
}
