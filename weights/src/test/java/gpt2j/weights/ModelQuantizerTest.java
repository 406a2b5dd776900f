package gpt2j.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelQuantizerTest {

    static final int V = 40, C = 8, E = 32, L = 2, H = 4;
    static final List<String> ORDER = TestCheckpoints.order(V, C, E, L);

    @TempDir
    Path dir;

    @Test
    void quantizesMatricesAndEmbeddingsOnly() throws IOException {
        Path d = TestCheckpoints.writeHfDir(
                dir.resolve("m"), V, C, E, L, H, TestCheckpoints.hfTensors(V, C, E, L, "F32", ""));
        for (GgmlType type : new GgmlType[] {GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.F16}) {
            try (LoadedCheckpoint ck = Gpt2Checkpoint.open(d);
                    Arena arena = Arena.ofConfined()) {
                Gpt2Weights w = ck.weights();
                Gpt2Weights q = ModelQuantizer.quantize(w, type, arena);
                assertEquals(type, q.tokenEmbedding().type());
                assertSame(q.tokenEmbedding(), q.head().tensor(), "tied head stays tied");
                assertSame(w.positionEmbedding(), q.positionEmbedding(), "position_embd stays F32");
                assertSame(w.finalNormWeight(), q.finalNormWeight());
                for (int i = 0; i < L; i++) {
                    Gpt2Weights.Layer l = q.layers().get(i);
                    assertSame(w.layers().get(i).qkvBias(), l.qkvBias());
                    assertSame(w.layers().get(i).mlpNormWeight(), l.mlpNormWeight());
                    String p = "h." + i + ".";
                    checkRows(l.qkv(), p + "attn.c_attn.weight", 3 * E, E, type);
                    checkRows(l.attnOut(), p + "attn.c_proj.weight", E, E, type);
                    checkRows(l.mlpUp(), p + "mlp.c_fc.weight", 4 * E, E, type);
                    checkRows(l.mlpDown(), p + "mlp.c_proj.weight", E, 4 * E, type);
                }
                // token embeddings: row t is the t-th stored row
                int k = ORDER.indexOf("wte.weight");
                float[] row = new float[E];
                for (int c = 0; c < E; c++) row[c] = TestCheckpoints.value(k, 7L * E + c);
                assertArrayEquals(
                        QuantizerTest.quantize(type, row),
                        q.tokenEmbedding()
                                .data()
                                .asSlice(7 * type.byteSize(E), type.byteSize(E))
                                .toArray(ValueLayout.JAVA_BYTE));
            }
        }
    }

    @Test
    void f32KeepsMappedMatrices() throws IOException {
        Path d = TestCheckpoints.writeHfDir(
                dir.resolve("m"), V, C, E, L, H, TestCheckpoints.hfTensors(V, C, E, L, "F32", ""));
        try (LoadedCheckpoint ck = Gpt2Checkpoint.open(d);
                Arena arena = Arena.ofConfined()) {
            Gpt2Weights q = ModelQuantizer.quantize(ck.weights(), GgmlType.F32, arena);
            assertSame(ck.weights().layers().get(0).qkv(), q.layers().get(0).qkv());
            assertSame(ck.weights().tokenEmbedding(), q.tokenEmbedding());
        }
    }

    @Test
    void rowsThatAreNotWholeBlocksAreRefused() throws IOException {
        int e = 16;
        Path d = TestCheckpoints.writeHfDir(
                dir.resolve("m"), V, C, e, 1, 2, TestCheckpoints.hfTensors(V, C, e, 1, "F32", ""));
        try (LoadedCheckpoint ck = Gpt2Checkpoint.open(d);
                Arena arena = Arena.ofConfined()) {
            WeightsException ex = assertThrows(
                    WeightsException.class, () -> ModelQuantizer.quantize(ck.weights(), GgmlType.Q8_0, arena));
            assertTrue(ex.getMessage().contains("not a multiple of 32"), ex.getMessage());
            assertThrows(WeightsException.class, () -> ModelQuantizer.quantize(ck.weights(), GgmlType.BF16, arena));
        }
    }

    /** Output row r of a Conv1D matrix is column r of the stored [in, out] array, quantized as one row. */
    private static void checkRows(WeightMatrix m, String hfName, int rows, int cols, GgmlType type) {
        assertEquals(type, m.type());
        assertFalse(m.inputMajor());
        assertEquals(rows, m.rows());
        assertEquals(cols, m.cols());
        assertArrayEquals(new long[] {rows, cols}, m.tensor().shape());
        int k = ORDER.indexOf(hfName);
        long rowBytes = type.byteSize(cols);
        for (int r = 0; r < rows; r += 5) {
            float[] expected = new float[cols];
            for (int c = 0; c < cols; c++) expected[c] = TestCheckpoints.value(k, (long) c * rows + r);
            MemorySegment got = m.tensor().data().asSlice(r * rowBytes, rowBytes);
            assertArrayEquals(
                    QuantizerTest.quantize(type, expected), got.toArray(ValueLayout.JAVA_BYTE), hfName + " row " + r);
        }
    }
}
