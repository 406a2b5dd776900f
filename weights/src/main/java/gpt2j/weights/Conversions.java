package gpt2j.weights;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Whole-tensor copies into another type or layout, allocated in a caller-owned arena. */
public final class Conversions {

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int CHUNK = 1 << 16; // a multiple of every block size

    private Conversions() {}

    /** {@code t} itself when it is F32, else an F32 copy with the same name and shape. */
    public static Tensor toF32(Tensor t, Arena arena) {
        if (t.type() == GgmlType.F32) return t;
        long n = t.size();
        MemorySegment out = arena.allocate(n * 4, 64);
        float[] buf = new float[(int) Math.min(n, CHUNK)];
        for (long i = 0; i < n; i += CHUNK) {
            int len = (int) Math.min(CHUNK, n - i);
            Quantizer.dequantizeRow(t.type(), t.data(), t.type().byteSize(i), buf, 0, len);
            MemorySegment.copy(buf, 0, out, F32, i * 4, len);
        }
        return new Tensor(t.name(), GgmlType.F32, t.shape().clone(), out);
    }

    /**
     * {@code m} stored output-major as {@code type} (shape {rows, cols}, one row per output): returned as is when it
     * already is, else converted row by row (an input-major F32 matrix is transposed on the way).
     */
    public static WeightMatrix toOutputMajor(WeightMatrix m, GgmlType type, Arena arena) {
        if (!m.inputMajor() && m.type() == type) return m;
        int rows = m.rows(), cols = m.cols();
        if (cols % type.blockSize != 0) {
            throw new WeightsException("cannot store " + m.tensor().name() + " as " + type + ": its rows of " + cols
                    + " values are not a multiple of " + type.blockSize);
        }
        long rowBytes = type.byteSize(cols);
        MemorySegment out = arena.allocate(rowBytes * rows, 64);
        MemorySegment src = m.tensor().data();
        GgmlType srcType = m.type();
        long srcRowBytes = m.inputMajor() ? 0 : srcType.byteSize(cols);
        // Sequential on purpose: a caller's confined arena cannot be touched from pool threads, and the whole
        // 124M model converts in about a second.
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            if (m.inputMajor()) { // F32 {cols, rows}: output r is column r
                for (int c = 0; c < cols; c++) row[c] = src.get(F32, ((long) c * rows + r) * 4);
            } else {
                Quantizer.dequantizeRow(srcType, src, r * srcRowBytes, row, 0, cols);
            }
            Quantizer.quantizeRow(type, row, 0, cols, out, r * rowBytes);
        }
        Tensor t = new Tensor(m.tensor().name(), type, new long[] {rows, cols}, out);
        return new WeightMatrix(t, rows, cols, false);
    }
}
