package gpt2j.engine.kernels;

import static gpt2j.engine.kernels.Simd.F;
import static gpt2j.engine.kernels.Simd.LE_SHORT;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.MemorySegment;

import gpt2j.weights.BlockFormats;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q5_K mat-vec: each row is cols/256 blocks of 176 bytes, {fp16 d, dmin; uint8 scales[12]; uint8 qh[32]; uint8 qs[128]}
 * (ggml block_q5_K): {@link MatVecQ4_K}'s layout plus a fifth bit per value, bit 2g (low nibbles) or 2g+1 (high
 * nibbles) of qh[l] for the g-th 32 bytes of qs. value = d * sc * q - dmin * m. cols must be a multiple of 256.
 */
final class MatVecQ5_K {

    static final int BLOCK = 256;
    static final int BLOCK_BYTES = 176;
    static final int QUANT_BYTES = 160;

    static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128;
    static final VectorSpecies<Integer> I = F.vectorShape().withLanes(int.class);

    private MatVecQ5_K() {
    }

    /**
     * The kernel reads {@link KernelMatrix}'s repacked copy: quants[160 * (r * cols/256 + b) + i] is byte i of row r's
     * block b's {qh[32], qs[128]}, scales and mins[8 * (r * cols/256 + b) + j] its sub-block j's d * sc and dmin * m.
     */
    static void apply(byte[] quants, float[] scales, float[] mins, int cols, float[] x, int xOff, float[] out, int outOff,
                      int rowStart, int rowEnd) {
        int blocks = cols / BLOCK;
        int step = F.length();
        int parts = 16 / step;
        float[] xs = MatVecQ4_K.subBlockSums(x, xOff, cols);
        float[] lanes = new float[step];
        for (int r = rowStart; r < rowEnd; r++) {
            FloatVector acc = FloatVector.zero(F);
            for (int b = 0; b < blocks; b++) {
                int block = (r * blocks + b) * QUANT_BYTES;
                int sc = (r * blocks + b) * 8;
                for (int g = 0; g < 4; g++) {
                    int xb = xOff + b * BLOCK + 64 * g;
                    FloatVector lo = FloatVector.zero(F), hi = lo;
                    for (int k = 0; k < 2; k++) {
                        ByteVector qs = ByteVector.fromArray(B128, quants, block + 32 + 32 * g + 16 * k);
                        ByteVector qh = ByteVector.fromArray(B128, quants, block + 16 * k);
                        for (int p = 0; p < parts; p++) {
                            IntVector q = (IntVector) qs.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
                            // qh's bits 2g and 2g+1 moved to bit 4: the fifth bit of the low and the high nibble.
                            IntVector h = ((IntVector) qh.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p))
                                    .lanewise(VectorOperators.LSHR, 2 * g);
                            IntVector qlo = q.and(0xF).or(h.lanewise(VectorOperators.LSHL, 4).and(0x10));
                            IntVector qhi = q.lanewise(VectorOperators.LSHR, 4).or(h.lanewise(VectorOperators.LSHL, 3).and(0x10));
                            int xo = xb + 16 * k + p * step;
                            lo = ((FloatVector) qlo.convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, x, xo), lo);
                            hi = ((FloatVector) qhi.convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, x, xo + 32), hi);
                        }
                    }
                    acc = lo.fma(FloatVector.broadcast(F, scales[sc + 2 * g]), acc);
                    acc = hi.fma(FloatVector.broadcast(F, scales[sc + 2 * g + 1]), acc);
                }
            }
            acc.intoArray(lanes, 0);
            out[outOff + r] = Simd.sum(lanes) - MatVecQ4_K.minsDot(mins, r * blocks * 8, xs, blocks * 8);
        }
    }

    /** Rows [r0, r1) of w as floats, row-major from offset 0 of panel (the batched kernel's input), from the repack. */
    static void dequantize(byte[] quants, float[] scales, float[] mins, int cols, int r0, int r1, float[] panel) {
        int step = F.length();
        int parts = 16 / step;
        int o = 0;
        for (int b = r0 * (cols / BLOCK), end = r1 * (cols / BLOCK); b < end; b++) {
            int block = b * QUANT_BYTES;
            for (int g = 0; g < 4; g++, o += 64) {
                int sc = 8 * b + 2 * g;
                FloatVector d1 = FloatVector.broadcast(F, scales[sc]), m1 = FloatVector.broadcast(F, mins[sc]);
                FloatVector d2 = FloatVector.broadcast(F, scales[sc + 1]), m2 = FloatVector.broadcast(F, mins[sc + 1]);
                for (int k = 0; k < 2; k++) {
                    ByteVector qs = ByteVector.fromArray(B128, quants, block + 32 + 32 * g + 16 * k);
                    ByteVector qh = ByteVector.fromArray(B128, quants, block + 16 * k);
                    for (int p = 0; p < parts; p++) {
                        IntVector q = (IntVector) qs.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
                        IntVector h = ((IntVector) qh.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p))
                                .lanewise(VectorOperators.LSHR, 2 * g);
                        int po = o + 16 * k + p * step;
                        ((FloatVector) q.and(0xF).or(h.lanewise(VectorOperators.LSHL, 4).and(0x10))
                                .convert(VectorOperators.I2F, 0)).mul(d1).sub(m1).intoArray(panel, po);
                        ((FloatVector) q.lanewise(VectorOperators.LSHR, 4).or(h.lanewise(VectorOperators.LSHL, 3).and(0x10))
                                .convert(VectorOperators.I2F, 0)).mul(d2).sub(m2).intoArray(panel, po + 32);
                    }
                }
            }
        }
    }

    /** The scalar twin of {@link #apply}, straight from dequantize_row_q5_K. */
    static void scalar(MemorySegment w, int cols, float[] x, int xOff, float[] out, int outOff, int rowStart, int rowEnd) {
        int blocks = cols / BLOCK;
        for (int r = rowStart; r < rowEnd; r++) {
            float acc = 0f;
            for (int b = 0; b < blocks; b++) {
                long block = ((long) r * blocks + b) * BLOCK_BYTES;
                float d = Float.float16ToFloat(w.get(LE_SHORT, block));
                float dmin = Float.float16ToFloat(w.get(LE_SHORT, block + 2));
                for (int g = 0; g < 4; g++) {
                    float d1 = d * BlockFormats.scaleK4(w, block + 4, 2 * g), m1 = dmin * BlockFormats.minK4(w, block + 4, 2 * g);
                    float d2 = d * BlockFormats.scaleK4(w, block + 4, 2 * g + 1);
                    float m2 = dmin * BlockFormats.minK4(w, block + 4, 2 * g + 1);
                    int xb = xOff + b * BLOCK + 64 * g;
                    for (int l = 0; l < 32; l++) {
                        int q = w.get(JAVA_BYTE, block + 48 + 32 * g + l) & 0xFF;
                        int h = w.get(JAVA_BYTE, block + 16 + l) & 0xFF;
                        int lo = (q & 0xF) + ((h >> 2 * g & 1) << 4), hi = (q >> 4) + ((h >> 2 * g + 1 & 1) << 4);
                        acc += (d1 * lo - m1) * x[xb + l] + (d2 * hi - m2) * x[xb + 32 + l];
                    }
                }
            }
            out[outOff + r] = acc;
        }
    }
}
