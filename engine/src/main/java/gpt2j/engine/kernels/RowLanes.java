package gpt2j.engine.kernels;

import static gpt2j.engine.kernels.Simd.F;

import gpt2j.weights.GgmlType;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The repack shared by Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, IQ4_NL, IQ4_XS, Q3_K, Q4_K, Q5_K and Q6_K ({@link KernelMatrix}),
 * with weight rows in vector lanes, and the loops that run their kernels over any row range and any number of inputs.
 * A lane group is {@link #LANES} rows (one float vector), a pass four lane groups ({@link #PASS} rows); for each pass
 * and block of 32 columns the repack holds the block's columns one after another, a column being the pass's quants
 * (Q8_0, Q5_0, Q5_1, IQ4_NL and IQ4_XS one byte per row, Q4_0 and Q4_1 one byte per row for two columns), then the
 * pass's PASS scales as floats (the K-quants, and Q3_K in Q6_K's layout: after each 16 columns, Q5_K 32, the pass's
 * scales as bytes, Q5_K's minimums too, and floats per row and 256 columns, {@link MatVecQ6_K#repack},
 * {@link MatVecQ5_K#repack}). A column widens to a vector that multiplies one broadcast input value: one FMA per weight
 * and input, a block's scale once per lane group instead of once per row, no sum across lanes, and a decode step's
 * inputs share each widening. The kernels of a pass are the types' own ({@link MatVecQ8_0} also Q5_0's, Q5_1's and
 * the IQ4 types', {@link MatVecQ4_0} also Q4_1's, the minimums of Q5_1 and Q4_1 added by
 * {@link MatVecQ5_1#addMinimums}, {@link MatVecQ4_K}, {@link MatVecQ5_K}, {@link MatVecQ6_K} also Q3_K's); every output
 * has its type's scalar twin's bits, whatever the range's cuts or the inputs beside it.
 */
final class RowLanes {

    /** Rows of a lane group: one float vector's lanes. */
    static final int LANES = F.length();

    /** Rows of a pass, the repack's unit: four lane groups, so four independent FMA chains per column. */
    static final int PASS = 4 * LANES;

    /**
     * The bytes one load takes: a lane group's column (16 at 512 bits, 8 at 256). At 128 bits (4 lanes) no byte vector
     * is that short: each load takes 8 bytes and widens the first 4 (part 0), the next lane group's column unused, and
     * {@link #TAIL} keeps the last one inside the array. Widening both halves of one load instead (part 1 is a
     * shuffle more) made one-token Q8_0 1.2-1.5x slower at 128 bits (docs/KERNELS.md).
     */
    static final VectorSpecies<Byte> Q =
            VectorShape.forBitSize(Math.max(64, LANES * Byte.SIZE)).withLanes(byte.class);

    /** Lane groups' columns per load of Q: 2 at 128 bits, where the prompt's panel decode widens both halves. */
    static final int PARTS = Q.length() / LANES;

    /**
     * Whether a decode step's four inputs take two lane groups per call (each type's {@code group4x2}, e.g.
     * {@link MatVecQ8_0#group4x2}): sixteen FMA chains and their weights need the 32 vector registers of AVX-512; with
     * 16 they would spill.
     */
    static final boolean PAIRS = LANES >= 16;

    /** Bytes after the last column, so that a load of Q's length at the last lane group stays inside the array. */
    static final int TAIL = Q.length() - LANES;

    private RowLanes() {}

    // Where the read-ahead's bytes go: a load whose result is never used is removed by C2. Written by every thread
    // without order, never read.
    private static int sink;

    /**
     * Keeps a kernel's read-ahead loads. At eight inputs a pass's first call reads every line of the pass and the other
     * three find it in cache; Java has no prefetch instruction, and the hardware prefetcher runs only a few lines ahead
     * of the reads, so the first call waited on memory while the others never did. Reading the next pass a little per
     * column pair overlaps the two: 2304x768 Q8_0 from memory, one thread, 63 -> 73 GFLOP/s (docs/KERNELS.md).
     */
    static void touched(int sum) {
        sink += sum;
    }

    /** rows rounded up to whole passes: the repack's rows, the padding all zero. */
    static int paddedRows(int rows) {
        return (rows + PASS - 1) / PASS * PASS;
    }

    /**
     * Whether m is repacked this way: Q8_0, Q4_0 and the K-quants always, Q5_0 and Q5_1 (as Q8_0) where the heap had
     * room.
     */
    static boolean holds(KernelMatrix m) {
        return switch (m.type()) {
            case Q8_0, Q4_0, Q4_1, Q4_K, Q5_K, Q6_K -> true;
            case Q3_K, Q5_0, Q5_1, IQ4_NL, IQ4_XS -> m.quants() != null;
            default -> false;
        };
    }

    /** The repack's blocks per row: Q8_0's and Q4_0's of 32 columns, the K-quants' of 256. */
    private static int blocks(GgmlType type, int cols) {
        return cols / (kQuant(type) ? 256 : 32);
    }

    /** Q4_K's, Q5_K's, Q5_1's and Q4_1's minimums, which meet the sums of x over each 32 columns. */
    private static boolean minimums(GgmlType type) {
        return type == GgmlType.Q4_K || type == GgmlType.Q5_K || type == GgmlType.Q5_1 || type == GgmlType.Q4_1;
    }

    /**
     * Q5_1's and Q4_1's minimums, one per 32 columns and row: a chain of its own over the sums of x, added to what the
     * pass's kernel wrote ({@link MatVecQ5_1#addMinimums}); the K-quants' are inside their kernels.
     */
    private static boolean blockMinimums(GgmlType type) {
        return type == GgmlType.Q5_1 || type == GgmlType.Q4_1;
    }

    private static boolean kQuant(GgmlType type) {
        return type == GgmlType.Q3_K || type == GgmlType.Q4_K || type == GgmlType.Q5_K || type == GgmlType.Q6_K;
    }

    /** out[outOff + r] = row r of m (repacked this way) times x[xOff ..], for r in [rowStart, rowEnd). */
    static void apply(KernelMatrix m, float[] x, int xOff, float[] out, int outOff, int rowStart, int rowEnd) {
        int blocks = blocks(m.type(), m.cols());
        // The minimums meet the sums of x over each 32 columns, taken once here.
        float[] sums = minimums(m.type()) ? MatVecQ4_K.negatedSubBlockSums(x, xOff, m.cols(), 32) : null;
        // Where the kernel allows, the whole passes go as two streams through the repack, the first half's side by
        // side with the second's: one core reads memory faster from two streams than from one (docs/KERNELS.md).
        int first = (rowStart + PASS - 1) / PASS, half = twoStreams(m.type()) ? (rowEnd / PASS - first) / 2 : 0;
        for (int p = first; p < first + half; p++) {
            pass2(m, blocks, x, xOff, sums, p, p + half, out, outOff + p * PASS, outOff + (p + half) * PASS);
        }
        for (int p = rowStart / PASS; p * PASS < rowEnd; p++) {
            if (p < first || p >= first + 2 * half) onePass(m, blocks, x, xOff, sums, p, out, outOff, rowStart, rowEnd);
        }
    }

    /** Where {@link #apply} reads two passes side by side: the kernels that have a pass2, with 32 vector registers. */
    private static boolean twoStreams(GgmlType type) {
        return MatMulF32.VECTORS == 4
                && switch (type) {
                    case Q8_0, Q5_0, Q5_1, IQ4_NL, IQ4_XS, Q4_0, Q4_1, Q6_K, Q3_K -> true;
                    default -> false;
                };
    }

    /** Pass p's rows inside [rowStart, rowEnd) of {@link #apply}. */
    private static void onePass(
            KernelMatrix m,
            int blocks,
            float[] x,
            int xOff,
            float[] sums,
            int p,
            float[] out,
            int outOff,
            int rowStart,
            int rowEnd) {
        int r0 = p * PASS;
        if (r0 >= rowStart && r0 + PASS <= rowEnd) {
            pass(m, blocks, x, xOff, sums, 0, p, out, outOff + r0);
        } else { // a pass the range cuts: computed whole, then its rows inside the range copied
            float[] t = SCRATCH.get();
            pass(m, blocks, x, xOff, sums, 0, p, t, 0);
            for (int r = Math.max(r0, rowStart), end = Math.min(r0 + PASS, rowEnd); r < end; r++)
                out[outOff + r] = t[r - r0];
        }
    }

    /**
     * {@link #apply} for n inputs at once, {@code x[i * xStride ..]} into {@code out[i * outStride + r]}, each output with
     * apply's bits. Pass by pass, so that a pass's quants stay in cache while every input meets them: four inputs at a
     * time share each column's widening (a last group of three repeats its last input: the same numbers written
     * twice), and one or two inputs left over take apply's kernel (a group of four costs about two one-input passes).
     */
    static void applyEach(
            KernelMatrix m, float[] x, int xStride, int n, float[] out, int outStride, int rowStart, int rowEnd) {
        GgmlType type = m.type();
        byte[] quants = m.quants();
        float[] scales = m.scales();
        int blocks = blocks(type, m.cols()), per = m.cols() / 32;
        float[] sums = minimums(type) ? MatVecQ4_K.negatedSubBlockSums(x, 0, xStride, n, m.cols(), 32) : null;
        boolean blockMinimums = blockMinimums(type);
        int grouped = n % 4 == 3 ? n : n - n % 4;
        // The read-ahead of Q8_0's, Q4_K's and Q5_K's two-lane-group calls: each reads one byte per stride of its share
        // of the next pass, so that the next pass streams from memory while this one computes (see touched). Q4_0
        // gained nothing from it and Q6_K lost (docs/KERNELS.md).
        int passes = paddedRows(m.rows()) / PASS, passBytes = (quants.length - TAIL) / passes;
        int calls = Math.max(1, (grouped + 3) / 4 * 2), stride = passBytes / (calls * (m.cols() / 2));
        int share = stride * (m.cols() / 2);
        float[] t = SCRATCH.get();
        for (int p = rowStart / PASS; p * PASS < rowEnd; p++) {
            int r0 = p * PASS;
            boolean whole = r0 >= rowStart && r0 + PASS <= rowEnd;
            int lo = Math.max(r0, rowStart), hi = Math.min(r0 + PASS, rowEnd);
            int next = (p + 1 < passes ? p + 1 : p) * passBytes; // the last pass reads itself again
            for (int g = 0; g < grouped; g += 4) {
                int i1 = Math.min(g + 1, n - 1), i2 = Math.min(g + 2, n - 1), i3 = Math.min(g + 3, n - 1);
                for (int k = 0; k < 4; k++) {
                    int r = r0 + k * LANES;
                    if (!whole && (r >= hi || r + LANES <= lo)) continue;
                    // A cut lane group goes to the scratch first, then its rows inside the range to out.
                    float[] dst = whole ? out : t;
                    int d0 = whole ? g * outStride + r : 0, d1 = whole ? i1 * outStride + r : LANES;
                    int d2 = whole ? i2 * outStride + r : 2 * LANES, d3 = whole ? i3 * outStride + r : 3 * LANES;
                    int x0 = g * xStride, x1 = i1 * xStride, x2 = i2 * xStride, x3 = i3 * xStride;
                    int ahead = next + (g / 4 * 2 + k / 2) * share;
                    // Every type takes lane groups k and k + 1 in one call on whole passes where 32 vectors fit.
                    boolean pair = PAIRS && whole;
                    switch (type) {
                        case Q4_0, Q4_1 -> { // Q4_1 as Q4_0 plus a minimum per block
                            if (pair) {
                                MatVecQ4_0.group4x2(
                                        quants, scales, blocks, x, x0, x1, x2, x3, p, k, dst, d0, d1, d2, d3);
                            } else {
                                MatVecQ4_0.group4(quants, scales, blocks, x, x0, x1, x2, x3, p, k, dst, d0, d1, d2, d3);
                            }
                        }
                        case Q6_K, Q3_K -> { // Q3_K repacked in Q6_K's layout
                            if (pair) {
                                MatVecQ6_K.group4x2(
                                        quants, scales, blocks, x, x0, x1, x2, x3, p, k, dst, d0, d1, d2, d3);
                            } else {
                                MatVecQ6_K.group4(quants, scales, blocks, x, x0, x1, x2, x3, p, k, dst, d0, d1, d2, d3);
                            }
                        }
                        case Q4_K -> {
                            if (pair) {
                                MatVecQ4_K.group4x2(
                                        quants, scales, m.mins(), blocks, x, x0, x1, x2, x3, sums, g * per, i1 * per,
                                        i2 * per, i3 * per, p, k, dst, d0, d1, d2, d3, ahead, stride);
                            } else {
                                MatVecQ4_K.group4(
                                        quants, scales, m.mins(), blocks, x, x0, x1, x2, x3, sums, g * per, i1 * per,
                                        i2 * per, i3 * per, p, k, dst, d0, d1, d2, d3);
                            }
                        }
                        case Q5_K -> {
                            if (pair) {
                                MatVecQ5_K.group4x2(
                                        quants, scales, m.mins(), blocks, x, x0, x1, x2, x3, sums, g * per, i1 * per,
                                        i2 * per, i3 * per, p, k, dst, d0, d1, d2, d3, ahead, stride);
                            } else {
                                MatVecQ5_K.group4(
                                        quants, scales, m.mins(), blocks, x, x0, x1, x2, x3, sums, g * per, i1 * per,
                                        i2 * per, i3 * per, p, k, dst, d0, d1, d2, d3);
                            }
                        }
                        default -> {
                            if (pair) {
                                MatVecQ8_0.group4x2(
                                        quants, scales, blocks, x, x0, x1, x2, x3, p, k, dst, d0, d1, d2, d3, ahead,
                                        stride);
                            } else {
                                MatVecQ8_0.group4(quants, scales, blocks, x, x0, x1, x2, x3, p, k, dst, d0, d1, d2, d3);
                            }
                        }
                    }
                    if (blockMinimums) { // added to what the kernel wrote
                        for (int h = 0, e = 0; h < (pair ? 2 : 1); h++, e += LANES) {
                            addMinimums(
                                    m, blocks, sums, per, g, i1, i2, i3, p, k + h, dst, d0 + e, d1 + e, d2 + e, d3 + e);
                        }
                    }
                    if (pair) k++; // lane group k + 1 is done too (a whole pass: nothing to copy)
                    if (!whole) {
                        for (int rr = Math.max(r, lo), end = Math.min(r + LANES, hi); rr < end; rr++) {
                            out[g * outStride + rr] = t[rr - r];
                            out[i1 * outStride + rr] = t[LANES + rr - r];
                            out[i2 * outStride + rr] = t[2 * LANES + rr - r];
                            out[i3 * outStride + rr] = t[3 * LANES + rr - r];
                        }
                    }
                }
            }
            for (int i = grouped; i < n; i++) {
                pass(m, blocks, x, i * xStride, sums, i * per, p, whole ? out : t, whole ? i * outStride + r0 : 0);
                if (!whole) for (int r = lo; r < hi; r++) out[i * outStride + r] = t[r - r0];
            }
        }
    }

    /**
     * The block minimums (Q5_1's, Q4_1's) for a group's four outputs of lane group k. A group of three repeats its last input, and where
     * that input's two outputs are the same place (d3 == d2) it gets its minimums once, not twice.
     */
    private static void addMinimums(
            KernelMatrix m,
            int blocks,
            float[] sums,
            int per,
            int i0,
            int i1,
            int i2,
            int i3,
            int p,
            int k,
            float[] dst,
            int d0,
            int d1,
            int d2,
            int d3) {
        float[] mins = m.mins();
        MatVecQ5_1.addMinimums(mins, blocks, sums, i0 * per, p, k, dst, d0);
        MatVecQ5_1.addMinimums(mins, blocks, sums, i1 * per, p, k, dst, d1);
        MatVecQ5_1.addMinimums(mins, blocks, sums, i2 * per, p, k, dst, d2);
        if (d3 != d2) MatVecQ5_1.addMinimums(mins, blocks, sums, i3 * per, p, k, dst, d3);
    }

    private static void pass(
            KernelMatrix m, int blocks, float[] x, int xOff, float[] sums, int s0, int p, float[] dst, int d0) {
        byte[] q = m.quants();
        float[] scales = m.scales();
        switch (m.type()) {
            case Q4_0, Q4_1 -> MatVecQ4_0.pass(q, scales, blocks, x, xOff, p, dst, d0);
            case Q4_K -> MatVecQ4_K.pass(q, scales, m.mins(), blocks, x, xOff, sums, s0, p, dst, d0);
            case Q5_K -> MatVecQ5_K.pass(q, scales, m.mins(), blocks, x, xOff, sums, s0, p, dst, d0);
            case Q6_K, Q3_K -> MatVecQ6_K.pass(q, scales, blocks, x, xOff, p, dst, d0);
            default -> MatVecQ8_0.pass(q, scales, blocks, x, xOff, p, dst, d0); // also Q5_0, Q5_1, IQ4_NL, IQ4_XS
        }
        addMinimums(m, blocks, sums, s0, p, dst, d0);
    }

    /** {@link #pass} for passes p and p2 of a {@link #twoStreams} type at once, into dst[d0 ..] and dst[d2 ..]. */
    private static void pass2(
            KernelMatrix m, int blocks, float[] x, int xOff, float[] sums, int p, int p2, float[] dst, int d0, int d2) {
        switch (m.type()) {
            case Q4_0, Q4_1 -> MatVecQ4_0.pass2(m.quants(), m.scales(), blocks, x, xOff, p, p2, dst, d0, d2);
            case Q6_K, Q3_K -> MatVecQ6_K.pass2(m.quants(), m.scales(), blocks, x, xOff, p, p2, dst, d0, d2);
            default -> MatVecQ8_0.pass2(m.quants(), m.scales(), blocks, x, xOff, p, p2, dst, d0, d2);
        }
        addMinimums(m, blocks, sums, 0, p, dst, d0);
        addMinimums(m, blocks, sums, 0, p2, dst, d2);
    }

    /** Q5_1's and Q4_1's block minimums times the sums of x, added to pass p's outputs at dst[d0 ..]. */
    private static void addMinimums(KernelMatrix m, int blocks, float[] sums, int s0, int p, float[] dst, int d0) {
        if (!blockMinimums(m.type())) return;
        for (int k = 0; k < 4; k++) MatVecQ5_1.addMinimums(m.mins(), blocks, sums, s0, p, k, dst, d0 + k * LANES);
    }

    // Per thread: a pass's outputs where a row range cuts it.
    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[PASS]);
}
