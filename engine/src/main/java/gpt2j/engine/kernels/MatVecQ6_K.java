package gpt2j.engine.kernels;

import static gpt2j.engine.kernels.Simd.F;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static jdk.incubator.vector.VectorOperators.B2F;

import gpt2j.weights.GgmlType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q6_K: each row is cols/256 blocks of 210 bytes, {uint8 ql[128], qh[64]; int8 scales[16]; fp16 d} (ggml block_q6_K).
 * Per half of 128 values (ql += 64, qh += 32, scales += 8), byte l < 32 gives four 6-bit quants: ql[l] low nibble with
 * qh[l] bits 0-1 is element l, ql[l+32] low with bits 2-3 element l+32, ql[l] high with bits 4-5 element l+64, ql[l+32]
 * high with bits 6-7 element l+96; value = d * scales[l/16 + {0,2,4,6}] * (q - 32). cols must be a multiple of 256.
 * Generation reads {@link RowLanes}' layout, which {@link #repack} makes at load: a column is the pass's quants less
 * 32, one signed byte per row; after each 16 columns come the pass's scales[j] for them, a byte per row, and d is a
 * float per row and 256 columns (1.3x the file). The kernels of a pass ({@link #pass}, {@link #group4}) compute each
 * row as {@link #scalar} does: per 16 columns an FMA chain over the even ones and one over the odd, then acc = fma(even
 * + odd, d * scales[j], acc). The prompt pass decodes the file's blocks ({@link #dequantize}).
 */
final class MatVecQ6_K {

    static final int BLOCK = GgmlType.Q6_K.blockSize;
    static final int BLOCK_BYTES = GgmlType.Q6_K.bytesPerBlock;

    /** Columns per scale. */
    static final int SUB = 16;

    static final int SUBS = BLOCK / SUB;

    /** Bytes of the repack per row and block: the quants, then the sub-blocks' scales. */
    static final int UNIT = BLOCK + SUBS;

    private static final int LANES = RowLanes.LANES, PASS = RowLanes.PASS;
    private static final VectorSpecies<Byte> Q = RowLanes.Q;

    private MatVecQ6_K() {}

    /**
     * The 256 6-bit quants less 32 of the block at {@code src[at..]}, one signed byte each in row order, into
     * {@code q[o..]}.
     */
    static void unpack(byte[] src, int at, byte[] q, int o) {
        for (int h = 0; h < 2; h++) {
            int ql = at + 64 * h, qh = at + 128 + 32 * h, p = o + 128 * h;
            for (int l = 0; l < 32; l += 8) {
                long a = Bytes8.get(src, ql + l), c = Bytes8.get(src, ql + l + 32), hi = Bytes8.get(src, qh + l);
                Bytes8.set(q, p + l, Bytes8.minus32(a & Bytes8.NIBBLES | (hi & Bytes8.BITS01) << 4));
                Bytes8.set(q, p + l + 32, Bytes8.minus32(c & Bytes8.NIBBLES | (hi >>> 2 & Bytes8.BITS01) << 4));
                Bytes8.set(q, p + l + 64, Bytes8.minus32(a >>> 4 & Bytes8.NIBBLES | (hi >>> 4 & Bytes8.BITS01) << 4));
                Bytes8.set(q, p + l + 96, Bytes8.minus32(c >>> 4 & Bytes8.NIBBLES | (hi >>> 6 & Bytes8.BITS01) << 4));
            }
        }
    }

    private static float d(byte[] src, int at) {
        return Bytes8.half(src, at + 208);
    }

    /**
     * Fills the repack from the file's rows. Per pass p (rows PASS p ..) and 256-column block b, unit u = p * blocks + b
     * holds UNIT * PASS bytes from quants[u * UNIT * PASS]: per sub-block j its 16 columns, column c at (17 j + c) *
     * PASS + r % PASS, then its scale scales[j] at (17 j + 16) * PASS + r % PASS, so that the kernels read one stream;
     * d is scales[u * PASS + r % PASS]. A scale is made
     * in the kernel as d * scales[j], exact in float (an 11-bit significand times an 8-bit integer), as the twin makes
     * it: a byte per 16 weights instead of a float keeps the repack at 1.3x the file, not 1.5x. The padding rows stay
     * zero.
     */
    static void repack(MemorySegment w, int rows, int cols, byte[] quants, float[] scales) {
        int blocks = cols / BLOCK, rowBytes = blocks * BLOCK_BYTES;
        byte[] src = new byte[PASS * rowBytes], q = new byte[BLOCK];
        for (int p = 0; p * PASS < rows; p++) {
            int n = Math.min(PASS, rows - p * PASS);
            MemorySegment.copy(w, JAVA_BYTE, (long) p * PASS * rowBytes, src, 0, n * rowBytes);
            for (int l = 0; l < n; l++) {
                for (int b = 0, at = l * rowBytes; b < blocks; b++, at += BLOCK_BYTES) {
                    unpack(src, at, q, 0);
                    int unit = p * blocks + b, base = unit * UNIT * PASS + l;
                    scales[unit * PASS + l] = d(src, at);
                    for (int j = 0; j < SUBS; j++) {
                        int o = base + j * (SUB + 1) * PASS;
                        for (int c = 0; c < SUB; c++, o += PASS) quants[o] = q[SUB * j + c];
                        quants[o] = src[at + 192 + j];
                    }
                }
            }
        }
    }

    /*
     * The kernels below are MatVecQ8_0's with 16-column blocks as a constant, written out in full for the same reason
     * (no helper takes or returns a vector: docs/PERFORMANCE.md, "slow processes"). One kernel for both types with the
     * block length as a parameter cost Q8_0 13-16% in cache (docs/KERNELS.md).
     */

    /** Pass p's PASS rows times x into dst[d0 ..]. */
    static void pass(byte[] q, float[] scales, int blocks, float[] x, int xOff, int p, float[] dst, int d0) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int b = 0, unit = p * blocks; b < blocks; b++, unit++) {
            int base = unit * UNIT * PASS, f = unit * PASS;
            FloatVector f0 = FloatVector.fromArray(F, scales, f), f1 = FloatVector.fromArray(F, scales, f + LANES);
            FloatVector f2 = FloatVector.fromArray(F, scales, f + 2 * LANES);
            FloatVector f3 = FloatVector.fromArray(F, scales, f + 3 * LANES);
            for (int s = 0; s < SUBS; s++) {
                // e*: the even columns' chains of the four lane groups, o*: the odd columns'.
                FloatVector e0 = FloatVector.zero(F), e1 = e0, e2 = e0, e3 = e0, o0 = e0, o1 = e0, o2 = e0, o3 = e0;
                int xs = xOff + b * BLOCK + s * SUB;
                for (int j = 0, c = base + s * (SUB + 1) * PASS; j < SUB; j += 2, c += 2 * PASS) {
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
                int sc = base + (s * (SUB + 1) + SUB) * PASS;
                a0 = e0.add(o0)
                        .fma(((FloatVector) ByteVector.fromArray(Q, q, sc).convertShape(B2F, F, 0)).mul(f0), a0);
                a1 = e1.add(o1)
                        .fma(
                                ((FloatVector) ByteVector.fromArray(Q, q, sc + LANES)
                                                .convertShape(B2F, F, 0))
                                        .mul(f1),
                                a1);
                a2 = e2.add(o2)
                        .fma(
                                ((FloatVector) ByteVector.fromArray(Q, q, sc + 2 * LANES)
                                                .convertShape(B2F, F, 0))
                                        .mul(f2),
                                a2);
                a3 = e3.add(o3)
                        .fma(
                                ((FloatVector) ByteVector.fromArray(Q, q, sc + 3 * LANES)
                                                .convertShape(B2F, F, 0))
                                        .mul(f3),
                                a3);
            }
        }
        a0.intoArray(dst, d0);
        a1.intoArray(dst, d0 + LANES);
        a2.intoArray(dst, d0 + 2 * LANES);
        a3.intoArray(dst, d0 + 3 * LANES);
    }

    /**
     * {@link #pass} for passes p and p2 at once, into dst[d0 ..] and dst[d2 ..]: two streams through the repack, each
     * row computed as pass computes it. Only where the register file has 32 vectors.
     */
    static void pass2(
            byte[] q, float[] scales, int blocks, float[] x, int xOff, int p, int p2, float[] dst, int d0, int d2) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        int shift = (p2 - p) * blocks * UNIT * PASS, fshift = (p2 - p) * blocks * PASS;
        for (int b = 0, unit = p * blocks; b < blocks; b++, unit++) {
            int base = unit * UNIT * PASS, f = unit * PASS;
            FloatVector f0 = FloatVector.fromArray(F, scales, f), f1 = FloatVector.fromArray(F, scales, f + LANES);
            FloatVector f2 = FloatVector.fromArray(F, scales, f + 2 * LANES);
            FloatVector f3 = FloatVector.fromArray(F, scales, f + 3 * LANES);
            FloatVector k0 = FloatVector.fromArray(F, scales, f + fshift),
                    k1 = FloatVector.fromArray(F, scales, f + fshift + LANES);
            FloatVector k2 = FloatVector.fromArray(F, scales, f + fshift + 2 * LANES);
            FloatVector k3 = FloatVector.fromArray(F, scales, f + fshift + 3 * LANES);
            for (int s = 0; s < SUBS; s++) {
                // e*: the even columns' chains of the four lane groups, o*: the odd columns'.
                FloatVector e0 = FloatVector.zero(F), e1 = e0, e2 = e0, e3 = e0, o0 = e0, o1 = e0, o2 = e0, o3 = e0;
                FloatVector g0 = e0, g1 = e0, g2 = e0, g3 = e0, h0 = e0, h1 = e0, h2 = e0, h3 = e0;
                int xs = xOff + b * BLOCK + s * SUB;
                for (int j = 0, c = base + s * (SUB + 1) * PASS; j < SUB; j += 2, c += 2 * PASS) {
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

                    int c2 = c + shift, e = c2 + PASS;
                    g0 = ((FloatVector) ByteVector.fromArray(Q, q, c2).convertShape(B2F, F, 0)).fma(xe, g0);
                    g1 = ((FloatVector) ByteVector.fromArray(Q, q, c2 + LANES).convertShape(B2F, F, 0)).fma(xe, g1);
                    g2 = ((FloatVector)
                                    ByteVector.fromArray(Q, q, c2 + 2 * LANES).convertShape(B2F, F, 0))
                            .fma(xe, g2);
                    g3 = ((FloatVector)
                                    ByteVector.fromArray(Q, q, c2 + 3 * LANES).convertShape(B2F, F, 0))
                            .fma(xe, g3);
                    h0 = ((FloatVector) ByteVector.fromArray(Q, q, e).convertShape(B2F, F, 0)).fma(xo, h0);
                    h1 = ((FloatVector) ByteVector.fromArray(Q, q, e + LANES).convertShape(B2F, F, 0)).fma(xo, h1);
                    h2 = ((FloatVector)
                                    ByteVector.fromArray(Q, q, e + 2 * LANES).convertShape(B2F, F, 0))
                            .fma(xo, h2);
                    h3 = ((FloatVector)
                                    ByteVector.fromArray(Q, q, e + 3 * LANES).convertShape(B2F, F, 0))
                            .fma(xo, h3);
                }
                int sc = base + (s * (SUB + 1) + SUB) * PASS;
                a0 = e0.add(o0)
                        .fma(((FloatVector) ByteVector.fromArray(Q, q, sc).convertShape(B2F, F, 0)).mul(f0), a0);
                a1 = e1.add(o1)
                        .fma(
                                ((FloatVector) ByteVector.fromArray(Q, q, sc + LANES)
                                                .convertShape(B2F, F, 0))
                                        .mul(f1),
                                a1);
                a2 = e2.add(o2)
                        .fma(
                                ((FloatVector) ByteVector.fromArray(Q, q, sc + 2 * LANES)
                                                .convertShape(B2F, F, 0))
                                        .mul(f2),
                                a2);
                a3 = e3.add(o3)
                        .fma(
                                ((FloatVector) ByteVector.fromArray(Q, q, sc + 3 * LANES)
                                                .convertShape(B2F, F, 0))
                                        .mul(f3),
                                a3);
                int sc2 = base + shift + (s * (SUB + 1) + SUB) * PASS;
                b0 = g0.add(h0)
                        .fma(((FloatVector) ByteVector.fromArray(Q, q, sc2).convertShape(B2F, F, 0)).mul(k0), b0);
                b1 = g1.add(h1)
                        .fma(
                                ((FloatVector) ByteVector.fromArray(Q, q, sc2 + LANES)
                                                .convertShape(B2F, F, 0))
                                        .mul(k1),
                                b1);
                b2 = g2.add(h2)
                        .fma(
                                ((FloatVector) ByteVector.fromArray(Q, q, sc2 + 2 * LANES)
                                                .convertShape(B2F, F, 0))
                                        .mul(k2),
                                b2);
                b3 = g3.add(h3)
                        .fma(
                                ((FloatVector) ByteVector.fromArray(Q, q, sc2 + 3 * LANES)
                                                .convertShape(B2F, F, 0))
                                        .mul(k3),
                                b3);
            }
        }
        a0.intoArray(dst, d0);
        a1.intoArray(dst, d0 + LANES);
        a2.intoArray(dst, d0 + 2 * LANES);
        a3.intoArray(dst, d0 + 3 * LANES);
        b0.intoArray(dst, d2);
        b1.intoArray(dst, d2 + LANES);
        b2.intoArray(dst, d2 + 2 * LANES);
        b3.intoArray(dst, d2 + 3 * LANES);
    }

    /** Lane group k of pass p times the inputs at x[x0 ..] .. x[x3 ..], into dst at d0 .. d3. */
    static void group4(
            byte[] q,
            float[] scales,
            int blocks,
            float[] x,
            int x0,
            int x1,
            int x2,
            int x3,
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
            for (int s = 0; s < SUBS; s++) {
                FloatVector e0 = FloatVector.zero(F), e1 = e0, e2 = e0, e3 = e0, o0 = e0, o1 = e0, o2 = e0, o3 = e0;
                int xs = b * BLOCK + s * SUB;
                for (int j = 0, c = base + s * (SUB + 1) * PASS; j < SUB; j += 2, c += 2 * PASS) {
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
                FloatVector d = ((FloatVector) ByteVector.fromArray(Q, q, base + (s * (SUB + 1) + SUB) * PASS)
                                .convertShape(B2F, F, 0))
                        .mul(f);
                a0 = e0.add(o0).fma(d, a0);
                a1 = e1.add(o1).fma(d, a1);
                a2 = e2.add(o2).fma(d, a2);
                a3 = e3.add(o3).fma(d, a3);
            }
        }
        a0.intoArray(dst, d0);
        a1.intoArray(dst, d1);
        a2.intoArray(dst, d2);
        a3.intoArray(dst, d3);
    }

    /**
     * {@link #group4} for lane groups k and k + 1 at once, into dst at d0 .. d3 and LANES on: each input value is
     * broadcast once for both, sixteen FMA chains, as {@link MatVecQ8_0#group4x2}. Only where the register file has 32
     * vectors ({@link RowLanes#PAIRS}).
     */
    static void group4x2(
            byte[] q,
            float[] scales,
            int blocks,
            float[] x,
            int x0,
            int x1,
            int x2,
            int x3,
            int p,
            int k,
            float[] dst,
            int d0,
            int d1,
            int d2,
            int d3) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        for (int b = 0, unit = p * blocks; b < blocks; b++, unit++) {
            int base = unit * UNIT * PASS + k * LANES;
            for (int s = 0; s < SUBS; s++) {
                // e*, o*: lane group k's even and odd columns' chains; f*, g*: lane group k + 1's.
                FloatVector e0 = FloatVector.zero(F), e1 = e0, e2 = e0, e3 = e0, o0 = e0, o1 = e0, o2 = e0, o3 = e0;
                FloatVector f0 = e0, f1 = e0, f2 = e0, f3 = e0, g0 = e0, g1 = e0, g2 = e0, g3 = e0;
                int xs = b * BLOCK + s * SUB;
                for (int j = 0, c = base + s * (SUB + 1) * PASS; j < SUB; j += 2, c += 2 * PASS) {
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
                    f0 = ve.fma(y, f0);
                    y = FloatVector.broadcast(F, x[x1 + xe]);
                    e1 = we.fma(y, e1);
                    f1 = ve.fma(y, f1);
                    y = FloatVector.broadcast(F, x[x2 + xe]);
                    e2 = we.fma(y, e2);
                    f2 = ve.fma(y, f2);
                    y = FloatVector.broadcast(F, x[x3 + xe]);
                    e3 = we.fma(y, e3);
                    f3 = ve.fma(y, f3);
                    y = FloatVector.broadcast(F, x[x0 + xe + 1]);
                    o0 = wo.fma(y, o0);
                    g0 = vo.fma(y, g0);
                    y = FloatVector.broadcast(F, x[x1 + xe + 1]);
                    o1 = wo.fma(y, o1);
                    g1 = vo.fma(y, g1);
                    y = FloatVector.broadcast(F, x[x2 + xe + 1]);
                    o2 = wo.fma(y, o2);
                    g2 = vo.fma(y, g2);
                    y = FloatVector.broadcast(F, x[x3 + xe + 1]);
                    o3 = wo.fma(y, o3);
                    g3 = vo.fma(y, g3);
                }
                int sc = base + (s * (SUB + 1) + SUB) * PASS;
                FloatVector d = ((FloatVector) ByteVector.fromArray(Q, q, sc).convertShape(B2F, F, 0))
                        .mul(FloatVector.fromArray(F, scales, unit * PASS + k * LANES));
                FloatVector dn = ((FloatVector)
                                ByteVector.fromArray(Q, q, sc + LANES).convertShape(B2F, F, 0))
                        .mul(FloatVector.fromArray(F, scales, unit * PASS + k * LANES + LANES));
                a0 = e0.add(o0).fma(d, a0);
                a1 = e1.add(o1).fma(d, a1);
                a2 = e2.add(o2).fma(d, a2);
                a3 = e3.add(o3).fma(d, a3);
                b0 = f0.add(g0).fma(dn, b0);
                b1 = f1.add(g1).fma(dn, b1);
                b2 = f2.add(g2).fma(dn, b2);
                b3 = f3.add(g3).fma(dn, b3);
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
    }

    /**
     * Rows [r0, r1) of w as floats, row-major from panel[o0] on (the batched kernel's input), from the file's
     * blocks: the repack's rows lie across lanes, and reading them back a byte at a time cost more than unpacking the
     * file's bit planes again.
     */
    static void dequantize(MemorySegment w, int cols, int r0, int r1, float[] panel, int o0) {
        int step = F.length(), parts = SUB / step;
        Scratch s = SCRATCH.get();
        int o = o0;
        for (long block = (long) r0 * (cols / BLOCK), end = (long) r1 * (cols / BLOCK); block < end; block++) {
            MemorySegment.copy(w, JAVA_BYTE, block * BLOCK_BYTES, s.src, 0, BLOCK_BYTES);
            unpack(s.src, 0, s.q, 0);
            float d = d(s.src, 0);
            for (int j = 0; j < BLOCK / SUB; j++, o += SUB) {
                ByteVector q = ByteVector.fromArray(ByteVector.SPECIES_128, s.q, SUB * j);
                FloatVector scale = FloatVector.broadcast(F, d * s.src[192 + j]);
                for (int p = 0; p < parts; p++) {
                    ((FloatVector) q.convertShape(B2F, F, p)).mul(scale).intoArray(panel, o + p * step);
                }
            }
        }
    }

    /** The scalar twin of the kernels, on the file's blocks: the arithmetic they follow, bit for bit. */
    static void scalar(
            MemorySegment w, int cols, float[] x, int xOff, float[] out, int outOff, int rowStart, int rowEnd) {
        int blocks = cols / BLOCK;
        byte[] src = new byte[BLOCK_BYTES], q = new byte[BLOCK];
        for (int r = rowStart; r < rowEnd; r++) {
            float acc = 0f;
            for (int b = 0; b < blocks; b++) {
                MemorySegment.copy(w, JAVA_BYTE, ((long) r * blocks + b) * BLOCK_BYTES, src, 0, BLOCK_BYTES);
                // The quants as dequantize_row_q6_K reads them, one at a time.
                for (int h = 0; h < 2; h++) {
                    for (int l = 0; l < 32; l++) {
                        int a = src[64 * h + l] & 0xFF, c = src[64 * h + l + 32] & 0xFF;
                        int hi = src[128 + 32 * h + l] & 0xFF;
                        q[128 * h + l] = (byte) ((a & 0xF | (hi & 3) << 4) - 32);
                        q[128 * h + l + 32] = (byte) ((c & 0xF | (hi >> 2 & 3) << 4) - 32);
                        q[128 * h + l + 64] = (byte) ((a >> 4 | (hi >> 4 & 3) << 4) - 32);
                        q[128 * h + l + 96] = (byte) ((c >> 4 | (hi >> 6 & 3) << 4) - 32);
                    }
                }
                float d = d(src, 0);
                int xb = xOff + b * BLOCK;
                for (int j = 0; j < BLOCK / SUB; j++) {
                    float even = 0f, odd = 0f;
                    for (int c = 0; c < SUB; c += 2) {
                        even = Math.fma(q[SUB * j + c], x[xb + SUB * j + c], even);
                        odd = Math.fma(q[SUB * j + c + 1], x[xb + SUB * j + c + 1], odd);
                    }
                    acc = Math.fma(even + odd, d * src[192 + j], acc);
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
