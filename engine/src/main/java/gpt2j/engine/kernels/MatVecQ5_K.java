package gpt2j.engine.kernels;

import static gpt2j.engine.kernels.Simd.F;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static jdk.incubator.vector.VectorOperators.B2F;

import gpt2j.weights.BlockFormats;
import gpt2j.weights.GgmlType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q5_K: each row is cols/256 blocks of 176 bytes, {fp16 d, dmin; uint8 scales[12]; uint8 qh[32]; uint8 qs[128]} (ggml
 * block_q5_K): {@link MatVecQ4_K}'s layout plus a fifth bit per value, bit 2g (low nibbles) or 2g+1 (high nibbles) of
 * qh[l] for the g-th 32 bytes of qs; 8 sub-blocks of 32 with 6-bit scales sc and mins m. value = d * sc * q - dmin * m.
 * cols must be a multiple of 256. Generation reads {@link RowLanes}' layout, which {@link #repack} makes at load: a
 * column is the pass's quants (0-31), one byte per row; after each 32 columns come the pass's sc and m for them, a byte
 * per row each, and d and dmin are floats per row and 256 columns (1.6x the file). The kernels of a pass
 * ({@link #pass}, {@link #group4}) compute each row as {@link #scalar} does: per 32 columns an FMA chain over the even
 * ones and one over the odd, then acc = fma(even + odd, d * sc, acc) and acc = fma(dmin * m, -(sum of x over the 32
 * columns), acc), the sums taken once per input ({@link MatVecQ4_K#negatedSubBlockSums}). The prompt pass decodes the
 * file's blocks ({@link #dequantize}).
 */
final class MatVecQ5_K {

    static final int BLOCK = GgmlType.Q5_K.blockSize;
    static final int BLOCK_BYTES = GgmlType.Q5_K.bytesPerBlock;

    /** Columns per scale and minimum. */
    static final int SUB = 32;

    static final int SUBS = BLOCK / SUB;

    /** Bytes of the repack per row and sub-block: the quants, then sc and m. */
    static final int GROUP = SUB + 2;

    /** Bytes of the repack per row and block. */
    static final int UNIT = SUBS * GROUP;

    private static final int LANES = RowLanes.LANES, PASS = RowLanes.PASS;
    private static final VectorSpecies<Byte> Q = RowLanes.Q;

    private MatVecQ5_K() {}

    /** The 256 5-bit quants of the block at {@code src[at..]}, one byte each in row order, into {@code q[o..]}. */
    static void unpack(byte[] src, int at, byte[] q, int o) {
        for (int g = 0; g < 4; g++) {
            int p = o + 64 * g;
            for (int l = 0; l < 32; l += 8) {
                long qs = Bytes8.get(src, at + 48 + 32 * g + l), h = Bytes8.get(src, at + 16 + l);
                Bytes8.set(q, p + l, qs & Bytes8.NIBBLES | (h >>> 2 * g & Bytes8.BIT0) << 4);
                Bytes8.set(q, p + l + 32, qs >>> 4 & Bytes8.NIBBLES | (h >>> 2 * g + 1 & Bytes8.BIT0) << 4);
            }
        }
    }

    /**
     * Fills the repack from the file's rows. Per pass p (rows PASS p ..) and 256-column block b, unit u = p * blocks + b
     * holds UNIT * PASS bytes from quants[u * UNIT * PASS]: per sub-block j its 32 columns, column c at (34 j + c) *
     * PASS + r % PASS, then sc[j] at (34 j + 32) * PASS + r % PASS and m[j] at (34 j + 33) * PASS + r % PASS, so that
     * the kernels read one stream; d and dmin are scales and mins[u * PASS + r % PASS]. The kernels make d * sc and
     * dmin * m, exact in float (an 11-bit significand times a 6-bit integer). The padding rows stay zero.
     */
    static void repack(MemorySegment w, int rows, int cols, byte[] quants, float[] scales, float[] mins) {
        int blocks = cols / BLOCK, rowBytes = blocks * BLOCK_BYTES;
        byte[] src = new byte[PASS * rowBytes], q = new byte[BLOCK];
        for (int p = 0; p * PASS < rows; p++) {
            int n = Math.min(PASS, rows - p * PASS);
            MemorySegment.copy(w, JAVA_BYTE, (long) p * PASS * rowBytes, src, 0, n * rowBytes);
            for (int l = 0; l < n; l++) {
                for (int b = 0, at = l * rowBytes; b < blocks; b++, at += BLOCK_BYTES) {
                    unpack(src, at, q, 0);
                    int unit = p * blocks + b, base = unit * UNIT * PASS + l;
                    scales[unit * PASS + l] = Bytes8.half(src, at);
                    mins[unit * PASS + l] = Bytes8.half(src, at + 2);
                    for (int j = 0; j < SUBS; j++) {
                        int o = base + j * GROUP * PASS;
                        for (int c = 0; c < SUB; c++, o += PASS) quants[o] = q[SUB * j + c];
                        quants[o] = (byte) BlockFormats.scaleK4(src, at + 4, j);
                        quants[o + PASS] = (byte) BlockFormats.minK4(src, at + 4, j);
                    }
                }
            }
        }
    }

    /*
     * The kernels below are MatVecQ6_K's with 32-column sub-blocks and a minimum, written out in full for the same
     * reason (no helper takes or returns a vector: docs/PERFORMANCE.md, "slow processes").
     */

    /** Pass p's PASS rows times x into dst[d0 ..]; s holds x's negated sums from s0 (MatVecQ4_K.negatedSubBlockSums). */
    static void pass(
            byte[] q,
            float[] scales,
            float[] mins,
            int blocks,
            float[] x,
            int xOff,
            float[] s,
            int s0,
            int p,
            float[] dst,
            int d0) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int b = 0, unit = p * blocks; b < blocks; b++, unit++) {
            int base = unit * UNIT * PASS, f = unit * PASS;
            for (int g = 0; g < SUBS; g++) {
                // e*: the even columns' chains of the four lane groups, o*: the odd columns'.
                FloatVector e0 = FloatVector.zero(F), e1 = e0, e2 = e0, e3 = e0, o0 = e0, o1 = e0, o2 = e0, o3 = e0;
                int xs = xOff + b * BLOCK + g * SUB;
                for (int j = 0, c = base + g * GROUP * PASS; j < SUB; j += 2, c += 2 * PASS) {
                    FloatVector xe = FloatVector.broadcast(F, x[xs + j]), xo = FloatVector.broadcast(F, x[xs + j + 1]);
                    int d = c + PASS;
                    e0 = ((FloatVector) ByteVector.fromArray(Q, q, c).convertShape(B2F, F, 0)).fma(xe, e0);
                    e1 = ((FloatVector) ByteVector.fromArray(Q, q, c + LANES).convertShape(B2F, F, 0)).fma(xe, e1);
                    e2 = ((FloatVector)
                                    ByteVector.fromArray(Q, q, c + 2 * LANES).convertShape(B2F, F, 0))
                            .fma(xe, e2);
                    e3 = ((FloatVector)
                                    ByteVector.fromArray(Q, q, c + 3 * LANES).convertShape(B2F, F, 0))
                            .fma(xe, e3);
                    o0 = ((FloatVector) ByteVector.fromArray(Q, q, d).convertShape(B2F, F, 0)).fma(xo, o0);
                    o1 = ((FloatVector) ByteVector.fromArray(Q, q, d + LANES).convertShape(B2F, F, 0)).fma(xo, o1);
                    o2 = ((FloatVector)
                                    ByteVector.fromArray(Q, q, d + 2 * LANES).convertShape(B2F, F, 0))
                            .fma(xo, o2);
                    o3 = ((FloatVector)
                                    ByteVector.fromArray(Q, q, d + 3 * LANES).convertShape(B2F, F, 0))
                            .fma(xo, o3);
                }
                int sc = base + (g * GROUP + SUB) * PASS, mn = sc + PASS;
                FloatVector sum = FloatVector.broadcast(F, s[s0 + b * SUBS + g]);
                a0 = e0.add(o0)
                        .fma(
                                ((FloatVector) ByteVector.fromArray(Q, q, sc).convertShape(B2F, F, 0))
                                        .mul(FloatVector.fromArray(F, scales, f)),
                                a0);
                a0 = ((FloatVector) ByteVector.fromArray(Q, q, mn).convertShape(B2F, F, 0))
                        .mul(FloatVector.fromArray(F, mins, f))
                        .fma(sum, a0);
                a1 = e1.add(o1)
                        .fma(
                                ((FloatVector) ByteVector.fromArray(Q, q, sc + LANES)
                                                .convertShape(B2F, F, 0))
                                        .mul(FloatVector.fromArray(F, scales, f + LANES)),
                                a1);
                a1 = ((FloatVector) ByteVector.fromArray(Q, q, mn + LANES).convertShape(B2F, F, 0))
                        .mul(FloatVector.fromArray(F, mins, f + LANES))
                        .fma(sum, a1);
                a2 = e2.add(o2)
                        .fma(
                                ((FloatVector) ByteVector.fromArray(Q, q, sc + 2 * LANES)
                                                .convertShape(B2F, F, 0))
                                        .mul(FloatVector.fromArray(F, scales, f + 2 * LANES)),
                                a2);
                a2 = ((FloatVector) ByteVector.fromArray(Q, q, mn + 2 * LANES).convertShape(B2F, F, 0))
                        .mul(FloatVector.fromArray(F, mins, f + 2 * LANES))
                        .fma(sum, a2);
                a3 = e3.add(o3)
                        .fma(
                                ((FloatVector) ByteVector.fromArray(Q, q, sc + 3 * LANES)
                                                .convertShape(B2F, F, 0))
                                        .mul(FloatVector.fromArray(F, scales, f + 3 * LANES)),
                                a3);
                a3 = ((FloatVector) ByteVector.fromArray(Q, q, mn + 3 * LANES).convertShape(B2F, F, 0))
                        .mul(FloatVector.fromArray(F, mins, f + 3 * LANES))
                        .fma(sum, a3);
            }
        }
        a0.intoArray(dst, d0);
        a1.intoArray(dst, d0 + LANES);
        a2.intoArray(dst, d0 + 2 * LANES);
        a3.intoArray(dst, d0 + 3 * LANES);
    }

    /**
     * Lane group k of pass p times the inputs at x[x0 ..] .. x[x3 ..], into dst at d0 .. d3; s holds their negated sums
     * from s0 .. s3 ({@link MatVecQ4_K#negatedSubBlockSums}).
     */
    static void group4(
            byte[] q,
            float[] scales,
            float[] mins,
            int blocks,
            float[] x,
            int x0,
            int x1,
            int x2,
            int x3,
            float[] s,
            int s0,
            int s1,
            int s2,
            int s3,
            int p,
            int k,
            float[] dst,
            int d0,
            int d1,
            int d2,
            int d3) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int b = 0, unit = p * blocks; b < blocks; b++, unit++) {
            int base = unit * UNIT * PASS + k * LANES;
            FloatVector f = FloatVector.fromArray(F, scales, unit * PASS + k * LANES);
            FloatVector fm = FloatVector.fromArray(F, mins, unit * PASS + k * LANES);
            for (int g = 0; g < SUBS; g++) {
                FloatVector e0 = FloatVector.zero(F), e1 = e0, e2 = e0, e3 = e0, o0 = e0, o1 = e0, o2 = e0, o3 = e0;
                int xs = b * BLOCK + g * SUB;
                for (int j = 0, c = base + g * GROUP * PASS; j < SUB; j += 2, c += 2 * PASS) {
                    // At 128 bits each load also takes the next lane group's column, which part 0 leaves unused.
                    FloatVector we = (FloatVector) ByteVector.fromArray(Q, q, c).convertShape(B2F, F, 0);
                    FloatVector wo =
                            (FloatVector) ByteVector.fromArray(Q, q, c + PASS).convertShape(B2F, F, 0);
                    int xe = xs + j;
                    e0 = we.fma(FloatVector.broadcast(F, x[x0 + xe]), e0);
                    e1 = we.fma(FloatVector.broadcast(F, x[x1 + xe]), e1);
                    e2 = we.fma(FloatVector.broadcast(F, x[x2 + xe]), e2);
                    e3 = we.fma(FloatVector.broadcast(F, x[x3 + xe]), e3);
                    o0 = wo.fma(FloatVector.broadcast(F, x[x0 + xe + 1]), o0);
                    o1 = wo.fma(FloatVector.broadcast(F, x[x1 + xe + 1]), o1);
                    o2 = wo.fma(FloatVector.broadcast(F, x[x2 + xe + 1]), o2);
                    o3 = wo.fma(FloatVector.broadcast(F, x[x3 + xe + 1]), o3);
                }
                int sc = base + (g * GROUP + SUB) * PASS, si = b * SUBS + g;
                FloatVector d = ((FloatVector) ByteVector.fromArray(Q, q, sc).convertShape(B2F, F, 0)).mul(f);
                FloatVector m =
                        ((FloatVector) ByteVector.fromArray(Q, q, sc + PASS).convertShape(B2F, F, 0)).mul(fm);
                a0 = m.fma(FloatVector.broadcast(F, s[s0 + si]), e0.add(o0).fma(d, a0));
                a1 = m.fma(FloatVector.broadcast(F, s[s1 + si]), e1.add(o1).fma(d, a1));
                a2 = m.fma(FloatVector.broadcast(F, s[s2 + si]), e2.add(o2).fma(d, a2));
                a3 = m.fma(FloatVector.broadcast(F, s[s3 + si]), e3.add(o3).fma(d, a3));
            }
        }
        a0.intoArray(dst, d0);
        a1.intoArray(dst, d1);
        a2.intoArray(dst, d2);
        a3.intoArray(dst, d3);
    }

    /**
     * {@link #group4} for lane groups k and k + 1 at once, into dst at d0 .. d3 and LANES on: each input value is
     * broadcast once for both, sixteen FMA chains, and the same read-ahead (ahead, stride), as
     * {@link MatVecQ8_0#group4x2}. Only where the register file has 32 vectors ({@link RowLanes#PAIRS}).
     */
    static void group4x2(
            byte[] q,
            float[] scales,
            float[] mins,
            int blocks,
            float[] x,
            int x0,
            int x1,
            int x2,
            int x3,
            float[] s,
            int s0,
            int s1,
            int s2,
            int s3,
            int p,
            int k,
            float[] dst,
            int d0,
            int d1,
            int d2,
            int d3,
            int ahead,
            int stride) {
        int touched = 0;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        for (int b = 0, unit = p * blocks; b < blocks; b++, unit++) {
            int base = unit * UNIT * PASS + k * LANES, f = unit * PASS + k * LANES;
            for (int g = 0; g < SUBS; g++) {
                // e*, o*: lane group k's even and odd columns' chains; v*, w*: lane group k + 1's.
                FloatVector e0 = FloatVector.zero(F), e1 = e0, e2 = e0, e3 = e0, o0 = e0, o1 = e0, o2 = e0, o3 = e0;
                FloatVector v0 = e0, v1 = e0, v2 = e0, v3 = e0, w0 = e0, w1 = e0, w2 = e0, w3 = e0;
                int xs = b * BLOCK + g * SUB;
                for (int j = 0, c = base + g * GROUP * PASS; j < SUB; j += 2, c += 2 * PASS) {
                    touched += q[ahead];
                    ahead += stride;
                    FloatVector we = (FloatVector) ByteVector.fromArray(Q, q, c).convertShape(B2F, F, 0);
                    FloatVector wo =
                            (FloatVector) ByteVector.fromArray(Q, q, c + PASS).convertShape(B2F, F, 0);
                    FloatVector ve =
                            (FloatVector) ByteVector.fromArray(Q, q, c + LANES).convertShape(B2F, F, 0);
                    FloatVector vo = (FloatVector)
                            ByteVector.fromArray(Q, q, c + PASS + LANES).convertShape(B2F, F, 0);
                    int xe = xs + j;
                    FloatVector y = FloatVector.broadcast(F, x[x0 + xe]);
                    e0 = we.fma(y, e0);
                    v0 = ve.fma(y, v0);
                    y = FloatVector.broadcast(F, x[x1 + xe]);
                    e1 = we.fma(y, e1);
                    v1 = ve.fma(y, v1);
                    y = FloatVector.broadcast(F, x[x2 + xe]);
                    e2 = we.fma(y, e2);
                    v2 = ve.fma(y, v2);
                    y = FloatVector.broadcast(F, x[x3 + xe]);
                    e3 = we.fma(y, e3);
                    v3 = ve.fma(y, v3);
                    y = FloatVector.broadcast(F, x[x0 + xe + 1]);
                    o0 = wo.fma(y, o0);
                    w0 = vo.fma(y, w0);
                    y = FloatVector.broadcast(F, x[x1 + xe + 1]);
                    o1 = wo.fma(y, o1);
                    w1 = vo.fma(y, w1);
                    y = FloatVector.broadcast(F, x[x2 + xe + 1]);
                    o2 = wo.fma(y, o2);
                    w2 = vo.fma(y, w2);
                    y = FloatVector.broadcast(F, x[x3 + xe + 1]);
                    o3 = wo.fma(y, o3);
                    w3 = vo.fma(y, w3);
                }
                int sc = base + (g * GROUP + SUB) * PASS, si = b * SUBS + g;
                float t0 = s[s0 + si], t1 = s[s1 + si], t2 = s[s2 + si], t3 = s[s3 + si];
                FloatVector d = ((FloatVector) ByteVector.fromArray(Q, q, sc).convertShape(B2F, F, 0))
                        .mul(FloatVector.fromArray(F, scales, f));
                FloatVector m = ((FloatVector)
                                ByteVector.fromArray(Q, q, sc + PASS).convertShape(B2F, F, 0))
                        .mul(FloatVector.fromArray(F, mins, f));
                a0 = m.fma(FloatVector.broadcast(F, t0), e0.add(o0).fma(d, a0));
                a1 = m.fma(FloatVector.broadcast(F, t1), e1.add(o1).fma(d, a1));
                a2 = m.fma(FloatVector.broadcast(F, t2), e2.add(o2).fma(d, a2));
                a3 = m.fma(FloatVector.broadcast(F, t3), e3.add(o3).fma(d, a3));
                d = ((FloatVector) ByteVector.fromArray(Q, q, sc + LANES).convertShape(B2F, F, 0))
                        .mul(FloatVector.fromArray(F, scales, f + LANES));
                m = ((FloatVector) ByteVector.fromArray(Q, q, sc + PASS + LANES).convertShape(B2F, F, 0))
                        .mul(FloatVector.fromArray(F, mins, f + LANES));
                b0 = m.fma(FloatVector.broadcast(F, t0), v0.add(w0).fma(d, b0));
                b1 = m.fma(FloatVector.broadcast(F, t1), v1.add(w1).fma(d, b1));
                b2 = m.fma(FloatVector.broadcast(F, t2), v2.add(w2).fma(d, b2));
                b3 = m.fma(FloatVector.broadcast(F, t3), v3.add(w3).fma(d, b3));
            }
        }
        a0.intoArray(dst, d0);
        a1.intoArray(dst, d1);
        a2.intoArray(dst, d2);
        a3.intoArray(dst, d3);
        b0.intoArray(dst, d0 + LANES);
        b1.intoArray(dst, d1 + LANES);
        b2.intoArray(dst, d2 + LANES);
        b3.intoArray(dst, d3 + LANES);
        RowLanes.touched(touched);
    }

    /**
     * Rows [r0, r1) of w as floats, row-major from panel[o0] on (the batched kernel's input), from the file's
     * blocks: d * sc * q - dmin * m as one FMA per weight.
     */
    static void dequantize(MemorySegment w, int cols, int r0, int r1, float[] panel, int o0) {
        int step = F.length(), parts = 16 / step;
        Scratch t = SCRATCH.get();
        int o = o0;
        for (long block = (long) r0 * (cols / BLOCK), end = (long) r1 * (cols / BLOCK); block < end; block++) {
            MemorySegment.copy(w, JAVA_BYTE, block * BLOCK_BYTES, t.src, 0, BLOCK_BYTES);
            unpack(t.src, 0, t.q, 0);
            float d = Bytes8.half(t.src, 0), dmin = Bytes8.half(t.src, 2);
            for (int j = 0; j < SUBS; j++, o += SUB) {
                FloatVector scale = FloatVector.broadcast(F, d * BlockFormats.scaleK4(t.src, 4, j));
                FloatVector min = FloatVector.broadcast(F, -(dmin * BlockFormats.minK4(t.src, 4, j)));
                for (int h = 0; h < 2; h++) {
                    ByteVector q = ByteVector.fromArray(ByteVector.SPECIES_128, t.q, SUB * j + 16 * h);
                    for (int p = 0; p < parts; p++) {
                        ((FloatVector) q.convertShape(B2F, F, p))
                                .fma(scale, min)
                                .intoArray(panel, o + 16 * h + p * step);
                    }
                }
            }
        }
    }

    /** The scalar twin of the kernels, on the file's blocks: the arithmetic they follow, bit for bit. */
    static void scalar(
            MemorySegment w, int cols, float[] x, int xOff, float[] out, int outOff, int rowStart, int rowEnd) {
        int blocks = cols / BLOCK;
        byte[] src = new byte[BLOCK_BYTES], q = new byte[BLOCK];
        float[] s = MatVecQ4_K.negatedSubBlockSums(x, xOff, cols, SUB);
        for (int r = rowStart; r < rowEnd; r++) {
            float acc = 0f;
            for (int b = 0; b < blocks; b++) {
                MemorySegment.copy(w, JAVA_BYTE, ((long) r * blocks + b) * BLOCK_BYTES, src, 0, BLOCK_BYTES);
                unpack(src, 0, q, 0);
                float d = Bytes8.half(src, 0), dmin = Bytes8.half(src, 2);
                int xb = xOff + b * BLOCK;
                for (int j = 0; j < SUBS; j++) {
                    float even = 0f, odd = 0f;
                    for (int c = 0; c < SUB; c += 2) {
                        even = Math.fma(q[SUB * j + c], x[xb + SUB * j + c], even);
                        odd = Math.fma(q[SUB * j + c + 1], x[xb + SUB * j + c + 1], odd);
                    }
                    acc = Math.fma(even + odd, d * BlockFormats.scaleK4(src, 4, j), acc);
                    acc = Math.fma(dmin * BlockFormats.minK4(src, 4, j), s[b * SUBS + j], acc);
                }
            }
            out[outOff + r] = acc;
        }
    }

    /** A thread's copy of one block and its unpacked quants, for {@link #dequantize}. */
    private static final class Scratch {
        final byte[] src = new byte[BLOCK_BYTES];
        final byte[] q = new byte[BLOCK];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);
}
