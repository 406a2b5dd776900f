package gpt2j.engine.kernels;

import static gpt2j.engine.kernels.Simd.F;
import static gpt2j.engine.kernels.Simd.LE_SHORT;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.MemorySegment;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q6_K mat-vec: each row is cols/256 blocks of 210 bytes, {uint8 ql[128], qh[64]; int8 scales[16]; fp16 d} (ggml
 * block_q6_K). Per half of 128 values (ql += 64, qh += 32, scales += 8), byte l < 32 gives four 6-bit quants:
 * ql[l] low nibble with qh[l] bits 0-1 is element l, ql[l+32] low with bits 2-3 element l+32, ql[l] high with bits
 * 4-5 element l+64, ql[l+32] high with bits 6-7 element l+96; value = d * scales[l/16 + {0,2,4,6}] * (q - 32).
 * cols must be a multiple of 256.
 */
final class MatVecQ6_K {

    static final int BLOCK = 256;
    static final int BLOCK_BYTES = 210;
    static final int QUANT_BYTES = 192;

    static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128;
    static final VectorSpecies<Integer> I = F.vectorShape().withLanes(int.class);

    private MatVecQ6_K() {
    }

    /**
     * The kernel reads {@link KernelMatrix}'s repacked copy: quants[192 * (r * cols/256 + b) + i] is byte i of row r's
     * block b's {ql[128], qh[64]}, scales[16 * (r * cols/256 + b) + j] its sub-block j's d * scales[j].
     */
    static void apply(byte[] quants, float[] scales, int cols, float[] x, int xOff, float[] out, int outOff,
                      int rowStart, int rowEnd) {
        int blocks = cols / BLOCK;
        int step = F.length();
        int parts = 16 / step; // int vectors per 16 bytes: 1 at 512 bits, 2 at 256, 4 at 128
        float[] lanes = new float[step];
        for (int r = rowStart; r < rowEnd; r++) {
            FloatVector acc = FloatVector.zero(F);
            for (int b = 0; b < blocks; b++) {
                int block = (r * blocks + b) * QUANT_BYTES;
                for (int h = 0; h < 2; h++) {
                    int ql = block + 64 * h, qh = block + 128 + 32 * h, sc = (r * blocks + b) * 16 + 8 * h;
                    int xb = xOff + b * BLOCK + 128 * h;
                    // Each 16 bytes of ql, ql+32 and qh carry four sub-blocks of 16 (one scale each).
                    for (int l0 = 0; l0 < 32; l0 += 16) {
                        ByteVector va = ByteVector.fromArray(B128, quants, ql + l0);
                        ByteVector vb = ByteVector.fromArray(B128, quants, ql + 32 + l0);
                        ByteVector vh = ByteVector.fromArray(B128, quants, qh + l0);
                        FloatVector s1 = FloatVector.zero(F), s2 = s1, s3 = s1, s4 = s1;
                        for (int p = 0; p < parts; p++) {
                            IntVector a = (IntVector) va.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
                            IntVector c = (IntVector) vb.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
                            IntVector hi = (IntVector) vh.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
                            int xo = xb + l0 + p * step;
                            IntVector q1 = a.and(0xF).or(hi.and(3).lanewise(VectorOperators.LSHL, 4)).sub(32);
                            IntVector q2 = c.and(0xF).or(hi.and(0xC).lanewise(VectorOperators.LSHL, 2)).sub(32);
                            IntVector q3 = a.lanewise(VectorOperators.LSHR, 4).or(hi.and(0x30)).sub(32);
                            IntVector q4 = c.lanewise(VectorOperators.LSHR, 4).or(hi.lanewise(VectorOperators.LSHR, 2).and(0x30)).sub(32);
                            s1 = ((FloatVector) q1.convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, x, xo), s1);
                            s2 = ((FloatVector) q2.convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, x, xo + 32), s2);
                            s3 = ((FloatVector) q3.convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, x, xo + 64), s3);
                            s4 = ((FloatVector) q4.convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, x, xo + 96), s4);
                        }
                        int is = sc + l0 / 16;
                        acc = s1.fma(FloatVector.broadcast(F, scales[is]), acc);
                        acc = s2.fma(FloatVector.broadcast(F, scales[is + 2]), acc);
                        acc = s3.fma(FloatVector.broadcast(F, scales[is + 4]), acc);
                        acc = s4.fma(FloatVector.broadcast(F, scales[is + 6]), acc);
                    }
                }
            }
            acc.intoArray(lanes, 0);
            out[outOff + r] = Simd.sum(lanes);
        }
    }

    /** Rows [r0, r1) of w as floats, row-major from offset 0 of panel (the batched kernel's input), from the repack. */
    static void dequantize(byte[] quants, float[] scales, int cols, int r0, int r1, float[] panel) {
        int step = F.length();
        int parts = 16 / step;
        int o = 0;
        for (int b = r0 * (cols / BLOCK), end = r1 * (cols / BLOCK); b < end; b++) {
            int block = b * QUANT_BYTES;
            for (int h = 0; h < 2; h++, o += 128) {
                int ql = block + 64 * h, qh = block + 128 + 32 * h, sc = 16 * b + 8 * h;
                for (int l0 = 0; l0 < 32; l0 += 16) {
                    ByteVector va = ByteVector.fromArray(B128, quants, ql + l0);
                    ByteVector vb = ByteVector.fromArray(B128, quants, ql + 32 + l0);
                    ByteVector vh = ByteVector.fromArray(B128, quants, qh + l0);
                    int is = sc + l0 / 16;
                    FloatVector d1 = FloatVector.broadcast(F, scales[is]);
                    FloatVector d2 = FloatVector.broadcast(F, scales[is + 2]);
                    FloatVector d3 = FloatVector.broadcast(F, scales[is + 4]);
                    FloatVector d4 = FloatVector.broadcast(F, scales[is + 6]);
                    for (int p = 0; p < parts; p++) {
                        IntVector a = (IntVector) va.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
                        IntVector c = (IntVector) vb.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
                        IntVector hi = (IntVector) vh.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
                        int po = o + l0 + p * step;
                        ((FloatVector) a.and(0xF).or(hi.and(3).lanewise(VectorOperators.LSHL, 4)).sub(32)
                                .convert(VectorOperators.I2F, 0)).mul(d1).intoArray(panel, po);
                        ((FloatVector) c.and(0xF).or(hi.and(0xC).lanewise(VectorOperators.LSHL, 2)).sub(32)
                                .convert(VectorOperators.I2F, 0)).mul(d2).intoArray(panel, po + 32);
                        ((FloatVector) a.lanewise(VectorOperators.LSHR, 4).or(hi.and(0x30)).sub(32)
                                .convert(VectorOperators.I2F, 0)).mul(d3).intoArray(panel, po + 64);
                        ((FloatVector) c.lanewise(VectorOperators.LSHR, 4).or(hi.lanewise(VectorOperators.LSHR, 2).and(0x30))
                                .sub(32).convert(VectorOperators.I2F, 0)).mul(d4).intoArray(panel, po + 96);
                    }
                }
            }
        }
    }

    /** The scalar twin of {@link #apply}, straight from dequantize_row_q6_K. */
    static void scalar(MemorySegment w, int cols, float[] x, int xOff, float[] out, int outOff, int rowStart, int rowEnd) {
        int blocks = cols / BLOCK;
        for (int r = rowStart; r < rowEnd; r++) {
            float acc = 0f;
            for (int b = 0; b < blocks; b++) {
                long block = ((long) r * blocks + b) * BLOCK_BYTES;
                float d = Float.float16ToFloat(w.get(LE_SHORT, block + 208));
                for (int h = 0; h < 2; h++) {
                    long ql = block + 64 * h, qh = block + 128 + 32 * h, sc = block + 192 + 8 * h;
                    int xb = xOff + b * BLOCK + 128 * h;
                    for (int l = 0; l < 32; l++) {
                        int a = w.get(JAVA_BYTE, ql + l) & 0xFF, c = w.get(JAVA_BYTE, ql + l + 32) & 0xFF;
                        int hi = w.get(JAVA_BYTE, qh + l) & 0xFF;
                        int is = l / 16;
                        acc += d * w.get(JAVA_BYTE, sc + is) * ((a & 0xF | (hi & 3) << 4) - 32) * x[xb + l];
                        acc += d * w.get(JAVA_BYTE, sc + is + 2) * ((c & 0xF | (hi >> 2 & 3) << 4) - 32) * x[xb + l + 32];
                        acc += d * w.get(JAVA_BYTE, sc + is + 4) * ((a >> 4 | (hi >> 4 & 3) << 4) - 32) * x[xb + l + 64];
                        acc += d * w.get(JAVA_BYTE, sc + is + 6) * ((c >> 4 | (hi >> 6 & 3) << 4) - 32) * x[xb + l + 96];
                    }
                }
            }
            out[outOff + r] = acc;
        }
    }
}
