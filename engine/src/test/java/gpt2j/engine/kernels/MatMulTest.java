package gpt2j.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gpt2j.weights.GgmlType;
import gpt2j.weights.Quantizer;
import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The batched kernels against the double-precision reference for every token, at random token counts (hitting the
 * one and two token vectors per tile, the padded slots), shapes and unaligned row ranges.
 */
class MatMulTest {

    @ParameterizedTest
    @EnumSource(MatVecTest.Kind.class)
    void everyTokenMatchesReference(MatVecTest.Kind kind) {
        Random rnd = new Random(100 + kind.ordinal());
        try (Arena arena = Arena.ofConfined()) {
            for (int trial = 0; trial < 8; trial++) {
                int unit = kind.type.blockSize;
                int cols = unit == 1 ? 1 + rnd.nextInt(200) : unit * (1 + rnd.nextInt(unit == 256 ? 3 : 8));
                int rows = 1 + rnd.nextInt(120);
                int n = 1 + rnd.nextInt(70); // one and two token vectors per tile, padding
                Weights w = Weights.random(kind.type, rows, cols, kind.inputMajor, rnd, arena);
                float[] x = Weights.randomVector(n * cols, rnd);
                int r0 = rnd.nextInt(rows);
                int r1 = r0 + 1 + rnd.nextInt(rows - r0);
                float[] vec = new float[n * rows];
                float[] sca = new float[n * rows];
                Arrays.fill(vec, Float.NaN);
                Arrays.fill(sca, Float.NaN);
                // The tokens from any place in xT (the engine starts them at a cache line); input-major reads from 0.
                int shift = kind.inputMajor ? 0 : rnd.nextInt(MatMul.SHIFT_ROOM + 1);
                MatMul.apply(w.kernel, transposed(x, n, cols, shift), shift, n, vec, r0, r1);
                MatMul.scalar(w.kernel, x, n, sca, r0, r1);
                for (int t = 0; t < n; t++) {
                    for (int r = 0; r < rows; r++) {
                        int o = t * rows + r;
                        if (r < r0 || r >= r1) {
                            assertTrue(
                                    Float.isNaN(vec[o]), "token " + t + " row " + r + " outside the range was written");
                            continue;
                        }
                        double expected = w.dot(r, x, t * cols);
                        double tol = 1e-5 * w.absDot(r, x, t * cols) + 1e-6;
                        String at = kind + " n=" + n + " token " + t + " row " + r + " of " + rows + "x" + cols;
                        assertEquals(expected, vec[o], tol, "vector " + at);
                        assertEquals(expected, sca[o], tol, "scalar " + at);
                    }
                }
            }
        }
    }

    @Test
    void f32RowsReadWhereTheyLieMatchTheDefinition() {
        // Batches of whole four-vector tiles (49-64 tokens at 512 bits) read F32 rows in place; the last panel here
        // (53 rows: two of 24, then 5) and the rows a range starts past still go through the copied panel.
        Random rnd = new Random(500);
        try (Arena arena = Arena.ofConfined()) {
            int rows = 53, cols = 200;
            Weights w = Weights.random(GgmlType.F32, rows, cols, false, rnd, arena);
            for (int n : new int[] {50, 64}) {
                float[] x = Weights.randomVector(n * cols, rnd);
                for (int r0 : new int[] {0, 6}) {
                    float[] vec = new float[n * rows];
                    MatMul.apply(w.kernel, transposed(x, n, cols, 0), 0, n, vec, r0, rows);
                    for (int t = 0; t < n; t++) {
                        for (int r = r0; r < rows; r++) {
                            double expected = w.dot(r, x, t * cols);
                            double tol = 1e-5 * w.absDot(r, x, t * cols) + 1e-6;
                            assertEquals(
                                    expected,
                                    vec[t * rows + r],
                                    tol,
                                    "n=" + n + " from " + r0 + " token " + t + " row " + r);
                        }
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(MatVecTest.Kind.class)
    void wideRowsLikeMlpDown(MatVecTest.Kind kind) {
        Random rnd = new Random(200 + kind.ordinal());
        try (Arena arena = Arena.ofConfined()) {
            // Rows as wide as GPT-2's mlp down (3072) and wider; for F32 not a whole number of vectors. Then rows wider
            // than the panel's pitch (MatMulF32.PITCH), which come into the panel in pieces.
            boolean f32 = kind.type.blockSize == 1, k = kind.type.blockSize == 256;
            for (int cols : new int[] {f32 ? 3109 : k ? 3328 : 3168, MatMulF32.PITCH + (f32 ? 89 : k ? 256 : 128)}) {
                // Two whole input-major strips (64 rows at 512 bits) and a remainder; six panels of 24, then 7 rows: a
                // six-row tile and one row, each across the pieces of the wider rows.
                int rows = 151;
                Weights w = Weights.random(kind.type, rows, cols, kind.inputMajor, rnd, arena);
                // 9 tokens: one- and two-vector tiles; 67: a four-vector tile over several column slabs, the last
                // partial.
                for (int n : new int[] {9, 67}) {
                    float[] x = Weights.randomVector(n * cols, rnd);
                    float[] vec = new float[n * rows];
                    MatMul.apply(w.kernel, transposed(x, n, cols, 0), 0, n, vec, 0, rows);
                    for (int t = 0; t < n; t++) {
                        for (int r = 0; r < rows; r++) {
                            double expected = w.dot(r, x, t * cols);
                            double tol = 1e-5 * w.absDot(r, x, t * cols) + 1e-6;
                            assertEquals(
                                    expected, vec[t * rows + r], tol, kind + " n=" + n + " token " + t + " row " + r);
                        }
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = MatVecTest.Kind.class,
            names = {"Q4_1", "Q5_0", "Q5_1", "IQ4_NL", "IQ4_XS", "Q2_K", "Q3_K"})
    void panelsHoldTheDequantizersFloats(MatVecTest.Kind kind) {
        // The vector panel decoders against the weights module's scalar dequantizer (checked against gguf-py there),
        // bit for bit: both follow ggml's dequantize_row_* operation for operation.
        Random rnd = new Random(400 + kind.ordinal());
        try (Arena arena = Arena.ofConfined()) {
            for (int trial = 0; trial < 6; trial++) {
                int cols = kind.type.blockSize * (1 + rnd.nextInt(kind.type.blockSize == 256 ? 3 : 8));
                int rows = 1 + rnd.nextInt(60);
                Weights w = Weights.random(kind.type, rows, cols, false, rnd, arena);
                int r0 = rnd.nextInt(rows);
                int r1 = r0 + 1 + rnd.nextInt(rows - r0);
                float[] vec = new float[(r1 - r0) * cols + 1];
                float[] ref = new float[(r1 - r0) * cols + 1];
                Arrays.fill(vec, Float.NaN);
                MatMul.dequantize(w.kernel, r0, r1, vec, 0);
                long rowBytes = kind.type.byteSize(cols);
                for (int r = r0; r < r1; r++) {
                    Quantizer.dequantizeRow(
                            kind.type, w.matrix.tensor().data(), r * rowBytes, ref, (r - r0) * cols, cols);
                }
                for (int i = 0; i < ref.length - 1; i++) {
                    assertEquals(
                            Float.floatToRawIntBits(ref[i]),
                            Float.floatToRawIntBits(vec[i]),
                            kind + " rows " + r0 + ".." + r1 + " of " + rows + "x" + cols + ", value " + i);
                }
                assertTrue(Float.isNaN(vec[ref.length - 1]), "written past the panel's rows");
            }
        }
    }

    @Test
    void transposeInColumnPiecesMatchesTheDefinition() {
        Random rnd = new Random(300);
        for (int trial = 0; trial < 20; trial++) {
            int n = 1 + rnd.nextInt(70);
            int cols = 1 + rnd.nextInt(200);
            int shift = rnd.nextInt(MatMul.SHIFT_ROOM + 1);
            float[] x = Weights.randomVector(n * cols, rnd);
            int stride = MatMul.padded(n);
            float[] xT = new float[stride * cols + MatMul.SHIFT_ROOM];
            Arrays.fill(xT, Float.NaN);
            // Pieces as threads would take them: [0, a), [a, b), [b, cols), some possibly empty.
            int a = rnd.nextInt(cols + 1), b = a + rnd.nextInt(cols - a + 1);
            MatMul.transpose(x, n, cols, xT, shift, b, cols);
            MatMul.transpose(x, n, cols, xT, shift, 0, a);
            MatMul.transpose(x, n, cols, xT, shift, a, b);
            for (int i = 0; i < xT.length; i++) {
                int c = (i - shift) / stride, t = (i - shift) % stride;
                if (i < shift || c >= cols) {
                    assertTrue(
                            Float.isNaN(xT[i]), "slot " + i + " outside the tokens (shift " + shift + ") was written");
                    continue;
                }
                float expected = t < n ? x[t * cols + c] : 0f;
                assertEquals(expected, xT[i], 0f, "column " + c + " slot " + t + " of n=" + n + ", shift " + shift);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(MatVecTest.Kind.class)
    void whereTheTokensStartDoesNotChangeABit(MatVecTest.Kind kind) {
        if (kind.inputMajor) return; // its tiles read xT from 0 (MatMul.shift gives them 0)
        Random rnd = new Random(600 + kind.ordinal());
        try (Arena arena = Arena.ofConfined()) {
            int cols = kind.type.blockSize == 1 ? 837 : kind.type.blockSize == 256 ? 1024 : 800;
            int rows = 53, n = 67; // whole four-vector tiles, six-row tiles, one-row leftovers, a partial slab
            Weights w = Weights.random(kind.type, rows, cols, false, rnd, arena);
            float[] x = Weights.randomVector(n * cols, rnd);
            float[] first = new float[n * rows];
            MatMul.apply(w.kernel, transposed(x, n, cols, 0), 0, n, first, 0, rows);
            for (int shift = 1; shift <= MatMul.SHIFT_ROOM; shift++) {
                float[] out = new float[n * rows];
                MatMul.apply(w.kernel, transposed(x, n, cols, shift), shift, n, out, 0, rows);
                for (int i = 0; i < out.length; i++) {
                    assertEquals(
                            Float.floatToRawIntBits(first[i]),
                            Float.floatToRawIntBits(out[i]),
                            kind + " output " + i + " with the tokens from xT[" + shift + "]");
                }
            }
        }
    }

    static float[] transposed(float[] x, int n, int cols, int shift) {
        float[] xT = new float[MatMul.padded(n) * cols + shift];
        Arrays.fill(xT, Float.NaN); // the padding must be written, not assumed zero
        MatMul.transpose(x, n, cols, xT, shift, 0, cols);
        return xT;
    }
}
