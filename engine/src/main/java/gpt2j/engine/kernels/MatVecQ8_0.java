package gpt2j.engine.kernels;

import static gpt2j.engine.kernels.Simd.F;
import static gpt2j.engine.kernels.Simd.LE_SHORT;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.nio.ByteOrder.LITTLE_ENDIAN;
import static jdk.incubator.vector.VectorOperators.B2F;

import gpt2j.weights.GgmlType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q8_0: the file's rows are cols/32 blocks of 34 bytes, {fp16 d, int8 q[32]}, value = q * d (ggml block_q8_0); cols
 * must be a multiple of 32. Generation reads {@link RowLanes}' repack, weight rows in vector lanes, which
 * {@link #repack} makes at load: a column is the pass's quant bytes, the block's scales the pass's floats. The
 * kernels of a pass ({@link #pass}, {@link #group4}, {@link #group4x2}) compute each row as {@link #scalar} does: per block, the even
 * columns' products summed in column order by FMA from zero, the odd columns' likewise, then acc = fma(even + odd, d,
 * acc).
 */
final class MatVecQ8_0 {

    static final int BLOCK = GgmlType.Q8_0.blockSize;
    static final int BLOCK_BYTES = GgmlType.Q8_0.bytesPerBlock;

    private static final int LANES = RowLanes.LANES, PASS = RowLanes.PASS, PARTS = RowLanes.PARTS;
    private static final VectorSpecies<Byte> Q = RowLanes.Q;

    private MatVecQ8_0() {}

    /**
     * Fills the repack from the file's rows: quants[(p * blocks + b) * 32 * PASS + j * PASS + r % PASS] is quant j of
     * row r's block b, scales[(p * blocks + b) * PASS + r % PASS] its scale, p = r / PASS; the padding rows stay zero.
     * A pass's rows are copied to the heap at once, since a read from the mapping at a time paid the segment's checks
     * while this code was still cold.
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
                    for (int j = 0, o = unit * BLOCK * PASS + l; j < BLOCK; j++, o += PASS) quants[o] = src[at + 2 + j];
                }
            }
        }
    }

    /*
     * The kernels below are written out in full, without helper methods that take or return vectors: C2 inlines a
     * method that has compiled code of its own only while that code is under 2,500 bytes (InlineSmallCode), and a call
     * it does not inline boxes its vectors (docs/PERFORMANCE.md, "slow processes").
     */

    /** Pass p's PASS rows times x into dst[d0 ..]. */
    static void pass(byte[] q, float[] scales, int blocks, float[] x, int xOff, int p, float[] dst, int d0) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int b = 0, unit = p * blocks; b < blocks; b++, unit++) {
            // e*: the even columns' chains of the four lane groups, o*: the odd columns'.
            FloatVector e0 = FloatVector.zero(F), e1 = e0, e2 = e0, e3 = e0, o0 = e0, o1 = e0, o2 = e0, o3 = e0;
            int xb = xOff + b * BLOCK;
            for (int j = 0, c = unit * BLOCK * PASS; j < BLOCK; j += 2, c += 2 * PASS) {
                FloatVector xe = FloatVector.broadcast(F, x[xb + j]), xo = FloatVector.broadcast(F, x[xb + j + 1]);
                int d = c + PASS;
                e0 = ((FloatVector) ByteVector.fromArray(Q, q, c).convertShape(B2F, F, 0)).fma(xe, e0);
                e1 = ((FloatVector) ByteVector.fromArray(Q, q, c + LANES).convertShape(B2F, F, 0)).fma(xe, e1);
                e2 = ((FloatVector) ByteVector.fromArray(Q, q, c + 2 * LANES).convertShape(B2F, F, 0)).fma(xe, e2);
                e3 = ((FloatVector) ByteVector.fromArray(Q, q, c + 3 * LANES).convertShape(B2F, F, 0)).fma(xe, e3);
                o0 = ((FloatVector) ByteVector.fromArray(Q, q, d).convertShape(B2F, F, 0)).fma(xo, o0);
                o1 = ((FloatVector) ByteVector.fromArray(Q, q, d + LANES).convertShape(B2F, F, 0)).fma(xo, o1);
                o2 = ((FloatVector) ByteVector.fromArray(Q, q, d + 2 * LANES).convertShape(B2F, F, 0)).fma(xo, o2);
                o3 = ((FloatVector) ByteVector.fromArray(Q, q, d + 3 * LANES).convertShape(B2F, F, 0)).fma(xo, o3);
            }
            int s = unit * PASS;
            a0 = e0.add(o0).fma(FloatVector.fromArray(F, scales, s), a0);
            a1 = e1.add(o1).fma(FloatVector.fromArray(F, scales, s + LANES), a1);
            a2 = e2.add(o2).fma(FloatVector.fromArray(F, scales, s + 2 * LANES), a2);
            a3 = e3.add(o3).fma(FloatVector.fromArray(F, scales, s + 3 * LANES), a3);
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
        int shift = (p2 - p) * blocks * BLOCK * PASS;
        for (int b = 0, unit = p * blocks; b < blocks; b++, unit++) {
            FloatVector e0 = FloatVector.zero(F), e1 = e0, e2 = e0, e3 = e0, o0 = e0, o1 = e0, o2 = e0, o3 = e0;
            FloatVector f0 = e0, f1 = e0, f2 = e0, f3 = e0, g0 = e0, g1 = e0, g2 = e0, g3 = e0;
            int xb = xOff + b * BLOCK;
            for (int j = 0, c = unit * BLOCK * PASS; j < BLOCK; j += 2, c += 2 * PASS) {
                FloatVector xe = FloatVector.broadcast(F, x[xb + j]), xo = FloatVector.broadcast(F, x[xb + j + 1]);
                int d = c + PASS, c2 = c + shift, e = d + shift;
                e0 = ((FloatVector) ByteVector.fromArray(Q, q, c).convertShape(B2F, F, 0)).fma(xe, e0);
                e1 = ((FloatVector) ByteVector.fromArray(Q, q, c + LANES).convertShape(B2F, F, 0)).fma(xe, e1);
                e2 = ((FloatVector) ByteVector.fromArray(Q, q, c + 2 * LANES).convertShape(B2F, F, 0)).fma(xe, e2);
                e3 = ((FloatVector) ByteVector.fromArray(Q, q, c + 3 * LANES).convertShape(B2F, F, 0)).fma(xe, e3);
                f0 = ((FloatVector) ByteVector.fromArray(Q, q, c2).convertShape(B2F, F, 0)).fma(xe, f0);
                f1 = ((FloatVector) ByteVector.fromArray(Q, q, c2 + LANES).convertShape(B2F, F, 0)).fma(xe, f1);
                f2 = ((FloatVector) ByteVector.fromArray(Q, q, c2 + 2 * LANES).convertShape(B2F, F, 0)).fma(xe, f2);
                f3 = ((FloatVector) ByteVector.fromArray(Q, q, c2 + 3 * LANES).convertShape(B2F, F, 0)).fma(xe, f3);
                o0 = ((FloatVector) ByteVector.fromArray(Q, q, d).convertShape(B2F, F, 0)).fma(xo, o0);
                o1 = ((FloatVector) ByteVector.fromArray(Q, q, d + LANES).convertShape(B2F, F, 0)).fma(xo, o1);
                o2 = ((FloatVector) ByteVector.fromArray(Q, q, d + 2 * LANES).convertShape(B2F, F, 0)).fma(xo, o2);
                o3 = ((FloatVector) ByteVector.fromArray(Q, q, d + 3 * LANES).convertShape(B2F, F, 0)).fma(xo, o3);
                g0 = ((FloatVector) ByteVector.fromArray(Q, q, e).convertShape(B2F, F, 0)).fma(xo, g0);
                g1 = ((FloatVector) ByteVector.fromArray(Q, q, e + LANES).convertShape(B2F, F, 0)).fma(xo, g1);
                g2 = ((FloatVector) ByteVector.fromArray(Q, q, e + 2 * LANES).convertShape(B2F, F, 0)).fma(xo, g2);
                g3 = ((FloatVector) ByteVector.fromArray(Q, q, e + 3 * LANES).convertShape(B2F, F, 0)).fma(xo, g3);
            }
            int s = unit * PASS, s2 = (unit + (p2 - p) * blocks) * PASS;
            a0 = e0.add(o0).fma(FloatVector.fromArray(F, scales, s), a0);
            a1 = e1.add(o1).fma(FloatVector.fromArray(F, scales, s + LANES), a1);
            a2 = e2.add(o2).fma(FloatVector.fromArray(F, scales, s + 2 * LANES), a2);
            a3 = e3.add(o3).fma(FloatVector.fromArray(F, scales, s + 3 * LANES), a3);
            b0 = f0.add(g0).fma(FloatVector.fromArray(F, scales, s2), b0);
            b1 = f1.add(g1).fma(FloatVector.fromArray(F, scales, s2 + LANES), b1);
            b2 = f2.add(g2).fma(FloatVector.fromArray(F, scales, s2 + 2 * LANES), b2);
            b3 = f3.add(g3).fma(FloatVector.fromArray(F, scales, s2 + 3 * LANES), b3);
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
            FloatVector e0 = FloatVector.zero(F), e1 = e0, e2 = e0, e3 = e0, o0 = e0, o1 = e0, o2 = e0, o3 = e0;
            int xb = b * BLOCK;
            for (int j = 0, c = unit * BLOCK * PASS + k * LANES; j < BLOCK; j += 2, c += 2 * PASS) {
                // At 128 bits each load also takes the next lane group's column, which part 0 leaves unused.
                FloatVector we = (FloatVector) ByteVector.fromArray(Q, q, c).convertShape(B2F, F, 0);
                FloatVector wo =
                        (FloatVector) ByteVector.fromArray(Q, q, c + PASS).convertShape(B2F, F, 0);
                int xe = xb + j;
                e0 = we.fma(FloatVector.broadcast(F, x[x0 + xe]), e0);
                e1 = we.fma(FloatVector.broadcast(F, x[x1 + xe]), e1);
                e2 = we.fma(FloatVector.broadcast(F, x[x2 + xe]), e2);
                e3 = we.fma(FloatVector.broadcast(F, x[x3 + xe]), e3);
                o0 = wo.fma(FloatVector.broadcast(F, x[x0 + xe + 1]), o0);
                o1 = wo.fma(FloatVector.broadcast(F, x[x1 + xe + 1]), o1);
                o2 = wo.fma(FloatVector.broadcast(F, x[x2 + xe + 1]), o2);
                o3 = wo.fma(FloatVector.broadcast(F, x[x3 + xe + 1]), o3);
            }
            FloatVector d = FloatVector.fromArray(F, scales, unit * PASS + k * LANES);
            a0 = e0.add(o0).fma(d, a0);
            a1 = e1.add(o1).fma(d, a1);
            a2 = e2.add(o2).fma(d, a2);
            a3 = e3.add(o3).fma(d, a3);
        }
        a0.intoArray(dst, d0);
        a1.intoArray(dst, d1);
        a2.intoArray(dst, d2);
        a3.intoArray(dst, d3);
    }

    /**
     * {@link #group4} for lane groups k and k + 1 at once, into dst at d0 .. d3 and LANES on: each input value is
     * broadcast once for both, sixteen FMA chains. Only where the register file has 32 vectors ({@link RowLanes#PAIRS}).
     * JMH, one thread, four inputs (2026-12-07): 1.4-1.5x group4 at 2304x768 and 3072x768, 1.1-1.3x at 768x3072
     * (docs/KERNELS.md). Each column pair also reads q[ahead], ahead advancing by stride: the caller's share of the next
     * pass, read ahead so that it streams from memory while this call computes ({@link RowLanes#touched}).
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
            int d3,
            int ahead,
            int stride) {
        int touched = 0;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        for (int b = 0, unit = p * blocks; b < blocks; b++, unit++) {
            // e*, o*: lane group k's even and odd columns' chains; f*, g*: lane group k + 1's.
            FloatVector e0 = FloatVector.zero(F), e1 = e0, e2 = e0, e3 = e0, o0 = e0, o1 = e0, o2 = e0, o3 = e0;
            FloatVector f0 = e0, f1 = e0, f2 = e0, f3 = e0, g0 = e0, g1 = e0, g2 = e0, g3 = e0;
            int xb = b * BLOCK;
            for (int j = 0, c = unit * BLOCK * PASS + k * LANES; j < BLOCK; j += 2, c += 2 * PASS) {
                touched += q[ahead];
                ahead += stride;
                FloatVector we = (FloatVector) ByteVector.fromArray(Q, q, c).convertShape(B2F, F, 0);
                FloatVector wo =
                        (FloatVector) ByteVector.fromArray(Q, q, c + PASS).convertShape(B2F, F, 0);
                FloatVector ve =
                        (FloatVector) ByteVector.fromArray(Q, q, c + LANES).convertShape(B2F, F, 0);
                FloatVector vo = (FloatVector)
                        ByteVector.fromArray(Q, q, c + PASS + LANES).convertShape(B2F, F, 0);
                int xe = xb + j;
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
            int s = unit * PASS + k * LANES;
            FloatVector d = FloatVector.fromArray(F, scales, s), dn = FloatVector.fromArray(F, scales, s + LANES);
            a0 = e0.add(o0).fma(d, a0);
            a1 = e1.add(o1).fma(d, a1);
            a2 = e2.add(o2).fma(d, a2);
            a3 = e3.add(o3).fma(d, a3);
            b0 = f0.add(g0).fma(dn, b0);
            b1 = f1.add(g1).fma(dn, b1);
            b2 = f2.add(g2).fma(dn, b2);
            b3 = f3.add(g3).fma(dn, b3);
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

    /** Rows [r0, r1) of w as floats, row-major from panel[o0] on (the batched kernel's input), from the file. */
    static void dequantize(MemorySegment w, int cols, int r0, int r1, float[] panel, int o0) {
        int blocks = cols / BLOCK;
        int o = o0;
        for (long block = (long) r0 * blocks * BLOCK_BYTES, end = (long) r1 * blocks * BLOCK_BYTES;
                block < end;
                block += BLOCK_BYTES) {
            FloatVector d = FloatVector.broadcast(F, Float.float16ToFloat(w.get(LE_SHORT, block)));
            for (int l = 0; l < BLOCK / Q.length(); l++, o += Q.length()) {
                ByteVector bytes = ByteVector.fromMemorySegment(Q, w, block + 2 + (long) l * Q.length(), LITTLE_ENDIAN);
                ((FloatVector) bytes.convertShape(B2F, F, 0)).mul(d).intoArray(panel, o);
                if (PARTS == 2)
                    ((FloatVector) bytes.convertShape(B2F, F, 1)).mul(d).intoArray(panel, o + LANES);
            }
        }
    }

    /** The scalar twin of the kernels, on the file's blocks: the arithmetic they follow, bit for bit. */
    static void scalar(
            MemorySegment w, int cols, float[] x, int xOff, float[] out, int outOff, int rowStart, int rowEnd) {
        int blocks = cols / BLOCK;
        byte[] q = new byte[BLOCK];
        for (int r = rowStart; r < rowEnd; r++) {
            long block = (long) r * blocks * BLOCK_BYTES;
            float acc = 0f;
            for (int b = 0; b < blocks; b++, block += BLOCK_BYTES) {
                MemorySegment.copy(w, JAVA_BYTE, block + 2, q, 0, BLOCK);
                acc = scalarBlock(q, 0, x, xOff + b * BLOCK, Float.float16ToFloat(w.get(LE_SHORT, block)), acc);
            }
            out[outOff + r] = acc;
        }
    }

    /**
     * One block of the twin's arithmetic on 32 signed bytes at q[o..] (Q8_0's quants, or what another type's repack puts
     * in their place): acc + d * (even columns' FMA chain + odd columns').
     */
    static float scalarBlock(byte[] q, int o, float[] x, int xb, float d, float acc) {
        float even = 0f, odd = 0f;
        for (int j = 0; j < BLOCK; j += 2) {
            even = Math.fma(q[o + j], x[xb + j], even);
            odd = Math.fma(q[o + j + 1], x[xb + j + 1], odd);
        }
        return Math.fma(even + odd, d, acc);
    }
}
