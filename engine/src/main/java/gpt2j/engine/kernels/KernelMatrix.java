package gpt2j.engine.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import gpt2j.engine.EngineException;
import gpt2j.weights.BlockFormats;
import gpt2j.weights.GgmlType;
import gpt2j.weights.WeightMatrix;

/**
 * A weight matrix as the kernels read it: the mapped tensor, plus for Q4_0, Q4_K, Q5_K and Q6_K a repacked copy on
 * the heap that the kernels read instead: every block's quant bytes packed without the scales between them
 * ({@code quants}), and its scales decoded once to floats, one per sub-block ({@code scales[r * cols/sub + j]}, row r,
 * sub-block j; Q4_K and Q5_K also {@code mins}, dmin times the 6-bit minimum, in the same order).
 * <ul>
 * <li>Q4_0: 16 quant bytes per 32 weights, the fp16 scale as a float. Q4_0 generation is bound by decoding, not by
 * memory, and a harness streaming one 124M token's Q4_0 matrices on one core ran: fp16 scales converted in the loop
 * 160-178 tokens/s; float scales, quants in place 195-208; both repacked 1.08-1.14x that again (a Java array's index
 * checks leave the loop, a segment's did not all; 16-byte aligned blocks). 20 bytes per 32 weights, 1.1x the file.
 * <li>Q4_K: qs[128] per 256 weights; scales d * sc and mins dmin * m per 32. Decoding the packed 6-bit scales
 * (get_scale_min_k4) and two fp16 numbers per block in the loop cost as much as the nibbles' multiply-adds
 * (docs/KERNELS.md). 192 bytes per 256 weights, 1.33x the file.
 * <li>Q5_K: qh[32] then qs[128] per 256 weights; scales and mins as Q4_K. 224 bytes, 1.27x.
 * <li>Q6_K: ql[128] then qh[64] per 256 weights; scales d * sc per 16. 256 bytes, 1.22x.
 * </ul>
 * The mapping's pages are read once, then left to the page cache. Q8_0 gained nothing from float scales in a harness,
 * so it reads its blocks in place, as do the rarer types.
 */
public record KernelMatrix(WeightMatrix weight, float[] scales, float[] mins, byte[] quants) {

    /** Wraps w, repacking it when its type has a repacked kernel. */
    public static KernelMatrix of(WeightMatrix w) {
        return switch (w.type()) {
            case Q4_0 -> repack(w, 2, 16, 1, false);
            case Q4_K -> repack(w, 16, 128, 8, true);
            case Q5_K -> repack(w, 16, 160, 8, true);
            case Q6_K -> repack(w, 0, 192, 16, false);
            default -> new KernelMatrix(w, null, null, null);
        };
    }

    /**
     * Copies quantBytes bytes from offset quantOff of every block into quants, and the block's scales (subBlocks of
     * them, and as many mins when withMins) into floats.
     */
    private static KernelMatrix repack(WeightMatrix w, int quantOff, int quantBytes, int subBlocks, boolean withMins) {
        GgmlType type = w.type();
        int perRow = w.cols() / type.blockSize;
        long blocks = (long) w.rows() * perRow;
        if (blocks * quantBytes > Integer.MAX_VALUE - 8) {
            throw new EngineException("tensor " + w.tensor().name() + " has too many " + type + " blocks (" + blocks + ")");
        }
        MemorySegment data = w.tensor().data();
        float[] scales = new float[(int) blocks * subBlocks];
        float[] mins = withMins ? new float[(int) blocks * subBlocks] : null;
        byte[] quants = new byte[(int) blocks * quantBytes];
        MemorySegment block = MemorySegment.ofArray(new byte[type.bytesPerBlock]);
        for (int b = 0; b < blocks; b++) {
            MemorySegment.copy(data, (long) b * type.bytesPerBlock, block, 0, type.bytesPerBlock);
            MemorySegment.copy(block, ValueLayout.JAVA_BYTE, quantOff, quants, b * quantBytes, quantBytes);
            int s = b * subBlocks;
            switch (type) {
                case Q4_0 -> scales[s] = Float.float16ToFloat(block.get(Simd.LE_SHORT, 0));
                case Q4_K, Q5_K -> {
                    float d = Float.float16ToFloat(block.get(Simd.LE_SHORT, 0));
                    float dmin = Float.float16ToFloat(block.get(Simd.LE_SHORT, 2));
                    for (int j = 0; j < 8; j++) {
                        scales[s + j] = d * BlockFormats.scaleK4(block, 4, j);
                        mins[s + j] = dmin * BlockFormats.minK4(block, 4, j);
                    }
                }
                case Q6_K -> {
                    float d = Float.float16ToFloat(block.get(Simd.LE_SHORT, 208));
                    for (int j = 0; j < 16; j++) scales[s + j] = d * block.get(ValueLayout.JAVA_BYTE, 192 + j);
                }
                default -> throw new IllegalArgumentException(type.toString());
            }
        }
        return new KernelMatrix(w, scales, mins, quants);
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
