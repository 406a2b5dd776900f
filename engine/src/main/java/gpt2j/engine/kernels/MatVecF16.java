package gpt2j.engine.kernels;

import static gpt2j.engine.kernels.Simd.F;
import static gpt2j.engine.kernels.Simd.LE_SHORT;
import static java.nio.ByteOrder.LITTLE_ENDIAN;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * F16 output-major mat-vec: w is (rows, cols) of IEEE half floats; out[r] = w[r] . x.
 * JDK 25's Vector API has no half-to-float lane conversion, so halves are widened with integer ops:
 * <pre>
 * half  s eeeee mmmmmmmmmm             (sign-extended to 32 bits by S2I, so bit 31 already holds s)
 * float s 000eeeee mmmmmmmmmm 0000000000000   = (h & 0x7fff) << 13, then * 2^112 rebiases the exponent
 * </pre>
 * The multiply also turns half subnormals into the right normal floats. Exponent 31 (inf/NaN) gets the float's
 * all-ones exponent instead.
 */
final class MatVecF16 {

    static final VectorSpecies<Short> S =
            VectorShape.forBitSize(F.length() * Short.SIZE).withLanes(short.class);
    static final VectorSpecies<Integer> I = F.vectorShape().withLanes(int.class);
    private static final float REBIAS = 0x1p112f;

    private MatVecF16() {}

    static void apply(
            MemorySegment w, int cols, float[] x, int xOff, float[] out, int outOff, int rowStart, int rowEnd) {
        int step = F.length();
        int bound = F.loopBound(cols);
        for (int r = rowStart; r < rowEnd; r++) {
            long row = (long) r * cols * Short.BYTES;
            FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F);
            int c = 0;
            for (; c + 2 * step <= bound; c += 2 * step) {
                long o = row + (long) c * Short.BYTES;
                a0 = toFloat(w, o).fma(FloatVector.fromArray(F, x, xOff + c), a0);
                a1 = toFloat(w, o + 2L * step).fma(FloatVector.fromArray(F, x, xOff + c + step), a1);
            }
            for (; c < bound; c += step) {
                a0 = toFloat(w, row + (long) c * Short.BYTES).fma(FloatVector.fromArray(F, x, xOff + c), a0);
            }
            float acc = Simd.sum(a0.add(a1));
            for (; c < cols; c++)
                acc += Float.float16ToFloat(w.get(LE_SHORT, row + (long) c * Short.BYTES)) * x[xOff + c];
            out[outOff + r] = acc;
        }
    }

    /** F.length() halves at byte offset o, as floats. */
    static FloatVector toFloat(MemorySegment w, long o) {
        IntVector h = (IntVector)
                ShortVector.fromMemorySegment(S, w, o, LITTLE_ENDIAN).convertShape(VectorOperators.S2I, I, 0);
        IntVector em = h.and(0x7fff);
        IntVector bits = ((FloatVector) em.lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats())
                .mul(REBIAS)
                .reinterpretAsInts();
        VectorMask<Integer> infNan = em.compare(VectorOperators.GE, 0x7c00);
        bits = bits.blend(em.lanewise(VectorOperators.LSHL, 13).or(0x7f800000), infNan);
        return (FloatVector) bits.or(h.and(0x80000000)).reinterpretAsFloats();
    }

    /** Rows [r0, r1) of w as floats, row-major from panel[o0] on (the batched kernel's input). */
    static void dequantize(MemorySegment w, int cols, int r0, int r1, float[] panel, int o0) {
        int step = F.length();
        int bound = F.loopBound(cols);
        int o = o0;
        for (int r = r0; r < r1; r++) {
            long row = (long) r * cols * Short.BYTES;
            int c = 0;
            for (; c < bound; c += step, o += step)
                toFloat(w, row + (long) c * Short.BYTES).intoArray(panel, o);
            for (; c < cols; c++, o++) panel[o] = Float.float16ToFloat(w.get(LE_SHORT, row + (long) c * Short.BYTES));
        }
    }

    /** The scalar twin of {@link #apply}. */
    static void scalar(
            MemorySegment w, int cols, float[] x, int xOff, float[] out, int outOff, int rowStart, int rowEnd) {
        for (int r = rowStart; r < rowEnd; r++) {
            long row = (long) r * cols * Short.BYTES;
            float acc = 0f;
            for (int c = 0; c < cols; c++) {
                acc += Float.float16ToFloat(w.get(LE_SHORT, row + (long) c * Short.BYTES)) * x[xOff + c];
            }
            out[outOff + r] = acc;
        }
    }
}
