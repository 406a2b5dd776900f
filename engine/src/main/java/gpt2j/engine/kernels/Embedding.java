package gpt2j.engine.kernels;

import static gpt2j.engine.kernels.Simd.LE_FLOAT;
import static gpt2j.engine.kernels.Simd.LE_SHORT;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import gpt2j.weights.Quantizer;
import gpt2j.weights.Tensor;
import java.lang.foreign.MemorySegment;

/** Row lookup in an embedding table (one row per token or position), decoded to floats. */
public final class Embedding {

    private Embedding() {}

    /** Copies row {@code row} of a tensor of any type gpt2j reads of shape {rows, n} into out[outOff, outOff + n). */
    public static void row(Tensor t, int row, float[] out, int outOff) {
        int n = Math.toIntExact(t.dim(1));
        if (row < 0 || row >= t.dim(0)) {
            throw new IndexOutOfBoundsException("row " + row + " outside " + t);
        }
        MemorySegment d = t.data();
        long base = row * t.type().byteSize(n);
        switch (t.type()) {
            case F32 -> MemorySegment.copy(d, LE_FLOAT, base, out, outOff, n);
            case F16 -> {
                for (int i = 0; i < n; i++) out[outOff + i] = Float.float16ToFloat(d.get(LE_SHORT, base + 2L * i));
            }
            case Q8_0 -> {
                for (int b = 0; b < n / 32; b++) {
                    long block = base + 34L * b;
                    float scale = Float.float16ToFloat(d.get(LE_SHORT, block));
                    for (int j = 0; j < 32; j++) out[outOff + 32 * b + j] = d.get(JAVA_BYTE, block + 2 + j) * scale;
                }
            }
            case Q4_0 -> {
                for (int b = 0; b < n / 32; b++) {
                    long block = base + 18L * b;
                    float scale = Float.float16ToFloat(d.get(LE_SHORT, block));
                    for (int j = 0; j < 16; j++) {
                        int q = d.get(JAVA_BYTE, block + 2 + j);
                        out[outOff + 32 * b + j] = ((q & 0xF) - 8) * scale;
                        out[outOff + 32 * b + j + 16] = (((q >> 4) & 0xF) - 8) * scale;
                    }
                }
            }
            default -> Quantizer.dequantizeRow(t.type(), d, base, out, outOff, n);
        }
    }
}
