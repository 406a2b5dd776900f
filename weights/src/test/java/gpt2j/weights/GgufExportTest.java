package gpt2j.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GgufExportTest {

    static final int V = 40, C = 8, E = 32, L = 2, H = 4;
    static final List<String> ORDER = TestCheckpoints.order(V, C, E, L);

    @TempDir
    Path dir;

    static TokenizerData tokenizer() {
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < V - 1; i++) tokens.add("t" + i);
        tokens.add("<|endoftext|>");
        return new TokenizerData(tokens, List.of("t 0", "Ġ t"));
    }

    Path hf() throws IOException {
        return TestCheckpoints.writeHfDir(
                dir.resolve("hf"), V, C, E, L, H, TestCheckpoints.hfTensors(V, C, E, L, "F32", ""));
    }

    @Test
    void exportsWhatLlamaCppExpectsAndReadsBack() throws IOException {
        Path out = dir.resolve("m.gguf");
        List<String> progress = new ArrayList<>();
        try (LoadedCheckpoint hf = Gpt2Checkpoint.open(hf())) {
            GgufExport.write(
                    hf,
                    tokenizer(),
                    GgmlType.Q8_0,
                    out,
                    (done, total, name) -> progress.add(done + "/" + total + " " + name));
        }
        assertEquals(2 + 12 * L + 2 + 1, progress.size());
        assertEquals("1/29 token_embd.weight", progress.get(0));
        assertEquals("29/29 output.weight", progress.get(28));
        try (GgufFile f = GgufFile.open(out)) {
            assertEquals(3, f.version());
            assertEquals("gpt2", f.string("general.architecture"));
            assertEquals(7L, f.integer("general.file_type"));
            assertEquals((long) C, f.integer("gpt2.context_length"));
            assertEquals((long) E, f.integer("gpt2.embedding_length"));
            assertEquals(4L * E, f.integer("gpt2.feed_forward_length"));
            assertEquals((long) L, f.integer("gpt2.block_count"));
            assertEquals((long) H, f.integer("gpt2.attention.head_count"));
            assertEquals(1e-5f, f.number("gpt2.attention.layer_norm_epsilon").floatValue());
            assertEquals("gpt2", f.string("tokenizer.ggml.model"));
            assertEquals(tokenizer().tokens(), f.strings("tokenizer.ggml.tokens"));
            assertEquals(tokenizer().merges(), f.strings("tokenizer.ggml.merges"));
            long[] types = f.integers("tokenizer.ggml.token_type");
            assertEquals(1L, types[0]);
            assertEquals(3L, types[V - 1]);
            assertEquals(V - 1L, f.integer("tokenizer.ggml.eos_token_id"));
            Map<String, GgufFile.TensorInfo> infos = f.tensorInfos();
            assertEquals(GgmlType.Q8_0, infos.get("blk.1.attn_qkv.weight").type());
            assertArrayEquals(
                    new long[] {E, 3 * E}, infos.get("blk.1.attn_qkv.weight").ne(), "ne[0] is the input size");
            assertEquals(GgmlType.F32, infos.get("position_embd.weight").type());
            assertEquals(GgmlType.F32, infos.get("blk.0.ffn_norm.bias").type());
            assertEquals(GgmlType.Q8_0, infos.get("output.weight").type());
            for (GgufFile.TensorInfo t : infos.values()) assertEquals(0, (t.offset() - f.dataStart()) % 32, t.name());
            // token_embd and output hold the same quantized rows, as llama.cpp's converter wrote them
            assertArrayEquals(
                    f.tensor("token_embd.weight").data().toArray(ValueLayout.JAVA_BYTE),
                    f.tensor("output.weight").data().toArray(ValueLayout.JAVA_BYTE));
        }
        try (LoadedCheckpoint g = Gpt2Checkpoint.open(out)) {
            assertEquals("gguf", g.format());
            assertEquals(
                    Gpt2Config.builder()
                            .vocabSize(V)
                            .contextLength(C)
                            .embeddingSize(E)
                            .layerCount(L)
                            .headCount(H)
                            .build(),
                    g.weights().config());
            assertEquals(tokenizer(), g.tokenizer());
            assertEquals(Map.of(GgmlType.Q8_0, 2 + 4 * L, GgmlType.F32, 1 + 8 * L + 2), g.sourceTypes());
            Gpt2Weights w = g.weights();
            assertFalse(w.layers().get(0).mlpDown().inputMajor());
            // every Q8_0 row is the ggml quantization of the original Conv1D column
            checkRows(w.layers().get(1).mlpDown(), "h.1.mlp.c_proj.weight", E, 4 * E);
            checkRows(w.layers().get(0).qkv(), "h.0.attn.c_attn.weight", 3 * E, E);
            // F32 vectors and position embeddings are exact
            int k = ORDER.indexOf("h.1.ln_2.bias");
            for (int i = 0; i < E; i++)
                assertEquals(
                        TestCheckpoints.value(k, i),
                        HfCheckpointTest.get(w.layers().get(1).mlpNormBias(), i));
            k = ORDER.indexOf("wpe.weight");
            for (int i = 0; i < C * E; i++)
                assertEquals(TestCheckpoints.value(k, i), HfCheckpointTest.get(w.positionEmbedding(), i));
        }
    }

    @Test
    void rewritingAGgufPreservesEveryByte() throws IOException {
        for (GgmlType type : new GgmlType[] {GgmlType.Q4_0, GgmlType.F16, GgmlType.F32}) {
            Path first = dir.resolve("a-" + type + ".gguf"), second = dir.resolve("b-" + type + ".gguf");
            try (LoadedCheckpoint hf = Gpt2Checkpoint.open(hf())) {
                GgufExport.write(hf, tokenizer(), type, first, null);
            }
            try (LoadedCheckpoint g = Gpt2Checkpoint.open(first)) {
                GgufExport.write(g, g.tokenizer(), type, second, null);
            }
            assertArrayEquals(Files.readAllBytes(first), Files.readAllBytes(second), type.toString());
        }
    }

    @Test
    void f32ExportTransposesConv1dWeights() throws IOException {
        Path out = dir.resolve("f32.gguf");
        try (LoadedCheckpoint hf = Gpt2Checkpoint.open(hf())) {
            GgufExport.write(hf, tokenizer(), GgmlType.F32, out, null);
        }
        try (LoadedCheckpoint g = Gpt2Checkpoint.open(out)) {
            WeightMatrix m = g.weights().layers().get(0).mlpUp();
            int k = ORDER.indexOf("h.0.mlp.c_fc.weight");
            for (int r = 0; r < 4 * E; r++) {
                for (int c = 0; c < E; c++) {
                    assertEquals(
                            TestCheckpoints.value(k, (long) c * 4 * E + r),
                            HfCheckpointTest.get(m.tensor(), (long) r * E + c));
                }
            }
        }
    }

    @Test
    void inMemoryQuantizationMatchesTheExportedFile() throws IOException {
        Path out = dir.resolve("q4.gguf");
        try (LoadedCheckpoint hf = Gpt2Checkpoint.open(hf());
                Arena arena = Arena.ofConfined()) {
            GgufExport.write(hf, tokenizer(), GgmlType.Q4_0, out, null);
            Gpt2Weights q = ModelQuantizer.quantize(hf.weights(), GgmlType.Q4_0, arena);
            try (LoadedCheckpoint g = Gpt2Checkpoint.open(out)) {
                assertArrayEquals(
                        q.layers().get(1).attnOut().tensor().data().toArray(ValueLayout.JAVA_BYTE),
                        g.weights().layers().get(1).attnOut().tensor().data().toArray(ValueLayout.JAVA_BYTE));
                assertArrayEquals(
                        q.tokenEmbedding().data().toArray(ValueLayout.JAVA_BYTE),
                        g.weights().tokenEmbedding().data().toArray(ValueLayout.JAVA_BYTE));
            }
        }
    }

    @Test
    void refusesToOverwriteItsSource() throws IOException {
        Path out = dir.resolve("m.gguf");
        try (LoadedCheckpoint hf = Gpt2Checkpoint.open(hf())) {
            GgufExport.write(hf, tokenizer(), GgmlType.Q8_0, out, null);
        }
        byte[] before = Files.readAllBytes(out);
        try (LoadedCheckpoint g = Gpt2Checkpoint.open(out)) {
            WeightsException e = assertThrows(
                    WeightsException.class,
                    () -> GgufExport.write(
                            g, g.tokenizer(), GgmlType.Q4_0, dir.resolve(".").resolve("m.gguf"), null));
            assertTrue(e.getMessage().contains("refusing to overwrite"), e.getMessage());
        }
        assertArrayEquals(before, Files.readAllBytes(out));
    }

    @Test
    void aFailedWriteLeavesTheOldFileAndNoTemporary() throws IOException {
        Path out = Files.writeString(dir.resolve("m.gguf"), "precious");
        try (LoadedCheckpoint hf = Gpt2Checkpoint.open(hf())) {
            assertThrows(
                    IllegalStateException.class,
                    () -> GgufExport.write(hf, tokenizer(), GgmlType.Q8_0, out, (done, total, name) -> {
                        if (done == 5) throw new IllegalStateException("interrupted");
                    }));
        }
        assertEquals("precious", Files.readString(out));
        try (var files = Files.list(dir)) {
            assertEquals(
                    List.of("hf", "m.gguf"),
                    files.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    void badInputsToExport() throws IOException {
        try (LoadedCheckpoint hf = Gpt2Checkpoint.open(hf())) {
            Path out = dir.resolve("x.gguf");
            assertMessage(() -> GgufExport.write(hf, null, GgmlType.Q8_0, out, null), "needs the tokenizer");
            assertMessage(
                    () -> GgufExport.write(hf, new TokenizerData(List.of("a"), List.of()), GgmlType.Q8_0, out, null),
                    "the tokenizer has 1 tokens but the model has 40");
            assertMessage(() -> GgufExport.write(hf, tokenizer(), GgmlType.BF16, out, null), "cannot write BF16");
            assertFalse(Files.exists(out));
        }
    }

    @Test
    void ggufCheckpointErrors() throws IOException {
        Path out = dir.resolve("m.gguf");
        try (LoadedCheckpoint hf = Gpt2Checkpoint.open(hf())) {
            GgufExport.write(hf, tokenizer(), GgmlType.F16, out, null);
        }
        byte[] b = Files.readAllBytes(out);
        // Rename a tensor in place (same length): the checkpoint must name the missing one.
        byte[] renamed = replace(b, "blk.1.ffn_up.bias", "blk.1.ffn_up.bia$");
        Path p = Files.write(dir.resolve("renamed.gguf"), renamed);
        assertMessage(() -> Gpt2Checkpoint.open(p).close(), "missing tensor blk.1.ffn_up.bias");
        Path q = Files.write(dir.resolve("arch.gguf"), replace(b, "gpt2", "gptx"));
        assertMessage(() -> Gpt2Checkpoint.open(q).close(), "general.architecture is gptx");
        Path r = Files.write(dir.resolve("trunc.gguf"), java.util.Arrays.copyOf(b, b.length - 100));
        assertMessage(() -> Gpt2Checkpoint.open(r).close(), "runs past the end");
        assertNotNull(r);
    }

    private static byte[] replace(byte[] b, String from, String to) {
        byte[] f = from.getBytes(), t = to.getBytes();
        byte[] out = b.clone();
        outer:
        for (int i = 0; i + f.length <= b.length; i++) {
            for (int j = 0; j < f.length; j++) if (b[i + j] != f[j]) continue outer;
            System.arraycopy(t, 0, out, i, t.length);
            return out;
        }
        throw new AssertionError(from + " not found");
    }

    private static void checkRows(WeightMatrix m, String hfName, int rows, int cols) {
        assertEquals(GgmlType.Q8_0, m.type());
        int k = ORDER.indexOf(hfName);
        long rowBytes = GgmlType.Q8_0.byteSize(cols);
        for (int r = 0; r < rows; r += 3) {
            float[] expected = new float[cols];
            for (int c = 0; c < cols; c++) expected[c] = TestCheckpoints.value(k, (long) c * rows + r);
            assertArrayEquals(
                    QuantizerTest.quantize(GgmlType.Q8_0, expected),
                    m.tensor().data().asSlice(r * rowBytes, rowBytes).toArray(ValueLayout.JAVA_BYTE),
                    hfName + " row " + r);
        }
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable e, String expected) {
        WeightsException ex = assertThrows(WeightsException.class, e);
        assertTrue(ex.getMessage().contains(expected), ex.getMessage());
        assertFalse(ex.getMessage().contains("\n"), ex.getMessage());
    }
}
