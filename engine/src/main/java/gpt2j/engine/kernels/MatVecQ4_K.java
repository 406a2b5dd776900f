package gpt2j.engine.kernels;

import static gpt2j.engine.kernels.Simd.F;
import static gpt2j.engine.kernels.Simd.LE_SHORT;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static jdk.incubator.vector.VectorOperators.ASHR;
import static jdk.incubator.vector.VectorOperators.B2F;
import static jdk.incubator.vector.VectorOperators.B2I;
import static jdk.incubator.vector.VectorOperators.I2F;

import gpt2j.weights.BlockFormats;
import gpt2j.weights.GgmlType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q4_K: each row is cols/256 blocks of 144 bytes, {fp16 d, dmin; uint8 scales[12]; uint8 qs[128]} (ggml block_q4_K):
 * 8 sub-blocks of 32 with 6-bit scales sc and mins m (get_scale_min_k4); 32 bytes of qs hold two sub-blocks, the
 * first in the low nibbles. value = d * sc * q - dmin * m. cols must be a multiple of 256. Generation reads
 * {@link RowLanes}' layout, which {@link #repack} makes at load: per pass and 64 columns, the 32 byte columns (a byte
 * per row holding two columns' nibbles, as in the file), then the pass's two scales and two minimums as bytes, and per
 * 256 columns d and dmin as floats (1.06x the file). The kernels of a pass ({@link #pass}, {@link #group4}) compute a
 * row as {@link #scalar} does: per 64 columns an FMA chain over the low nibbles' columns and one over the high
 * nibbles', each in column order from zero, then acc = fma(low, d * sc, acc), the same for high, and acc = fma(dmin *
 * m, -sum, acc) for each sub-block, the negated sums of x taken once per input ({@link #negatedSubBlockSums}). The
 * prompt pass decodes the file's blocks ({@link #dequantize}). Q5_K shares the sums.
 */
final class MatVecQ4_K {

    static final int BLOCK = GgmlType.Q4_K.blockSize;
    static final int BLOCK_BYTES = GgmlType.Q4_K.bytesPerBlock;

    /** Bytes of the repack per row and 64 columns: 32 quant bytes, then sc and m of both sub-blocks. */
    static final int GROUP = 36;

    /** Bytes of the repack per row and block. */
    static final int UNIT = 4 * GROUP;

    static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128;
    static final VectorSpecies<Integer> I = F.vectorShape().withLanes(int.class);

    private static final int LANES = RowLanes.LANES, PASS = RowLanes.PASS;
    private static final VectorSpecies<Byte> Q = RowLanes.Q;

    private MatVecQ4_K() {}

    /**
     * Fills the repack from the file's rows. Unit u = p * blocks + b (pass p, block b) holds UNIT * PASS bytes from
     * quants[u * UNIT * PASS]; in it group g (64 columns) starts at 36 g * PASS: its byte column j (qs[32 g + j]) at
     * (36 g + j) * PASS + r % PASS, then sc[2 g], sc[2 g + 1], m[2 g], m[2 g + 1] in rows 32-35 of the group; d and dmin
     * are scales and mins[u * PASS + r % PASS]. The padding rows stay zero.
     */
    static void repack(MemorySegment w, int rows, int cols, byte[] quants, float[] scales, float[] mins) {
        int blocks = cols / BLOCK, rowBytes = blocks * BLOCK_BYTES;
        byte[] src = new byte[PASS * rowBytes];
        for (int p = 0; p * PASS < rows; p++) {
            int n = Math.min(PASS, rows - p * PASS);
            MemorySegment.copy(w, JAVA_BYTE, (long) p * PASS * rowBytes, src, 0, n * rowBytes);
            for (int l = 0; l < n; l++) {
                for (int b = 0, at = l * rowBytes; b < blocks; b++, at += BLOCK_BYTES) {
                    int unit = p * blocks + b, base = unit * UNIT * PASS + l;
                    scales[unit * PASS + l] = Bytes8.half(src, at);
                    mins[unit * PASS + l] = Bytes8.half(src, at + 2);
                    for (int g = 0; g < 4; g++) {
                        int o = base + GROUP * g * PASS;
                        for (int j = 0; j < 32; j++, o += PASS) quants[o] = src[at + 16 + 32 * g + j];
                        quants[o] = (byte) BlockFormats.scaleK4(src, at + 4, 2 * g);
                        quants[o + PASS] = (byte) BlockFormats.scaleK4(src, at + 4, 2 * g + 1);
                        quants[o + 2 * PASS] = (byte) BlockFormats.minK4(src, at + 4, 2 * g);
                        quants[o + 3 * PASS] = (byte) BlockFormats.minK4(src, at + 4, 2 * g + 1);
                    }
                }
            }
        }
    }

    /*
     * The kernels below are written out in full, without helper methods that take or return vectors: a call C2 does
     * not inline boxes its vectors (docs/PERFORMANCE.md, "slow processes").
     */

    /** Pass p's PASS rows times x into dst[d0 ..]; s holds x's negated sums from s0 ({@link #negatedSubBlockSums}). */
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
            int f = unit * PASS;
            for (int g = 0; g < 4; g++) {
                // l*: the low nibbles' chains of the four lane groups, h*: the high nibbles'.
                FloatVector l0 = FloatVector.zero(F), l1 = l0, l2 = l0, l3 = l0, h0 = l0, h1 = l0, h2 = l0, h3 = l0;
                int xb = xOff + b * BLOCK + 64 * g, c = (unit * UNIT + GROUP * g) * PASS;
                for (int j = 0; j < 32; j++, c += PASS) {
                    FloatVector xl = FloatVector.broadcast(F, x[xb + j]), xh = FloatVector.broadcast(F, x[xb + j + 32]);
                    IntVector i0 = (IntVector) ByteVector.fromArray(Q, q, c).convertShape(B2I, I, 0);
                    IntVector i1 =
                            (IntVector) ByteVector.fromArray(Q, q, c + LANES).convertShape(B2I, I, 0);
                    IntVector i2 = (IntVector)
                            ByteVector.fromArray(Q, q, c + 2 * LANES).convertShape(B2I, I, 0);
                    IntVector i3 = (IntVector)
                            ByteVector.fromArray(Q, q, c + 3 * LANES).convertShape(B2I, I, 0);
                    l0 = ((FloatVector) i0.and(0xF).convert(I2F, 0)).fma(xl, l0);
                    l1 = ((FloatVector) i1.and(0xF).convert(I2F, 0)).fma(xl, l1);
                    l2 = ((FloatVector) i2.and(0xF).convert(I2F, 0)).fma(xl, l2);
                    l3 = ((FloatVector) i3.and(0xF).convert(I2F, 0)).fma(xl, l3);
                    h0 = ((FloatVector) i0.lanewise(ASHR, 4).and(0xF).convert(I2F, 0)).fma(xh, h0);
                    h1 = ((FloatVector) i1.lanewise(ASHR, 4).and(0xF).convert(I2F, 0)).fma(xh, h1);
                    h2 = ((FloatVector) i2.lanewise(ASHR, 4).and(0xF).convert(I2F, 0)).fma(xh, h2);
                    h3 = ((FloatVector) i3.lanewise(ASHR, 4).and(0xF).convert(I2F, 0)).fma(xh, h3);
                }
                // c is at the group's scale rows: sc low, sc high, m low, m high, each PASS bytes.
                int si = s0 + b * 8 + 2 * g;
                FloatVector nl = FloatVector.broadcast(F, s[si]), nh = FloatVector.broadcast(F, s[si + 1]);
                FloatVector d, m;
                d = FloatVector.fromArray(F, scales, f);
                m = FloatVector.fromArray(F, mins, f);
                a0 = l0.fma(((FloatVector) ByteVector.fromArray(Q, q, c).convertShape(B2F, F, 0)).mul(d), a0);
                a0 = h0.fma(((FloatVector) ByteVector.fromArray(Q, q, c + PASS).convertShape(B2F, F, 0)).mul(d), a0);
                a0 = ((FloatVector) ByteVector.fromArray(Q, q, c + 2 * PASS).convertShape(B2F, F, 0))
                        .mul(m)
                        .fma(nl, a0);
                a0 = ((FloatVector) ByteVector.fromArray(Q, q, c + 3 * PASS).convertShape(B2F, F, 0))
                        .mul(m)
                        .fma(nh, a0);
                d = FloatVector.fromArray(F, scales, f + LANES);
                m = FloatVector.fromArray(F, mins, f + LANES);
                a1 = l1.fma(((FloatVector) ByteVector.fromArray(Q, q, c + LANES).convertShape(B2F, F, 0)).mul(d), a1);
                a1 = h1.fma(
                        ((FloatVector) ByteVector.fromArray(Q, q, c + PASS + LANES)
                                        .convertShape(B2F, F, 0))
                                .mul(d),
                        a1);
                a1 = ((FloatVector)
                                ByteVector.fromArray(Q, q, c + 2 * PASS + LANES).convertShape(B2F, F, 0))
                        .mul(m)
                        .fma(nl, a1);
                a1 = ((FloatVector)
                                ByteVector.fromArray(Q, q, c + 3 * PASS + LANES).convertShape(B2F, F, 0))
                        .mul(m)
                        .fma(nh, a1);
                d = FloatVector.fromArray(F, scales, f + 2 * LANES);
                m = FloatVector.fromArray(F, mins, f + 2 * LANES);
                a2 = l2.fma(
                        ((FloatVector) ByteVector.fromArray(Q, q, c + 2 * LANES).convertShape(B2F, F, 0)).mul(d), a2);
                a2 = h2.fma(
                        ((FloatVector) ByteVector.fromArray(Q, q, c + PASS + 2 * LANES)
                                        .convertShape(B2F, F, 0))
                                .mul(d),
                        a2);
                a2 = ((FloatVector) ByteVector.fromArray(Q, q, c + 2 * PASS + 2 * LANES)
                                .convertShape(B2F, F, 0))
                        .mul(m)
                        .fma(nl, a2);
                a2 = ((FloatVector) ByteVector.fromArray(Q, q, c + 3 * PASS + 2 * LANES)
                                .convertShape(B2F, F, 0))
                        .mul(m)
                        .fma(nh, a2);
                d = FloatVector.fromArray(F, scales, f + 3 * LANES);
                m = FloatVector.fromArray(F, mins, f + 3 * LANES);
                a3 = l3.fma(
                        ((FloatVector) ByteVector.fromArray(Q, q, c + 3 * LANES).convertShape(B2F, F, 0)).mul(d), a3);
                a3 = h3.fma(
                        ((FloatVector) ByteVector.fromArray(Q, q, c + PASS + 3 * LANES)
                                        .convertShape(B2F, F, 0))
                                .mul(d),
                        a3);
                a3 = ((FloatVector) ByteVector.fromArray(Q, q, c + 2 * PASS + 3 * LANES)
                                .convertShape(B2F, F, 0))
                        .mul(m)
                        .fma(nl, a3);
                a3 = ((FloatVector) ByteVector.fromArray(Q, q, c + 3 * PASS + 3 * LANES)
                                .convertShape(B2F, F, 0))
                        .mul(m)
                        .fma(nh, a3);
            }
        }
        a0.intoArray(dst, d0);
        a1.intoArray(dst, d0 + LANES);
        a2.intoArray(dst, d0 + 2 * LANES);
        a3.intoArray(dst, d0 + 3 * LANES);
    }

    /**
     * Lane group k of pass p times the inputs at x[x0 ..] .. x[x3 ..], into dst at d0 .. d3; s holds their negated sums
     * from s0 .. s3 ({@link #negatedSubBlockSums}).
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
            int f = unit * PASS + k * LANES;
            for (int g = 0; g < 4; g++) {
                FloatVector l0 = FloatVector.zero(F), l1 = l0, l2 = l0, l3 = l0, h0 = l0, h1 = l0, h2 = l0, h3 = l0;
                int xb = b * BLOCK + 64 * g, c = (unit * UNIT + GROUP * g) * PASS + k * LANES;
                for (int j = 0; j < 32; j++, c += PASS) {
                    // At 128 bits the load also takes the next lane group's column, which part 0 leaves unused.
                    IntVector i = (IntVector) ByteVector.fromArray(Q, q, c).convertShape(B2I, I, 0);
                    FloatVector wl = (FloatVector) i.and(0xF).convert(I2F, 0);
                    FloatVector wh = (FloatVector) i.lanewise(ASHR, 4).and(0xF).convert(I2F, 0);
                    int xl = xb + j, xh = xl + 32;
                    float v0 = x[x0 + xl], v1 = x[x1 + xl], v2 = x[x2 + xl], v3 = x[x3 + xl];
                    float u0 = x[x0 + xh], u1 = x[x1 + xh], u2 = x[x2 + xh], u3 = x[x3 + xh];
                    l0 = wl.fma(FloatVector.broadcast(F, v0), l0);
                    l1 = wl.fma(FloatVector.broadcast(F, v1), l1);
                    l2 = wl.fma(FloatVector.broadcast(F, v2), l2);
                    l3 = wl.fma(FloatVector.broadcast(F, v3), l3);
                    h0 = wh.fma(FloatVector.broadcast(F, u0), h0);
                    h1 = wh.fma(FloatVector.broadcast(F, u1), h1);
                    h2 = wh.fma(FloatVector.broadcast(F, u2), h2);
                    h3 = wh.fma(FloatVector.broadcast(F, u3), h3);
                }
                FloatVector d = FloatVector.fromArray(F, scales, f), m = FloatVector.fromArray(F, mins, f);
                FloatVector dl = ((FloatVector) ByteVector.fromArray(Q, q, c).convertShape(B2F, F, 0)).mul(d);
                FloatVector dh =
                        ((FloatVector) ByteVector.fromArray(Q, q, c + PASS).convertShape(B2F, F, 0)).mul(d);
                FloatVector ml =
                        ((FloatVector) ByteVector.fromArray(Q, q, c + 2 * PASS).convertShape(B2F, F, 0)).mul(m);
                FloatVector mh =
                        ((FloatVector) ByteVector.fromArray(Q, q, c + 3 * PASS).convertShape(B2F, F, 0)).mul(m);
                int si = b * 8 + 2 * g;
                a0 = ml.fma(FloatVector.broadcast(F, s[s0 + si]), h0.fma(dh, l0.fma(dl, a0)));
                a0 = mh.fma(FloatVector.broadcast(F, s[s0 + si + 1]), a0);
                a1 = ml.fma(FloatVector.broadcast(F, s[s1 + si]), h1.fma(dh, l1.fma(dl, a1)));
                a1 = mh.fma(FloatVector.broadcast(F, s[s1 + si + 1]), a1);
                a2 = ml.fma(FloatVector.broadcast(F, s[s2 + si]), h2.fma(dh, l2.fma(dl, a2)));
                a2 = mh.fma(FloatVector.broadcast(F, s[s2 + si + 1]), a2);
                a3 = ml.fma(FloatVector.broadcast(F, s[s3 + si]), h3.fma(dh, l3.fma(dl, a3)));
                a3 = mh.fma(FloatVector.broadcast(F, s[s3 + si + 1]), a3);
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
            int f = unit * PASS + k * LANES;
            for (int g = 0; g < 4; g++) {
                // l*, h*: lane group k's low and high nibbles' chains; m*, n*: lane group k + 1's.
                FloatVector l0 = FloatVector.zero(F), l1 = l0, l2 = l0, l3 = l0, h0 = l0, h1 = l0, h2 = l0, h3 = l0;
                FloatVector m0 = l0, m1 = l0, m2 = l0, m3 = l0, n0 = l0, n1 = l0, n2 = l0, n3 = l0;
                int xb = b * BLOCK + 64 * g, c = (unit * UNIT + GROUP * g) * PASS + k * LANES;
                for (int j = 0; j < 32; j++, c += PASS) {
                    touched += q[ahead];
                    ahead += stride;
                    IntVector i = (IntVector) ByteVector.fromArray(Q, q, c).convertShape(B2I, I, 0);
                    FloatVector wl = (FloatVector) i.and(0xF).convert(I2F, 0);
                    FloatVector wh = (FloatVector) i.lanewise(ASHR, 4).and(0xF).convert(I2F, 0);
                    i = (IntVector) ByteVector.fromArray(Q, q, c + LANES).convertShape(B2I, I, 0);
                    FloatVector vl = (FloatVector) i.and(0xF).convert(I2F, 0);
                    FloatVector vh = (FloatVector) i.lanewise(ASHR, 4).and(0xF).convert(I2F, 0);
                    int xl = xb + j, xh = xl + 32;
                    FloatVector y = FloatVector.broadcast(F, x[x0 + xl]);
                    l0 = wl.fma(y, l0);
                    m0 = vl.fma(y, m0);
                    y = FloatVector.broadcast(F, x[x1 + xl]);
                    l1 = wl.fma(y, l1);
                    m1 = vl.fma(y, m1);
                    y = FloatVector.broadcast(F, x[x2 + xl]);
                    l2 = wl.fma(y, l2);
                    m2 = vl.fma(y, m2);
                    y = FloatVector.broadcast(F, x[x3 + xl]);
                    l3 = wl.fma(y, l3);
                    m3 = vl.fma(y, m3);
                    y = FloatVector.broadcast(F, x[x0 + xh]);
                    h0 = wh.fma(y, h0);
                    n0 = vh.fma(y, n0);
                    y = FloatVector.broadcast(F, x[x1 + xh]);
                    h1 = wh.fma(y, h1);
                    n1 = vh.fma(y, n1);
                    y = FloatVector.broadcast(F, x[x2 + xh]);
                    h2 = wh.fma(y, h2);
                    n2 = vh.fma(y, n2);
                    y = FloatVector.broadcast(F, x[x3 + xh]);
                    h3 = wh.fma(y, h3);
                    n3 = vh.fma(y, n3);
                }
                int si = b * 8 + 2 * g;
                float t0 = s[s0 + si], t1 = s[s1 + si], t2 = s[s2 + si], t3 = s[s3 + si];
                float u0 = s[s0 + si + 1], u1 = s[s1 + si + 1], u2 = s[s2 + si + 1], u3 = s[s3 + si + 1];
                FloatVector d = FloatVector.fromArray(F, scales, f), e = FloatVector.fromArray(F, mins, f);
                FloatVector dl = ((FloatVector) ByteVector.fromArray(Q, q, c).convertShape(B2F, F, 0)).mul(d);
                FloatVector dh =
                        ((FloatVector) ByteVector.fromArray(Q, q, c + PASS).convertShape(B2F, F, 0)).mul(d);
                FloatVector ml =
                        ((FloatVector) ByteVector.fromArray(Q, q, c + 2 * PASS).convertShape(B2F, F, 0)).mul(e);
                FloatVector mh =
                        ((FloatVector) ByteVector.fromArray(Q, q, c + 3 * PASS).convertShape(B2F, F, 0)).mul(e);
                a0 = ml.fma(FloatVector.broadcast(F, t0), h0.fma(dh, l0.fma(dl, a0)));
                a0 = mh.fma(FloatVector.broadcast(F, u0), a0);
                a1 = ml.fma(FloatVector.broadcast(F, t1), h1.fma(dh, l1.fma(dl, a1)));
                a1 = mh.fma(FloatVector.broadcast(F, u1), a1);
                a2 = ml.fma(FloatVector.broadcast(F, t2), h2.fma(dh, l2.fma(dl, a2)));
                a2 = mh.fma(FloatVector.broadcast(F, u2), a2);
                a3 = ml.fma(FloatVector.broadcast(F, t3), h3.fma(dh, l3.fma(dl, a3)));
                a3 = mh.fma(FloatVector.broadcast(F, u3), a3);
                d = FloatVector.fromArray(F, scales, f + LANES);
                e = FloatVector.fromArray(F, mins, f + LANES);
                dl = ((FloatVector) ByteVector.fromArray(Q, q, c + LANES).convertShape(B2F, F, 0)).mul(d);
                dh = ((FloatVector) ByteVector.fromArray(Q, q, c + PASS + LANES).convertShape(B2F, F, 0)).mul(d);
                ml = ((FloatVector)
                                ByteVector.fromArray(Q, q, c + 2 * PASS + LANES).convertShape(B2F, F, 0))
                        .mul(e);
                mh = ((FloatVector)
                                ByteVector.fromArray(Q, q, c + 3 * PASS + LANES).convertShape(B2F, F, 0))
                        .mul(e);
                b0 = ml.fma(FloatVector.broadcast(F, t0), n0.fma(dh, m0.fma(dl, b0)));
                b0 = mh.fma(FloatVector.broadcast(F, u0), b0);
                b1 = ml.fma(FloatVector.broadcast(F, t1), n1.fma(dh, m1.fma(dl, b1)));
                b1 = mh.fma(FloatVector.broadcast(F, u1), b1);
                b2 = ml.fma(FloatVector.broadcast(F, t2), n2.fma(dh, m2.fma(dl, b2)));
                b2 = mh.fma(FloatVector.broadcast(F, u2), b2);
                b3 = ml.fma(FloatVector.broadcast(F, t3), n3.fma(dh, m3.fma(dl, b3)));
                b3 = mh.fma(FloatVector.broadcast(F, u3), b3);
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
     * Minus the sums of x over each run of {@code run} (a sub-block: 32 for Q4_1, Q5_1 and these K-quants, 16 for
     * Q2_K), in a per-thread array: the minimums' part of a row is then mins . xs, multiply-adds into the row's
     * accumulator. Scalar on purpose, four chains: it runs once per call, too rarely for C2 to inline {@link Simd#sum}
     * into it, and it then boxed a vector at every sub-block (JMH -prof gc: 47 KB allocated per 768x3072 call).
     */
    static float[] negatedSubBlockSums(float[] x, int xOff, int cols, int run) {
        return negatedSubBlockSums(x, xOff, 0, 1, cols, run);
    }

    /**
     * {@link #negatedSubBlockSums(float[], int, int, int)} for inputs i below n at x[xOff + i * xStride ..], input i's
     * from (cols / run) * i: the rows-in-lanes kernels (Q4_K, Q5_K) and their twins all take them from here, so that
     * their bits agree.
     */
    static float[] negatedSubBlockSums(float[] x, int xOff, int xStride, int n, int cols, int run) {
        int per = cols / run;
        float[] s = SUMS.get();
        if (s.length < n * per) SUMS.set(s = new float[n * per]);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < per; j++) {
                int c = xOff + i * xStride + run * j;
                float a = 0f, b = 0f, e = 0f, f = 0f;
                for (int k = c; k < c + run; k += 4) {
                    a += x[k];
                    b += x[k + 1];
                    e += x[k + 2];
                    f += x[k + 3];
                }
                s[i * per + j] = -((a + b) + (e + f));
            }
        }
        return s;
    }

    private static final ThreadLocal<float[]> SUMS = ThreadLocal.withInitial(() -> new float[0]);

    /**
     * Rows [r0, r1) of w as floats, row-major from panel[o0] on (the batched kernel's input), from the file's
     * blocks, each copied to the heap first: read in place, its scales' bytes through the segment, this ran at 0.75x.
     */
    static void dequantize(MemorySegment w, int cols, int r0, int r1, float[] panel, int o0) {
        int step = F.length();
        int parts = 16 / step;
        byte[] src = BLOCKS.get();
        int o = o0;
        for (long block = (long) r0 * (cols / BLOCK), end = (long) r1 * (cols / BLOCK); block < end; block++) {
            MemorySegment.copy(w, JAVA_BYTE, block * BLOCK_BYTES, src, 0, BLOCK_BYTES);
            float d = Bytes8.half(src, 0);
            float dmin = Bytes8.half(src, 2);
            for (int g = 0; g < 4; g++, o += 64) {
                FloatVector d1 = FloatVector.broadcast(F, d * BlockFormats.scaleK4(src, 4, 2 * g));
                FloatVector m1 = FloatVector.broadcast(F, dmin * BlockFormats.minK4(src, 4, 2 * g));
                FloatVector d2 = FloatVector.broadcast(F, d * BlockFormats.scaleK4(src, 4, 2 * g + 1));
                FloatVector m2 = FloatVector.broadcast(F, dmin * BlockFormats.minK4(src, 4, 2 * g + 1));
                for (int k = 0; k < 2; k++) {
                    ByteVector qs = ByteVector.fromArray(B128, src, 16 + 32 * g + 16 * k);
                    for (int p = 0; p < parts; p++) {
                        IntVector q = (IntVector) qs.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
                        int po = o + 16 * k + p * step;
                        ((FloatVector) q.and(0xF).convert(I2F, 0))
                                .mul(d1)
                                .sub(m1)
                                .intoArray(panel, po);
                        ((FloatVector) q.lanewise(VectorOperators.LSHR, 4).convert(I2F, 0))
                                .mul(d2)
                                .sub(m2)
                                .intoArray(panel, po + 32);
                    }
                }
            }
        }
    }

    // Per thread: the block dequantize reads.
    private static final ThreadLocal<byte[]> BLOCKS = ThreadLocal.withInitial(() -> new byte[BLOCK_BYTES]);

    /** The scalar twin of the kernels, on the file's blocks: the arithmetic they follow, bit for bit. */
    static void scalar(
            MemorySegment w, int cols, float[] x, int xOff, float[] out, int outOff, int rowStart, int rowEnd) {
        int blocks = cols / BLOCK;
        float[] s = negatedSubBlockSums(x, xOff, cols, 32);
        for (int r = rowStart; r < rowEnd; r++) {
            float acc = 0f;
            for (int b = 0; b < blocks; b++) {
                long block = ((long) r * blocks + b) * BLOCK_BYTES;
                float d = Float.float16ToFloat(w.get(LE_SHORT, block));
                float dmin = Float.float16ToFloat(w.get(LE_SHORT, block + 2));
                for (int g = 0; g < 4; g++) {
                    int xb = xOff + b * BLOCK + 64 * g;
                    float low = 0f, high = 0f;
                    for (int l = 0; l < 32; l++) {
                        int q = w.get(JAVA_BYTE, block + 16 + 32 * g + l) & 0xFF;
                        low = Math.fma(q & 0xF, x[xb + l], low);
                        high = Math.fma(q >> 4, x[xb + 32 + l], high);
                    }
                    acc = Math.fma(low, d * BlockFormats.scaleK4(w, block + 4, 2 * g), acc);
                    acc = Math.fma(high, d * BlockFormats.scaleK4(w, block + 4, 2 * g + 1), acc);
                    acc = Math.fma(dmin * BlockFormats.minK4(w, block + 4, 2 * g), s[b * 8 + 2 * g], acc);
                    acc = Math.fma(dmin * BlockFormats.minK4(w, block + 4, 2 * g + 1), s[b * 8 + 2 * g + 1], acc);
                }
            }
            out[outOff + r] = acc;
        }
    }
}
