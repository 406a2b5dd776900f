package gpt2j.engine.kernels;

import gpt2j.weights.GgmlType;
import gpt2j.weights.Quantizer;
import gpt2j.weights.Tensor;
import gpt2j.weights.WeightMatrix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;

/**
 * Random test matrices encoded straight from the ggml block layouts, together with the exact values they decode to
 * (computed here from the format definitions, not by the kernels), so kernels can be checked against a double-precision
 * reference.
 */
final class Weights {

    final WeightMatrix matrix;
    /** matrix as the kernels take it (for Q4_0, with its scales converted by the code under test). */
    final KernelMatrix kernel;
    /** values[r][c] = W[r][c] in output-major terms, whatever the storage layout. */
    final double[][] values;

    private Weights(WeightMatrix matrix, double[][] values) {
        this.matrix = matrix;
        this.kernel = KernelMatrix.of(matrix);
        this.values = values;
    }

    private static final ValueLayout.OfShort SHORT =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** A rows x cols matrix of the given type; inputMajor only for F32. Native memory from {@code arena}. */
    static Weights random(GgmlType type, int rows, int cols, boolean inputMajor, Random rnd, Arena arena) {
        long[] shape = inputMajor ? new long[] {cols, rows} : new long[] {rows, cols};
        MemorySegment seg = arena.allocate(type.byteSize((long) rows * cols), 64);
        double[][] v = new double[rows][cols];
        switch (type) {
            case F32 -> {
                for (int r = 0; r < rows; r++) {
                    for (int c = 0; c < cols; c++) {
                        float f = (float) rnd.nextGaussian();
                        v[r][c] = f;
                        long i = inputMajor ? (long) c * rows + r : (long) r * cols + c;
                        seg.set(FLOAT, 4 * i, f);
                    }
                }
            }
            case F16 -> {
                for (int r = 0; r < rows; r++) {
                    for (int c = 0; c < cols; c++) {
                        short h = Float.floatToFloat16((float) rnd.nextGaussian());
                        v[r][c] = Float.float16ToFloat(h);
                        seg.set(SHORT, 2 * ((long) r * cols + c), h);
                    }
                }
            }
            case Q8_0 -> {
                long o = 0;
                for (int r = 0; r < rows; r++) {
                    for (int b = 0; b < cols / 32; b++, o += 34) {
                        short d = Float.floatToFloat16(rnd.nextFloat() * 0.02f + 0.001f);
                        seg.set(SHORT, o, d);
                        for (int j = 0; j < 32; j++) {
                            byte q = (byte) (rnd.nextInt(255) - 127);
                            seg.set(ValueLayout.JAVA_BYTE, o + 2 + j, q);
                            v[r][32 * b + j] = q * (double) Float.float16ToFloat(d);
                        }
                    }
                }
            }
            case Q4_0 -> {
                long o = 0;
                for (int r = 0; r < rows; r++) {
                    for (int b = 0; b < cols / 32; b++, o += 18) {
                        short d = Float.floatToFloat16(rnd.nextFloat() * 0.1f + 0.01f);
                        seg.set(SHORT, o, d);
                        for (int j = 0; j < 16; j++) {
                            int lo = rnd.nextInt(16);
                            int hi = rnd.nextInt(16);
                            seg.set(ValueLayout.JAVA_BYTE, o + 2 + j, (byte) (lo | hi << 4));
                            v[r][32 * b + j] = (lo - 8) * (double) Float.float16ToFloat(d);
                            v[r][32 * b + j + 16] = (hi - 8) * (double) Float.float16ToFloat(d);
                        }
                    }
                }
            }
            default -> {
                // Random quant bytes with small finite fp16 fields (scales, minimums); the values are what the weights
                // module's dequantizer makes of them, itself checked value for value against llama.cpp's gguf-py.
                byte[] bytes = new byte[(int) seg.byteSize()];
                rnd.nextBytes(bytes);
                MemorySegment.copy(MemorySegment.ofArray(bytes), 0, seg, 0, bytes.length);
                for (long o = 0; o < bytes.length; o += type.bytesPerBlock) {
                    for (int h : halves(type))
                        seg.set(SHORT, o + h, Float.floatToFloat16((rnd.nextFloat() - 0.3f) * 0.01f));
                }
                float[] row = new float[cols];
                for (int r = 0; r < rows; r++) {
                    Quantizer.dequantizeRow(type, seg, r * type.byteSize(cols), row, 0, cols);
                    for (int c = 0; c < cols; c++) v[r][c] = row[c];
                }
            }
        }
        return new Weights(new WeightMatrix(new Tensor("w", type, shape, seg), rows, cols, inputMajor), v);
    }

    /** Byte offsets of a block's fp16 fields (ggml-common.h). */
    private static int[] halves(GgmlType type) {
        return switch (type) {
            case Q4_1, Q5_1, Q4_K, Q5_K -> new int[] {0, 2};
            case Q5_0, IQ4_NL, IQ4_XS -> new int[] {0};
            case Q2_K -> new int[] {80, 82};
            case Q3_K -> new int[] {108};
            case Q6_K -> new int[] {208};
            default -> throw new IllegalArgumentException(type.name());
        };
    }

    static float[] randomVector(int n, Random rnd) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) rnd.nextGaussian();
        return x;
    }

    /** sum_c values[r][c] * x[xOff + c] in double precision. */
    double dot(int r, float[] x, int xOff) {
        double s = 0;
        for (int c = 0; c < values[r].length; c++) s += values[r][c] * x[xOff + c];
        return s;
    }

    /** sum_c |values[r][c] * x[xOff + c]|: the scale float rounding errors are relative to. */
    double absDot(int r, float[] x, int xOff) {
        double s = 0;
        for (int c = 0; c < values[r].length; c++) s += Math.abs(values[r][c] * x[xOff + c]);
        return s;
    }
}
