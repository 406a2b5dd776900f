package gpt2j.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files written by llama.cpp's own Python writer (gguf-py, tools/make_gguf_fixtures.py): our reader loads them and our
 * quantizer reproduces gguf-py's blocks; our writer's output reads back into the same tensor bytes.
 */
class GgufInteropTest {

    static final int V = 40, C = 8, E = 32, L = 2, H = 4;
    static final List<String> ORDER = TestCheckpoints.order(V, C, E, L);

    @TempDir
    Path dir;

    @Test
    void readsGgufPyFiles() throws Exception {
        for (GgmlType type : new GgmlType[] {GgmlType.Q8_0, GgmlType.Q4_0}) {
            Path p = HfCheckpointTest.resource("/gguf/tiny-" + type.name().toLowerCase() + ".gguf");
            try (LoadedCheckpoint ck = Gpt2Checkpoint.open(p)) {
                Gpt2Weights w = ck.weights();
                assertEquals(
                        Gpt2Config.builder()
                                .vocabSize(V)
                                .contextLength(C)
                                .embeddingSize(E)
                                .layerCount(L)
                                .headCount(H)
                                .build(),
                        w.config());
                assertEquals("<|endoftext|>", ck.tokenizer().tokens().get(V - 1));
                assertEquals(List.of("t 0", "Ġ t"), ck.tokenizer().merges());
                assertSame(w.tokenEmbedding(), w.head().tensor(), "no output.weight: tied");
                assertEquals(type, w.tokenEmbedding().type());
                for (int i = 0; i < L; i++) {
                    Gpt2Weights.Layer l = w.layers().get(i);
                    String h = "h." + i + ".";
                    checkRows(l.qkv(), h + "attn.c_attn.weight", 3 * E, E, type);
                    checkRows(l.attnOut(), h + "attn.c_proj.weight", E, E, type);
                    checkRows(l.mlpUp(), h + "mlp.c_fc.weight", 4 * E, E, type);
                    checkRows(l.mlpDown(), h + "mlp.c_proj.weight", E, 4 * E, type);
                    int k = ORDER.indexOf(h + "attn.c_attn.bias");
                    for (int j = 0; j < 3 * E; j++)
                        assertEquals(TestCheckpoints.value(k, j), HfCheckpointTest.get(l.qkvBias(), j));
                }
                int k = ORDER.indexOf("wpe.weight");
                for (int j = 0; j < C * E; j++)
                    assertEquals(TestCheckpoints.value(k, j), HfCheckpointTest.get(w.positionEmbedding(), j));
            }
        }
    }

    @Test
    void rewritesGgufPyFilesWithIdenticalTensorBytes() throws Exception {
        Path src = HfCheckpointTest.resource("/gguf/tiny-q8_0.gguf");
        Path out = dir.resolve("again.gguf");
        try (LoadedCheckpoint ck = Gpt2Checkpoint.open(src)) {
            GgufExport.write(ck, ck.tokenizer(), GgmlType.Q8_0, out, null);
        }
        try (GgufFile a = GgufFile.open(src);
                GgufFile b = GgufFile.open(out)) {
            for (String name : a.tensorInfos().keySet()) {
                assertArrayEquals(
                        a.tensor(name).data().toArray(ValueLayout.JAVA_BYTE),
                        b.tensor(name).data().toArray(ValueLayout.JAVA_BYTE),
                        name);
                assertArrayEquals(
                        a.tensorInfos().get(name).ne(),
                        b.tensorInfos().get(name).ne(),
                        name);
            }
            assertArrayEquals(
                    a.tensor("token_embd.weight").data().toArray(ValueLayout.JAVA_BYTE),
                    b.tensor("output.weight").data().toArray(ValueLayout.JAVA_BYTE),
                    "tied head written out");
            for (String key : List.of(
                    "gpt2.context_length",
                    "gpt2.embedding_length",
                    "gpt2.block_count",
                    "gpt2.attention.head_count",
                    "gpt2.feed_forward_length",
                    "general.file_type",
                    "tokenizer.ggml.eos_token_id")) {
                assertEquals(a.integer(key), b.integer(key), key);
            }
            assertArrayEquals(a.integers("tokenizer.ggml.token_type"), b.integers("tokenizer.ggml.token_type"));
        }
        // the output gets ordinary permissions (the temporary file's must not leak through)
        Path plain = Files.writeString(dir.resolve("plain"), "x");
        assertEquals(
                PosixFilePermissions.toString(Files.getPosixFilePermissions(plain)),
                PosixFilePermissions.toString(Files.getPosixFilePermissions(out)));
    }

    private static void checkRows(WeightMatrix m, String hfName, int rows, int cols, GgmlType type) {
        assertEquals(type, m.type());
        int k = ORDER.indexOf(hfName);
        long rowBytes = type.byteSize(cols);
        for (int r = 0; r < rows; r++) {
            float[] expected = new float[cols];
            for (int c = 0; c < cols; c++) expected[c] = TestCheckpoints.value(k, (long) c * rows + r);
            assertArrayEquals(
                    QuantizerTest.quantize(type, expected),
                    m.tensor().data().asSlice(r * rowBytes, rowBytes).toArray(ValueLayout.JAVA_BYTE),
                    hfName + " row " + r);
        }
    }
}
