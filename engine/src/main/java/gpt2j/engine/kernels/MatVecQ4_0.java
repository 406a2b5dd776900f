package gpt2j.engine.kernels;

import static gpt2j.engine.kernels.Simd.F;
import static gpt2j.engine.kernels.Simd.LE_SHORT;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.nio.ByteOrder.LITTLE_ENDIAN;
import static jdk.incubator.vector.VectorOperators.ASHR;
import static jdk.incubator.vector.VectorOperators.B2I;
import static jdk.incubator.vector.VectorOperators.I2F;
import static jdk.incubator.vector.VectorOperators.LSHL;

import gpt2j.weights.GgmlType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q4_0 mat-vec. The file's rows are cols/32 blocks of 18 bytes, {fp16 d, uint8 qs[16]}; the low nibble of qs[j] is
 * element j and the high nibble element j+16, value = (nibble - 8) * d (ggml block_q4_0); cols must be a multiple of
 * 32. Generation reads {@link RowLanes}' repack, weight rows in vector lanes, which {@link #repack} makes at load: per
 * pass of four lane groups and block, the 16 byte columns one after another, each the pass's bytes of that column,
 * then the pass's scales as floats. Each byte is stored xor 0x88, so that its nibbles
 * are the values as signed 4-bit numbers: sign-extended to an int, the high one is a shift right, with no subtraction
 * of 8, and the low one a shift left by 28 alone, which is the value times 2^28 (the kernels scale its chain back once
 * per block, see {@link #LOW}).
 *
 * <p>The kernels of a pass ({@link #pass}, {@link #group4}, {@link #group4x2}) compute a row as {@link #scalar} does: per block an
 * FMA chain over the low nibbles' columns (0-15), their values times 2^28, and one over the high nibbles' (16-31),
 * each in column order from zero, then acc = fma(low * 2^-28 + high, d, acc).
 */
final class MatVecQ4_0 {

    static final int BLOCK = GgmlType.Q4_0.blockSize;
    static final int BLOCK_BYTES = GgmlType.Q4_0.bytesPerBlock;

    static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128;
    static final VectorSpecies<Integer> I = F.vectorShape().withLanes(int.class);

    private static final int LANES = RowLanes.LANES, PASS = RowLanes.PASS;
    private static final VectorSpecies<Byte> Q = RowLanes.Q;

    /**
     * The low nibbles' chains run on the values times 2^28, one shift fewer per byte than shifting them back (1.1-1.2x
     * the one-token kernel in JMH), and are multiplied by this once per block. Scaling by a power of two commutes with
     * rounding, so this is the plain chain's result unless a product falls below float's normal range.
     */
    static final float LOW = 0x1p-28f;

    private MatVecQ4_0() {}

    /**
     * Fills the repack from the file's rows: quants[(p * blocks + b) * 16 * PASS + j * PASS + r % PASS] is byte j of row
     * r's block b xor 0x88, scales[(p * blocks + b) * PASS + r % PASS] its scale, p = r / PASS. A pass's rows are
     * copied to the heap at once, as {@link MatVecQ8_0#repack} does.
     */
    static void repack(MemorySegment w, int rows, int cols, byte[] quants, float[] scales) {
        int blocks = cols / BLOCK, rowBytes = blocks * BLOCK_BYTES;
        byte[] src = new byte[PASS * rowBytes];
        for (int p = 0; p * PASS < rows; p++) {
            int n = Math.min(PASS, rows - p * PASS);
            MemorySegment.copy(w, JAVA_BYTE, (long) p * PASS * rowBytes, src, 0, n * rowBytes);
            for (int b = 0; b < blocks; b++) {
                int unit = p * blocks + b;
                for (int l = 0, at = b * BLOCK_BYTES; l < n; l++, at += rowBytes) {
                    scales[unit * PASS + l] = Bytes8.half(src, at);
                    for (int j = 0, o = unit * BLOCK / 2 * PASS + l; j < BLOCK / 2; j++, o += PASS)
                        quants[o] = (byte) (src[at + 2 + j] ^ 0x88);
                }
            }
        }
    }

    /*
     * The kernels below are written out in full, without helper methods that take or return vectors: a call C2 does
     * not inline boxes its vectors (docs/PERFORMANCE.md, "slow processes").
     */

    /** Pass p's PASS rows times x into dst[d0 ..]. */
    static void pass(byte[] q, float[] scales, int blocks, float[] x, int xOff, int p, float[] dst, int d0) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int b = 0, unit = p * blocks; b < blocks; b++, unit++) {
            // l*: the low nibbles' chains of the four lane groups, h*: the high nibbles'.
            FloatVector l0 = FloatVector.zero(F), l1 = l0, l2 = l0, l3 = l0, h0 = l0, h1 = l0, h2 = l0, h3 = l0;
            int xb = xOff + b * BLOCK;
            for (int j = 0, c = unit * BLOCK / 2 * PASS; j < BLOCK / 2; j++, c += PASS) {
                FloatVector xl = FloatVector.broadcast(F, x[xb + j]), xh = FloatVector.broadcast(F, x[xb + j + 16]);
                IntVector i0 = (IntVector) ByteVector.fromArray(Q, q, c).convertShape(B2I, I, 0);
                IntVector i1 = (IntVector) ByteVector.fromArray(Q, q, c + LANES).convertShape(B2I, I, 0);
                IntVector i2 =
                        (IntVector) ByteVector.fromArray(Q, q, c + 2 * LANES).convertShape(B2I, I, 0);
                IntVector i3 =
                        (IntVector) ByteVector.fromArray(Q, q, c + 3 * LANES).convertShape(B2I, I, 0);
                l0 = ((FloatVector) i0.lanewise(LSHL, 28).convert(I2F, 0)).fma(xl, l0);
                l1 = ((FloatVector) i1.lanewise(LSHL, 28).convert(I2F, 0)).fma(xl, l1);
                l2 = ((FloatVector) i2.lanewise(LSHL, 28).convert(I2F, 0)).fma(xl, l2);
                l3 = ((FloatVector) i3.lanewise(LSHL, 28).convert(I2F, 0)).fma(xl, l3);
                h0 = ((FloatVector) i0.lanewise(ASHR, 4).convert(I2F, 0)).fma(xh, h0);
                h1 = ((FloatVector) i1.lanewise(ASHR, 4).convert(I2F, 0)).fma(xh, h1);
                h2 = ((FloatVector) i2.lanewise(ASHR, 4).convert(I2F, 0)).fma(xh, h2);
                h3 = ((FloatVector) i3.lanewise(ASHR, 4).convert(I2F, 0)).fma(xh, h3);
            }
            int s = unit * PASS;
            a0 = l0.mul(LOW).add(h0).fma(FloatVector.fromArray(F, scales, s), a0);
            a1 = l1.mul(LOW).add(h1).fma(FloatVector.fromArray(F, scales, s + LANES), a1);
            a2 = l2.mul(LOW).add(h2).fma(FloatVector.fromArray(F, scales, s + 2 * LANES), a2);
            a3 = l3.mul(LOW).add(h3).fma(FloatVector.fromArray(F, scales, s + 3 * LANES), a3);
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
        int shift = (p2 - p) * blocks * BLOCK / 2 * PASS;
        for (int b = 0, unit = p * blocks; b < blocks; b++, unit++) {
            FloatVector l0 = FloatVector.zero(F), l1 = l0, l2 = l0, l3 = l0, h0 = l0, h1 = l0, h2 = l0, h3 = l0;
            FloatVector m0 = l0, m1 = l0, m2 = l0, m3 = l0, g0 = l0, g1 = l0, g2 = l0, g3 = l0;
            int xb = xOff + b * BLOCK;
            for (int j = 0, c = unit * BLOCK / 2 * PASS; j < BLOCK / 2; j++, c += PASS) {
                FloatVector xl = FloatVector.broadcast(F, x[xb + j]), xh = FloatVector.broadcast(F, x[xb + j + 16]);
                IntVector i0 = (IntVector) ByteVector.fromArray(Q, q, c).convertShape(B2I, I, 0);
                IntVector i1 = (IntVector) ByteVector.fromArray(Q, q, c + LANES).convertShape(B2I, I, 0);
                l0 = ((FloatVector) i0.lanewise(LSHL, 28).convert(I2F, 0)).fma(xl, l0);
                l1 = ((FloatVector) i1.lanewise(LSHL, 28).convert(I2F, 0)).fma(xl, l1);
                h0 = ((FloatVector) i0.lanewise(ASHR, 4).convert(I2F, 0)).fma(xh, h0);
                h1 = ((FloatVector) i1.lanewise(ASHR, 4).convert(I2F, 0)).fma(xh, h1);
                IntVector i2 =
                        (IntVector) ByteVector.fromArray(Q, q, c + 2 * LANES).convertShape(B2I, I, 0);
                IntVector i3 =
                        (IntVector) ByteVector.fromArray(Q, q, c + 3 * LANES).convertShape(B2I, I, 0);
                l2 = ((FloatVector) i2.lanewise(LSHL, 28).convert(I2F, 0)).fma(xl, l2);
                l3 = ((FloatVector) i3.lanewise(LSHL, 28).convert(I2F, 0)).fma(xl, l3);
                h2 = ((FloatVector) i2.lanewise(ASHR, 4).convert(I2F, 0)).fma(xh, h2);
                h3 = ((FloatVector) i3.lanewise(ASHR, 4).convert(I2F, 0)).fma(xh, h3);
                int e = c + shift;
                IntVector k0 = (IntVector) ByteVector.fromArray(Q, q, e).convertShape(B2I, I, 0);
                IntVector k1 = (IntVector) ByteVector.fromArray(Q, q, e + LANES).convertShape(B2I, I, 0);
                m0 = ((FloatVector) k0.lanewise(LSHL, 28).convert(I2F, 0)).fma(xl, m0);
                m1 = ((FloatVector) k1.lanewise(LSHL, 28).convert(I2F, 0)).fma(xl, m1);
                g0 = ((FloatVector) k0.lanewise(ASHR, 4).convert(I2F, 0)).fma(xh, g0);
                g1 = ((FloatVector) k1.lanewise(ASHR, 4).convert(I2F, 0)).fma(xh, g1);
                IntVector k2 =
                        (IntVector) ByteVector.fromArray(Q, q, e + 2 * LANES).convertShape(B2I, I, 0);
                IntVector k3 =
                        (IntVector) ByteVector.fromArray(Q, q, e + 3 * LANES).convertShape(B2I, I, 0);
                m2 = ((FloatVector) k2.lanewise(LSHL, 28).convert(I2F, 0)).fma(xl, m2);
                m3 = ((FloatVector) k3.lanewise(LSHL, 28).convert(I2F, 0)).fma(xl, m3);
                g2 = ((FloatVector) k2.lanewise(ASHR, 4).convert(I2F, 0)).fma(xh, g2);
                g3 = ((FloatVector) k3.lanewise(ASHR, 4).convert(I2F, 0)).fma(xh, g3);
            }
            int s = unit * PASS, s2 = (unit + (p2 - p) * blocks) * PASS;
            a0 = l0.mul(LOW).add(h0).fma(FloatVector.fromArray(F, scales, s), a0);
            a1 = l1.mul(LOW).add(h1).fma(FloatVector.fromArray(F, scales, s + LANES), a1);
            a2 = l2.mul(LOW).add(h2).fma(FloatVector.fromArray(F, scales, s + 2 * LANES), a2);
            a3 = l3.mul(LOW).add(h3).fma(FloatVector.fromArray(F, scales, s + 3 * LANES), a3);
            b0 = m0.mul(LOW).add(g0).fma(FloatVector.fromArray(F, scales, s2), b0);
            b1 = m1.mul(LOW).add(g1).fma(FloatVector.fromArray(F, scales, s2 + LANES), b1);
            b2 = m2.mul(LOW).add(g2).fma(FloatVector.fromArray(F, scales, s2 + 2 * LANES), b2);
            b3 = m3.mul(LOW).add(g3).fma(FloatVector.fromArray(F, scales, s2 + 3 * LANES), b3);
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
            FloatVector l0 = FloatVector.zero(F), l1 = l0, l2 = l0, l3 = l0, h0 = l0, h1 = l0, h2 = l0, h3 = l0;
            int xb = b * BLOCK;
            for (int j = 0, c = unit * BLOCK / 2 * PASS + k * LANES; j < BLOCK / 2; j++, c += PASS) {
                // At 128 bits the load also takes the next lane group's column, which part 0 leaves unused.
                IntVector i = (IntVector) ByteVector.fromArray(Q, q, c).convertShape(B2I, I, 0);
                FloatVector wl = (FloatVector) i.lanewise(LSHL, 28).convert(I2F, 0);
                FloatVector wh = (FloatVector) i.lanewise(ASHR, 4).convert(I2F, 0);
                int xl = xb + j, xh = xl + 16;
                l0 = wl.fma(FloatVector.broadcast(F, x[x0 + xl]), l0);
                l1 = wl.fma(FloatVector.broadcast(F, x[x1 + xl]), l1);
                l2 = wl.fma(FloatVector.broadcast(F, x[x2 + xl]), l2);
                l3 = wl.fma(FloatVector.broadcast(F, x[x3 + xl]), l3);
                h0 = wh.fma(FloatVector.broadcast(F, x[x0 + xh]), h0);
                h1 = wh.fma(FloatVector.broadcast(F, x[x1 + xh]), h1);
                h2 = wh.fma(FloatVector.broadcast(F, x[x2 + xh]), h2);
                h3 = wh.fma(FloatVector.broadcast(F, x[x3 + xh]), h3);
            }
            FloatVector d = FloatVector.fromArray(F, scales, unit * PASS + k * LANES);
            a0 = l0.mul(LOW).add(h0).fma(d, a0);
            a1 = l1.mul(LOW).add(h1).fma(d, a1);
            a2 = l2.mul(LOW).add(h2).fma(d, a2);
            a3 = l3.mul(LOW).add(h3).fma(d, a3);
        }
        a0.intoArray(dst, d0);
        a1.intoArray(dst, d1);
        a2.intoArray(dst, d2);
        a3.intoArray(dst, d3);
    }

    /**
     * {@link #group4} for lane groups k and k + 1 at once, into dst at d0 .. d3 and LANES on: each input value is
     * broadcast once for both, sixteen FMA chains, as {@link MatVecQ8_0#group4x2}.
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
            // l*, h*: lane group k's low and high nibbles' chains; m*, n*: lane group k + 1's.
            FloatVector l0 = FloatVector.zero(F), l1 = l0, l2 = l0, l3 = l0, h0 = l0, h1 = l0, h2 = l0, h3 = l0;
            FloatVector m0 = l0, m1 = l0, m2 = l0, m3 = l0, n0 = l0, n1 = l0, n2 = l0, n3 = l0;
            int xb = b * BLOCK;
            for (int j = 0, c = unit * BLOCK / 2 * PASS + k * LANES; j < BLOCK / 2; j++, c += PASS) {
                IntVector i = (IntVector) ByteVector.fromArray(Q, q, c).convertShape(B2I, I, 0);
                IntVector u = (IntVector) ByteVector.fromArray(Q, q, c + LANES).convertShape(B2I, I, 0);
                FloatVector wl = (FloatVector) i.lanewise(LSHL, 28).convert(I2F, 0);
                FloatVector wh = (FloatVector) i.lanewise(ASHR, 4).convert(I2F, 0);
                FloatVector vl = (FloatVector) u.lanewise(LSHL, 28).convert(I2F, 0);
                FloatVector vh = (FloatVector) u.lanewise(ASHR, 4).convert(I2F, 0);
                int xl = xb + j, xh = xl + 16;
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
            int s = unit * PASS + k * LANES;
            FloatVector d = FloatVector.fromArray(F, scales, s), dn = FloatVector.fromArray(F, scales, s + LANES);
            a0 = l0.mul(LOW).add(h0).fma(d, a0);
            a1 = l1.mul(LOW).add(h1).fma(d, a1);
            a2 = l2.mul(LOW).add(h2).fma(d, a2);
            a3 = l3.mul(LOW).add(h3).fma(d, a3);
            b0 = m0.mul(LOW).add(n0).fma(dn, b0);
            b1 = m1.mul(LOW).add(n1).fma(dn, b1);
            b2 = m2.mul(LOW).add(n2).fma(dn, b2);
            b3 = m3.mul(LOW).add(n3).fma(dn, b3);
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

    /** Rows [r0, r1) of w as floats, row-major from panel[o0] on (the batched kernel's input). */
    static void dequantize(MemorySegment w, int cols, int r0, int r1, float[] panel, int o0) {
        int blocks = cols / BLOCK;
        int step = F.length();
        int o = o0;
        // The fp16 scales are read in place here: this loop is bound by its stores, and reading the float scales
        // as well ran slower.
        for (long block = (long) r0 * blocks * BLOCK_BYTES, end = (long) r1 * blocks * BLOCK_BYTES;
                block < end;
                block += BLOCK_BYTES, o += BLOCK) {
            ByteVector qs = ByteVector.fromMemorySegment(B128, w, block + 2, LITTLE_ENDIAN);
            FloatVector d = FloatVector.broadcast(F, Float.float16ToFloat(w.get(LE_SHORT, block)));
            for (int p = 0; p < BLOCK / 2 / step; p++) {
                IntVector q = (IntVector) qs.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
                int lo = o + p * step;
                ((FloatVector) q.and(0xF).sub(8).convert(VectorOperators.I2F, 0))
                        .mul(d)
                        .intoArray(panel, lo);
                ((FloatVector) q.lanewise(VectorOperators.LSHR, 4).sub(8).convert(VectorOperators.I2F, 0))
                        .mul(d)
                        .intoArray(panel, lo + BLOCK / 2);
            }
        }
    }

    /** The scalar twin of the kernels, on the file's blocks: the arithmetic they follow, bit for bit. */
    static void scalar(
            MemorySegment w, int cols, float[] x, int xOff, float[] out, int outOff, int rowStart, int rowEnd) {
        int blocks = cols / BLOCK;
        for (int r = rowStart; r < rowEnd; r++) {
            long block = (long) r * blocks * BLOCK_BYTES;
            float acc = 0f;
            for (int b = 0; b < blocks; b++, block += BLOCK_BYTES) {
                int xb = xOff + b * BLOCK;
                float low = 0f, high = 0f;
                for (int j = 0; j < BLOCK / 2; j++) {
                    int q = w.get(JAVA_BYTE, block + 2 + j);
                    low = Math.fma((float) ((q & 0xF) - 8 << 28), x[xb + j], low);
                    high = Math.fma(((q >> 4) & 0xF) - 8, x[xb + j + BLOCK / 2], high);
                }
                acc = Math.fma(low * LOW + high, Float.float16ToFloat(w.get(LE_SHORT, block)), acc);
            }
            out[outOff + r] = acc;
        }
    }
}
