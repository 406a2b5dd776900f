package gpt2j.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gpt2j.weights.GgmlType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every mat-vec kernel, vector and scalar, against a double-precision reference built from the ggml block definitions,
 * at random shapes, input offsets and unaligned row ranges. Run once more with
 * {@code -Dvector.args="--add-modules jdk.incubator.vector -Dgpt2.vectorBits=256"} to cover the 256-bit paths.
 */
class MatVecTest {

    enum Kind {
        F32(GgmlType.F32, false),
        F32_INPUT_MAJOR(GgmlType.F32, true),
        F16(GgmlType.F16, false),
        Q8_0(GgmlType.Q8_0, false),
        Q4_0(GgmlType.Q4_0, false),
        Q4_1(GgmlType.Q4_1, false),
        Q5_0(GgmlType.Q5_0, false),
        Q5_1(GgmlType.Q5_1, false),
        Q2_K(GgmlType.Q2_K, false),
        Q3_K(GgmlType.Q3_K, false),
        Q4_K(GgmlType.Q4_K, false),
        Q5_K(GgmlType.Q5_K, false),
        Q6_K(GgmlType.Q6_K, false),
        IQ4_NL(GgmlType.IQ4_NL, false),
        IQ4_XS(GgmlType.IQ4_XS, false);

        final GgmlType type;
        final boolean inputMajor;

        Kind(GgmlType type, boolean inputMajor) {
            this.type = type;
            this.inputMajor = inputMajor;
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void vectorAndScalarMatchReferenceOnAnyRowRange(Kind kind) {
        Random rnd = new Random(42 + kind.ordinal());
        try (Arena arena = Arena.ofConfined()) {
            for (int trial = 0; trial < 12; trial++) {
                // Quantized types need whole blocks; F32/F16 take odd sizes (the scalar tails), whole vectors of either
                // width, and whole groups of four 16-lane vectors (F32's one-stream path, GPT-2's widths).
                int unit = kind.type.blockSize;
                int cols = unit > 1
                        ? unit * (1 + rnd.nextInt(unit == 256 ? 4 : 12))
                        : trial % 3 == 0
                                ? 1 + rnd.nextInt(300)
                                : trial % 3 == 1 ? 16 * (1 + rnd.nextInt(16)) : 64 * (1 + rnd.nextInt(6));
                int rows = 1 + rnd.nextInt(150);
                Weights w = Weights.random(kind.type, rows, cols, kind.inputMajor, rnd, arena);
                int xOff = rnd.nextInt(40);
                int outOff = rnd.nextInt(40);
                float[] x = Weights.randomVector(xOff + cols, rnd);
                int r0 = rnd.nextInt(rows);
                int r1 = r0 + 1 + rnd.nextInt(rows - r0);

                float[] vec = new float[outOff + rows];
                float[] sca = new float[outOff + rows];
                java.util.Arrays.fill(vec, Float.NaN);
                java.util.Arrays.fill(sca, Float.NaN);
                MatVec.apply(w.kernel, x, xOff, vec, outOff, r0, r1);
                MatVec.scalar(w.kernel, x, xOff, sca, outOff, r0, r1);

                for (int r = 0; r < rows; r++) {
                    if (r < r0 || r >= r1) {
                        assertTrue(Float.isNaN(vec[outOff + r]), "row " + r + " outside the range was written");
                        continue;
                    }
                    double expected = w.dot(r, x, xOff);
                    double tol = 1e-5 * w.absDot(r, x, xOff) + 1e-6;
                    assertEquals(
                            expected, vec[outOff + r], tol, kind + " vector row " + r + " of " + rows + "x" + cols);
                    assertEquals(
                            expected, sca[outOff + r], tol, kind + " scalar row " + r + " of " + rows + "x" + cols);
                }
            }
        }
    }

    @Test
    void q5_0AndQ5_1AreRepackedAtAnyWholeNumberOfBlocks() {
        // gpt2-xl's K-quant presets are mostly Q5_0/Q5_1 at 1600 columns: both go through Q8_0's kernels on a
        // repack where the heap has room, against the format's definition.
        Random rnd = new Random(5);
        try (Arena arena = Arena.ofConfined()) {
            for (GgmlType type : new GgmlType[] {GgmlType.Q5_0, GgmlType.Q5_1}) {
                for (int cols : new int[] {64, 96, 1600}) {
                    int rows = 40;
                    Weights w = Weights.random(type, rows, cols, false, rnd, arena);
                    assertTrue(w.kernel.quants() != null, type + " " + cols + " columns repacked");
                    float[] x = Weights.randomVector(cols, rnd), out = new float[rows];
                    MatVec.apply(w.kernel, x, 0, out, 0, 0, rows);
                    for (int r = 0; r < rows; r++) {
                        double tol = 1e-5 * w.absDot(r, x, 0) + 1e-6;
                        assertEquals(w.dot(r, x, 0), out[r], tol, type + " " + cols + " columns, row " + r);
                    }
                }
            }
        }
    }

    @Test
    void q3_KAndIq4ReadInPlaceWhereTheHeapHasNoRoom() {
        // Q3_K's repack (Q6_K's layout) is 2.5x the file, IQ4_NL's and IQ4_XS's (Q8_0's) 2x; without room for it the
        // file's blocks are read in place.
        Random rnd = new Random(7);
        try (Arena arena = Arena.ofConfined()) {
            for (GgmlType type : new GgmlType[] {GgmlType.Q3_K, GgmlType.IQ4_NL, GgmlType.IQ4_XS}) {
                for (int cols : new int[] {256, 768}) {
                    int rows = 40, xOff = rnd.nextInt(7);
                    Weights w = Weights.random(type, rows, cols, false, rnd, arena);
                    assertTrue(w.kernel.quants() != null, type + " repacked where the heap has room");
                    MemorySegment data = w.kernel.weight().tensor().data();
                    float[] x = Weights.randomVector(xOff + cols, rnd), out = new float[rows];
                    switch (type) {
                        case Q3_K -> MatVecQ3_K.apply(data, cols, x, xOff, out, 0, 3, rows);
                        case IQ4_NL -> MatVecIQ4_NL.apply(data, cols, x, xOff, out, 0, 3, rows);
                        default -> MatVecIQ4_XS.apply(data, cols, x, xOff, out, 0, 3, rows);
                    }
                    assertEquals(0f, out[2], type + " row 2 is outside the range");
                    for (int r = 3; r < rows; r++) {
                        double tol = 1e-5 * w.absDot(r, x, xOff) + 1e-6;
                        assertEquals(w.dot(r, x, xOff), out[r], tol, type + " " + cols + " columns, row " + r);
                    }
                }
            }
        }
    }

    @Test
    void q5_0AndQ5_1ReadInPlaceWhereTheHeapHasNoRoom() {
        // Without room for a repack, KernelMatrix leaves Q5_0/Q5_1 to kernels that read the file's blocks in place.
        Random rnd = new Random(6);
        try (Arena arena = Arena.ofConfined()) {
            for (GgmlType type : new GgmlType[] {GgmlType.Q5_0, GgmlType.Q5_1}) {
                for (int cols : new int[] {32, 96, 1600}) {
                    int rows = 40, xOff = rnd.nextInt(7);
                    Weights w = Weights.random(type, rows, cols, false, rnd, arena);
                    MemorySegment data = w.kernel.weight().tensor().data();
                    float[] x = Weights.randomVector(xOff + cols, rnd), out = new float[rows];
                    if (type == GgmlType.Q5_0) MatVecQ5_0.apply(data, cols, x, xOff, out, 0, 3, rows);
                    else MatVecQ5_1.apply(data, cols, x, xOff, out, 0, 3, rows);
                    assertEquals(0f, out[2], type + " row 2 is outside the range");
                    for (int r = 3; r < rows; r++) {
                        double tol = 1e-5 * w.absDot(r, x, xOff) + 1e-6;
                        assertEquals(w.dot(r, x, xOff), out[r], tol, type + " " + cols + " columns, row " + r);
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void tallMatricesAndThreadLikeRanges(Kind kind) {
        // Enough rows for the widest strips (16 vectors of 16 lanes), with ranges cut where a pool would cut them.
        Random rnd = new Random(7 + kind.ordinal());
        try (Arena arena = Arena.ofConfined()) {
            for (int cols :
                    kind.type.blockSize == 1 ? new int[] {48, 128} : new int[] {Math.max(64, kind.type.blockSize)}) {
                int rows = 600;
                Weights w = Weights.random(kind.type, rows, cols, kind.inputMajor, rnd, arena);
                float[] x = Weights.randomVector(cols, rnd);
                float[] vec = new float[rows];
                for (int[] range : new int[][] {{0, rows}, {0, 288}, {288, 576}, {576, rows}, {5, 299}}) {
                    MatVec.apply(w.kernel, x, 0, vec, 0, range[0], range[1]);
                    for (int r = range[0]; r < range[1]; r++) {
                        double tol = 1e-5 * w.absDot(r, x, 0) + 1e-6;
                        assertEquals(
                                w.dot(r, x, 0),
                                vec[r],
                                tol,
                                kind + " " + cols + " columns, row " + r + " of range " + range[0] + ".." + range[1]);
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aRowsBitsDoNotDependOnTheRangeItIsIn(Kind kind) {
        // Threads cut a matrix's rows wherever the pool's chunks fall, and F32 reads a range as several streams side
        // by side: every row must come out as it does alone, bit for bit, or a token would depend on the thread count.
        Random rnd = new Random(13 + kind.ordinal());
        try (Arena arena = Arena.ofConfined()) {
            int cols = kind.type.blockSize == 1 ? 768 : Math.max(256, kind.type.blockSize);
            int rows = 203;
            Weights w = Weights.random(kind.type, rows, cols, kind.inputMajor, rnd, arena);
            float[] x = Weights.randomVector(cols, rnd);
            float[] alone = new float[rows];
            int grain = MatVec.rowGrain(w.kernel);
            for (int r = 0; r < rows; r += grain) MatVec.apply(w.kernel, x, 0, alone, 0, r, Math.min(rows, r + grain));
            for (int[] range : new int[][] {{0, rows}, {0, 128}, {64, rows}, {5, 150}}) {
                int r0 = range[0] / grain * grain;
                float[] vec = new float[rows];
                MatVec.apply(w.kernel, x, 0, vec, 0, r0, range[1]);
                for (int r = r0; r < range[1]; r++) {
                    assertEquals(
                            Float.floatToRawIntBits(alone[r]),
                            Float.floatToRawIntBits(vec[r]),
                            kind + " row " + r + " in " + r0 + ".." + range[1]);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void applyEachGivesEveryInputApplysBits(Kind kind) {
        // A decode step's rows must not depend on which other rows share it: applyEach against apply per input, bit
        // for bit, for 1 to 9 inputs (whole and partial groups of four), and its scalar twin against the reference.
        Random rnd = new Random(11 + kind.ordinal());
        try (Arena arena = Arena.ofConfined()) {
            for (int trial = 0; trial < 9; trial++) {
                int unit = kind.type.blockSize;
                int cols = unit > 1
                        ? unit * (1 + rnd.nextInt(unit == 256 ? 3 : 8))
                        : trial % 3 == 0
                                ? 1 + rnd.nextInt(300)
                                : trial % 3 == 1 ? 16 * (1 + rnd.nextInt(16)) : 64 * (1 + rnd.nextInt(6));
                int rows = 1 + rnd.nextInt(100);
                int n = 1 + trial;
                Weights w = Weights.random(kind.type, rows, cols, kind.inputMajor, rnd, arena);
                int xStride = cols + rnd.nextInt(3) * 16, outStride = rows + rnd.nextInt(5);
                float[] x = Weights.randomVector(n * xStride, rnd);
                int r0 = rnd.nextInt(rows);
                int r1 = r0 + 1 + rnd.nextInt(rows - r0);

                float[] each = new float[n * outStride];
                float[] one = new float[n * outStride];
                float[] sca = new float[n * outStride];
                java.util.Arrays.fill(each, Float.NaN);
                java.util.Arrays.fill(one, Float.NaN);
                MatVec.applyEach(w.kernel, x, xStride, n, each, outStride, r0, r1);
                MatVec.scalarEach(w.kernel, x, xStride, n, sca, outStride, r0, r1);
                for (int i = 0; i < n; i++) MatVec.apply(w.kernel, x, i * xStride, one, i * outStride, r0, r1);
                for (int i = 0; i < n; i++) {
                    for (int r = 0; r < outStride; r++) {
                        int o = i * outStride + r;
                        String where = kind + " " + rows + "x" + cols + ", input " + i + " of " + n + ", row " + r;
                        if (r < r0 || r >= r1) {
                            assertTrue(Float.isNaN(each[o]), where + " outside the range was written");
                            continue;
                        }
                        assertEquals(Float.floatToRawIntBits(one[o]), Float.floatToRawIntBits(each[o]), where);
                        double tol = 1e-5 * w.absDot(r, x, i * xStride) + 1e-6;
                        assertEquals(w.dot(r, x, i * xStride), sca[o], tol, where + " (scalar)");
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = Kind.class,
            names = {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "IQ4_NL", "IQ4_XS", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void groupedKernelsOnWholePassesHaveTheirScalarTwinsBits(Kind kind) {
        // Whole passes over every row, where a decode step's groups of four inputs write straight to the outputs (a
        // group of three repeating its last input into the same place) and, at 512 bits, take two lane groups per
        // call and read the next pass ahead (4 to 12 inputs: two to six calls per pass share it): random row ranges
        // seldom reach them.
        Random rnd = new Random(17 + kind.ordinal());
        try (Arena arena = Arena.ofConfined()) {
            for (int n : new int[] {4, 7, 8, 12}) {
                int unit = kind.type.blockSize;
                int cols = unit * (1 + rnd.nextInt(unit == 256 ? 3 : 6)), rows = 2 * RowLanes.PASS + rnd.nextInt(20);
                Weights w = Weights.random(kind.type, rows, cols, false, rnd, arena);
                float[] x = Weights.randomVector(n * cols, rnd);
                float[] twin = new float[n * rows], each = new float[n * rows];
                MatVec.applyEach(w.kernel, x, cols, n, each, rows, 0, rows);
                for (int i = 0; i < n; i++) MatVec.scalar(w.kernel, x, i * cols, twin, i * rows, 0, rows);
                for (int o = 0; o < twin.length; o++) {
                    String where = kind + " " + rows + "x" + cols + ", " + n + " inputs, output " + o;
                    assertEquals(Float.floatToRawIntBits(twin[o]), Float.floatToRawIntBits(each[o]), where);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = Kind.class,
            names = {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "IQ4_NL", "IQ4_XS", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void rowsInLanesKernelsHaveTheirScalarTwinsBitsOnAnyRange(Kind kind) {
        // Q8_0's, Q4_0's and the K-quants' kernels read a repack with rows in lanes (Q5_0, Q5_1, IQ4_NL and IQ4_XS
        // Q8_0's, Q4_1 Q4_0's, Q3_K Q6_K's); the twin reads the file's blocks and defines the arithmetic (per block of
        // 32 columns,
        // Q6_K's and
        // Q3_K's of 16, two FMA chains over its columns, then one FMA with the scale, Q4_K and Q5_K one more with the
        // minimum, Q5_1 a chain of minimums added at the end), so each output must be the twin's to the bit, whatever
        // the width, the range's cuts or the inputs beside it.
        Random rnd = new Random(13 + kind.ordinal());
        try (Arena arena = Arena.ofConfined()) {
            for (int trial = 0; trial < 10; trial++) {
                int unit = kind.type.blockSize;
                int cols = unit * (1 + rnd.nextInt(unit == 256 ? 3 : 10)), rows = 1 + rnd.nextInt(trial < 5 ? 70 : 300);
                int n = 1 + rnd.nextInt(9);
                Weights w = Weights.random(kind.type, rows, cols, false, rnd, arena);
                int xStride = cols + rnd.nextInt(3), outStride = rows + rnd.nextInt(3);
                float[] x = Weights.randomVector(n * xStride, rnd);
                int r0 = rnd.nextInt(rows), r1 = r0 + 1 + rnd.nextInt(rows - r0);
                float[] twin = new float[n * outStride],
                        one = new float[n * outStride],
                        each = new float[n * outStride];
                MatVec.applyEach(w.kernel, x, xStride, n, each, outStride, r0, r1);
                for (int i = 0; i < n; i++) {
                    MatVec.scalar(w.kernel, x, i * xStride, twin, i * outStride, r0, r1);
                    MatVec.apply(w.kernel, x, i * xStride, one, i * outStride, r0, r1);
                }
                for (int o = 0; o < twin.length; o++) {
                    String where = kind + " " + rows + "x" + cols + ", rows " + r0 + ".." + r1 + ", " + n
                            + " inputs, output " + o;
                    assertEquals(Float.floatToRawIntBits(twin[o]), Float.floatToRawIntBits(one[o]), where);
                    assertEquals(Float.floatToRawIntBits(twin[o]), Float.floatToRawIntBits(each[o]), where);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void rowsPastTheEndAreRefusedNotRead(Kind kind) {
        // F32's stream reads at absolute addresses after one range check; every kernel must refuse, not read past w.
        try (Arena arena = Arena.ofConfined()) {
            int rows = 40, cols = Math.max(128, kind.type.blockSize);
            Weights w = Weights.random(kind.type, rows, cols, kind.inputMajor, new Random(9), arena);
            float[] x = new float[cols];
            assertThrows(
                    IndexOutOfBoundsException.class,
                    () -> MatVec.apply(w.kernel, x, 0, new float[rows + 8], 0, 0, rows + 1));
            assertThrows(
                    IndexOutOfBoundsException.class,
                    () -> MatVec.apply(w.kernel, x, 0, new float[rows + 8], 0, rows + 2, rows + 3));
        }
    }

    @Test
    void f16ConversionCoversSubnormalsInfinitiesAndNaN() {
        // Every half bit pattern through the vector widening, against Float.float16ToFloat.
        try (Arena arena = Arena.ofConfined()) {
            int n = 1 << 16;
            MemorySegment seg = arena.allocate(2L * n);
            for (int i = 0; i < n; i++) seg.set(Simd.LE_SHORT, 2L * i, (short) i);
            int step = Simd.F.length();
            float[] lanes = new float[step];
            for (int i = 0; i < n; i += step) {
                MatVecF16.toFloat(seg, 2L * i).intoArray(lanes, 0);
                for (int j = 0; j < step; j++) {
                    float expected = Float.float16ToFloat((short) (i + j));
                    assertEquals(
                            Float.floatToIntBits(expected),
                            Float.floatToIntBits(lanes[j]),
                            "half 0x" + Integer.toHexString(i + j));
                }
            }
        }
    }
}
