package gpt2j.engine.kernels;

import gpt2j.engine.EngineException;
import gpt2j.weights.BlockFormats;
import gpt2j.weights.GgmlType;
import gpt2j.weights.WeightMatrix;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A weight matrix as the kernels read it: the mapped tensor, plus for Q4_0, Q4_K, Q5_K and Q6_K a repacked copy on
 * the heap that the kernels read instead: the quants without the scales between them ({@code quants}), and the scales
 * decoded once to floats, one per sub-block in row order ({@code scales}; for Q4_K and Q5_K also {@code mins}, dmin
 * times the 6-bit minimum, one per 32 weights).
 * <ul>
 * <li>Q4_0: 16 quant bytes per 32 weights, the fp16 scale as a float: Q4_0 generation is bound by decoding, not by
 * memory, and both halves of the repack measured faster (docs/KERNELS.md). 20 bytes per 32 weights, 1.1x the file.
 * <li>Q4_K: qs[128] per 256 weights, a scale d * sc and a min per 32. Decoding the packed 6-bit scales
 * (get_scale_min_k4) and two fp16 numbers per block inside the loop cost about as much as the nibbles' multiply-adds
 * (docs/KERNELS.md). 192 bytes per 256 weights, 1.33x the file.
 * <li>Q5_K and Q6_K: one signed byte per weight, {@link MatVecInt8}'s layout, Q6_K's scale per 16, Q5_K's scale and
 * min per 32. Q5_K 320 bytes per 256 weights, 1.8x the file; Q6_K 320, 1.5x.
 * </ul>
 * The mapping's pages are read once, then left to the page cache. Q8_0 gained nothing from float scales in a harness,
 * so it reads its blocks in place, as do the rarer types.
 */
public record KernelMatrix(WeightMatrix weight, float[] scales, float[] mins, byte[] quants) {

    /** Wraps w, repacking it when its type has a repacked kernel. */
    public static KernelMatrix of(WeightMatrix w) {
        GgmlType type = w.type();
        if (type != GgmlType.Q4_0 && type != GgmlType.Q4_K && type != GgmlType.Q5_K && type != GgmlType.Q6_K) {
            return new KernelMatrix(w, null, null, null);
        }
        long blocks = (long) w.rows() * (w.cols() / type.blockSize);
        if (blocks * type.blockSize > Integer.MAX_VALUE - 8) {
            throw new EngineException(
                    "tensor " + w.tensor().name() + " has too many " + type + " blocks (" + blocks + ")");
        }
        MemorySegment data = w.tensor().data();
        int n = (int) blocks;
        return switch (type) {
            case Q4_0 -> {
                float[] scales = new float[n];
                for (int b = 0; b < n; b++)
                    scales[b] = Float.float16ToFloat(data.get(Simd.LE_SHORT, (long) b * type.bytesPerBlock));
                yield new KernelMatrix(w, scales, null, packed(data, type, n, 2, MatVecQ4_0.QUANT_BYTES));
            }
            case Q4_K -> {
                float[] scales = new float[8 * n], mins = new float[8 * n];
                scalesK4(data, type, n, scales, mins);
                yield new KernelMatrix(w, scales, mins, packed(data, type, n, 16, 128));
            }
            case Q5_K -> {
                float[] scales = new float[8 * n], mins = new float[8 * n];
                scalesK4(data, type, n, scales, mins);
                yield new KernelMatrix(w, scales, mins, MatVecQ5_K.unpack(data, blocks));
            }
            default -> { // Q6_K
                float[] scales = new float[16 * n];
                for (int b = 0; b < n; b++) {
                    long block = (long) b * type.bytesPerBlock;
                    float d = Float.float16ToFloat(data.get(Simd.LE_SHORT, block + 208));
                    for (int j = 0; j < 16; j++)
                        scales[16 * b + j] = d * data.get(ValueLayout.JAVA_BYTE, block + 192 + j);
                }
                yield new KernelMatrix(w, scales, null, MatVecQ6_K.unpack(data, blocks));
            }
        };
    }

    /** Bytes [off, off + count) of each of the first n blocks, packed. */
    private static byte[] packed(MemorySegment data, GgmlType type, int n, int off, int count) {
        byte[] q = new byte[n * count];
        for (int b = 0; b < n; b++) {
            MemorySegment.copy(data, ValueLayout.JAVA_BYTE, (long) b * type.bytesPerBlock + off, q, b * count, count);
        }
        return q;
    }

    /** Q4_K/Q5_K blocks' d * sc and dmin * m, 8 of each per block. */
    private static void scalesK4(MemorySegment data, GgmlType type, int n, float[] scales, float[] mins) {
        for (int b = 0; b < n; b++) {
            long block = (long) b * type.bytesPerBlock;
            float d = Float.float16ToFloat(data.get(Simd.LE_SHORT, block));
            float dmin = Float.float16ToFloat(data.get(Simd.LE_SHORT, block + 2));
            for (int j = 0; j < 8; j++) {
                scales[8 * b + j] = d * BlockFormats.scaleK4(data, block + 4, j);
                mins[8 * b + j] = dmin * BlockFormats.minK4(data, block + 4, j);
            }
        }
    }

    public int rows() {
        return weight.rows();
    }

    public int cols() {
        return weight.cols();
    }

    public GgmlType type() {
        return weight.type();
    }
}
