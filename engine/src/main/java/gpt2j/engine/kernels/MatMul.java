package gpt2j.engine.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import gpt2j.weights.WeightMatrix;

/**
 * Y = X W^T for a batch of input vectors (the prompt pass). x: (n, cols) row-major, out: (n, rows) row-major.
 * Each call computes output rows [rowStart, rowEnd) of every vector; threading is the caller's. F32 kernels reuse each
 * weight load across {@link #TOKENS} inputs. F16, Q8_0 and Q4_0 rows are dequantized one {@link #ROW_BLOCK} at a time
 * into a float panel that the F32 kernel then runs on: decoding once per block instead of once per token group made
 * the Q8_0 prompt pass faster than decoding in the inner loop (124M pp128, 1 thread: 215-240 -> 290-317 tokens/s).
 */
public final class MatMul {

    /** Input vectors sharing each weight load: four accumulators per weight vector fit the register file. */
    static final int TOKENS = 4;
    /** Output rows whose weights stay cached while all token groups pass over them. */
    static final int ROW_BLOCK = 16;

    private MatMul() {
    }

    /**
     * x holds n vectors of w.cols() floats (vector i at i*cols); out holds n vectors of w.rows() floats (vector i at
     * i*rows). Computes rows [rowStart, rowEnd) of every output vector.
     */
    public static void apply(WeightMatrix w, float[] x, int n, float[] out, int rowStart, int rowEnd) {
        MemorySegment data = w.tensor().data();
        int rows = w.rows();
        int cols = w.cols();
        switch (w.type()) {
            case F32 -> {
                if (w.inputMajor()) MatMulF32InputMajor.apply(data, rows, cols, x, n, out, rowStart, rowEnd);
                else MatMulF32.apply(data, rows, cols, x, n, out, rowStart, rowEnd);
            }
            case F16, Q8_0, Q4_0 -> {
                int n4 = n - n % TOKENS;
                for (int rb = rowStart; rb < rowEnd; rb += ROW_BLOCK) {
                    int re = Math.min(rowEnd, rb + ROW_BLOCK);
                    if (n4 > 0) {
                        MemorySegment panel = panel((long) (re - rb) * cols);
                        switch (w.type()) {
                            case F16 -> MatVecF16.dequantize(data, cols, rb, re, panel);
                            case Q8_0 -> MatVecQ8_0.dequantize(data, cols, rb, re, panel);
                            default -> MatVecQ4_0.dequantize(data, cols, rb, re, panel);
                        }
                        MatMulF32.groups(panel, rb, rows, cols, x, n4, out, rb, re);
                    }
                    for (int t = n4; t < n; t++) MatVec.apply(w, x, t * cols, out, t * rows, rb, re);
                }
            }
            default -> throw new IllegalArgumentException("no mat-mul kernel for " + w.tensor());
        }
    }

    // Per thread: the pool's threads each dequantize their own row blocks.
    private static final ThreadLocal<MemorySegment[]> PANEL = ThreadLocal.withInitial(() -> new MemorySegment[1]);

    /** This thread's scratch for at least {@code floats} floats, grown (never shrunk) as needed. */
    private static MemorySegment panel(long floats) {
        MemorySegment[] holder = PANEL.get();
        MemorySegment p = holder[0];
        if (p == null || p.byteSize() < floats * Float.BYTES) {
            p = Arena.ofAuto().allocate(floats * Float.BYTES, 64);
            holder[0] = p;
        }
        return p;
    }

    /** The scalar twin of {@link #apply}: one scalar mat-vec per input vector. */
    static void scalar(WeightMatrix w, float[] x, int n, float[] out, int rowStart, int rowEnd) {
        int cols = w.cols();
        int rows = w.rows();
        for (int t = 0; t < n; t++) MatVec.scalar(w, x, t * cols, out, t * rows, rowStart, rowEnd);
    }
}
