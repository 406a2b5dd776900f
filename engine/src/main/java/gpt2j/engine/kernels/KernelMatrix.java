package gpt2j.engine.kernels;

import gpt2j.engine.EngineException;
import gpt2j.weights.GgmlType;
import gpt2j.weights.WeightMatrix;
import java.lang.foreign.MemorySegment;

/**
 * A weight matrix as the kernels read it: the mapped tensor, plus for Q8_0, Q4_0, Q4_1, Q4_K, Q5_K, Q6_K (and Q5_0,
 * Q5_1, IQ4_NL, IQ4_XS and Q3_K where the heap has room) a repacked copy on the heap that the kernels read instead, with
 * weight rows in vector lanes ({@link RowLanes}): the quants ({@code quants}, the K-quants' sub-block scales as bytes
 * among them), the blocks' scales as floats ({@code scales}) and, for Q4_1, Q4_K, Q5_K and Q5_1, their minimums
 * ({@code mins}: the K-quants' dmin per 256, Q5_1's -m per 32, Q4_1's -(m + 8 d)).
 * <ul>
 * <li>Q8_0: weight rows in vector lanes, a column of a pass's quants after another, their scales as floats
 * ({@link RowLanes}): one FMA per weight and input, the scale once per 32 columns of a lane group, and the widening
 * shared by the inputs of a decode step. 36 bytes per 32 weights, 1.06x the file.
 * <li>Q4_0: Q8_0's layout with a byte holding two columns' nibbles ({@link MatVecQ4_0}), the scales as floats. 20
 * bytes per 32 weights, 1.1x the file.
 * <li>Q4_1: Q4_0's layout and kernels, the nibbles taken as q - 8 and m + 8 d as a minimum per block beside each scale,
 * added as Q5_1's ({@link MatVecQ4_1#repack}). 24 bytes per 32 weights, 1.2x the file.
 * <li>Q4_K: Q4_0's layout with the nibbles as in the file, then per 64 columns the two sub-blocks' 6-bit scales and
 * minimums as bytes, and per 256 columns d and dmin as floats ({@link MatVecQ4_K}). 152 bytes per 256 weights, 1.06x
 * the file.
 * <li>Q6_K: Q8_0's layout with the quants less 32 a signed byte each, after each 16 columns their scale as a byte,
 * and d as a float per 256 columns ({@link MatVecQ6_K}). 276 bytes per 256 weights, 1.3x the file.
 * <li>Q5_K: Q6_K's layout with 32-column sub-blocks, each followed by its scale and its minimum as bytes, d and dmin
 * as floats per 256 columns ({@link MatVecQ5_K}). 280 bytes per 256 weights, 1.6x the file.
 * <li>Q5_0: Q8_0's layout, the quants less 16 ({@link MatVecQ5_0#repack}), 1.6x the file, where the heap has room
 * ({@link #roomFor}).
 * <li>Q5_1: Q8_0's layout, a float minimum beside each scale ({@link MatVecQ5_0#repack}), 1.7x the file, where the
 * heap has room.
 * <li>IQ4_NL and IQ4_XS: Q8_0's layout and kernels, the table's values as signed bytes and the (sub-)blocks' scales
 * as floats ({@link MatVecIQ4_NL#repack}, {@link MatVecIQ4_XS#repack}), 2x and 2.1x the file, where the heap has room.
 * <li>Q3_K: Q6_K's layout and kernels, the 3-bit values less 4 and the scales less 32 as signed bytes
 * ({@link MatVecQ3_K#repack}), 2.5x the file, where the heap has room.
 * </ul>
 * The mapping's pages are read once (a pass of rows at a time), then left to the page cache; the prompt
 * pass decodes its panels from the mapping. The rarer types read their blocks in place.
 */
public record KernelMatrix(WeightMatrix weight, float[] scales, float[] mins, byte[] quants) {

    /** Wraps w, repacking it when its type has a repacked kernel. */
    public static KernelMatrix of(WeightMatrix w) {
        GgmlType type = w.type();
        boolean repacked = switch (type) {
            case Q8_0, Q4_0, Q4_1, Q4_K, Q5_K, Q6_K -> true;
            case Q5_0, Q5_1 -> roomFor((long) w.rows() * w.cols() * 5 / 4); // Q5_1's 40 bytes per 32 weights
            case Q3_K -> roomFor((long) w.rows() * w.cols() / MatVecQ6_K.BLOCK * MatVecQ6_K.UNIT);
            case IQ4_NL, IQ4_XS -> roomFor((long) w.rows() * w.cols() * 9 / 8); // Q8_0's 36 bytes per 32 weights
            default -> false;
        };
        if (!repacked) return new KernelMatrix(w, null, null, null);
        long blocks = (long) w.rows() * (w.cols() / type.blockSize);
        // Counted with the rows that RowLanes' repacks add up to a whole pass, so no repack's array size overflows.
        long padded = ((long) w.rows() + RowLanes.PASS - 1) / RowLanes.PASS * RowLanes.PASS * w.cols();
        // and the scales' bytes
        if (type == GgmlType.Q6_K || type == GgmlType.Q3_K) padded = padded / MatVecQ6_K.BLOCK * MatVecQ6_K.UNIT;
        if (type == GgmlType.Q5_K) padded = padded / MatVecQ5_K.BLOCK * MatVecQ5_K.UNIT;
        if (type == GgmlType.Q4_K) padded = padded / MatVecQ4_K.BLOCK * MatVecQ4_K.UNIT;
        if (padded > Integer.MAX_VALUE - 8) {
            throw new EngineException(
                    "tensor " + w.tensor().name() + " has too many " + type + " blocks (" + blocks + ")");
        }
        MemorySegment data = w.tensor().data();
        return switch (type) {
            case Q8_0 -> {
                int blocksPerRow = w.cols() / type.blockSize, rows = RowLanes.paddedRows(w.rows());
                float[] scales = new float[rows * blocksPerRow];
                byte[] quants = new byte[rows * w.cols() + RowLanes.TAIL];
                MatVecQ8_0.repack(data, w.rows(), w.cols(), quants, scales);
                yield new KernelMatrix(w, scales, null, quants);
            }
            case Q4_0 -> {
                int rows = RowLanes.paddedRows(w.rows());
                float[] scales = new float[rows * (w.cols() / type.blockSize)];
                byte[] quants = new byte[rows * w.cols() / 2 + RowLanes.TAIL];
                MatVecQ4_0.repack(data, w.rows(), w.cols(), quants, scales);
                yield new KernelMatrix(w, scales, null, quants);
            }
            case Q4_K -> {
                int rows = RowLanes.paddedRows(w.rows()), blocksPerRow = w.cols() / type.blockSize;
                float[] scales = new float[rows * blocksPerRow], mins = new float[rows * blocksPerRow];
                byte[] quants = new byte[rows * blocksPerRow * MatVecQ4_K.UNIT + RowLanes.TAIL];
                MatVecQ4_K.repack(data, w.rows(), w.cols(), quants, scales, mins);
                yield new KernelMatrix(w, scales, mins, quants);
            }
            case Q5_K -> {
                int rows = RowLanes.paddedRows(w.rows()), blocksPerRow = w.cols() / type.blockSize;
                float[] scales = new float[rows * blocksPerRow], mins = new float[rows * blocksPerRow];
                byte[] quants = new byte[rows * blocksPerRow * MatVecQ5_K.UNIT + RowLanes.TAIL];
                MatVecQ5_K.repack(data, w.rows(), w.cols(), quants, scales, mins);
                yield new KernelMatrix(w, scales, mins, quants);
            }
            case Q5_0 -> {
                int blocksPerRow = w.cols() / type.blockSize, rows = RowLanes.paddedRows(w.rows());
                float[] scales = new float[rows * blocksPerRow];
                byte[] quants = new byte[rows * w.cols() + RowLanes.TAIL];
                MatVecQ5_0.repack(data, w.rows(), w.cols(), quants, scales, null);
                yield new KernelMatrix(w, scales, null, quants);
            }
            case Q5_1 -> {
                int blocksPerRow = w.cols() / type.blockSize, rows = RowLanes.paddedRows(w.rows());
                float[] scales = new float[rows * blocksPerRow], mins = new float[rows * blocksPerRow];
                byte[] quants = new byte[rows * w.cols() + RowLanes.TAIL];
                MatVecQ5_0.repack(data, w.rows(), w.cols(), quants, scales, mins);
                yield new KernelMatrix(w, scales, mins, quants);
            }
            case Q4_1 -> { // in Q4_0's layout, with a minimum per block
                int rows = RowLanes.paddedRows(w.rows()), blocksPerRow = w.cols() / type.blockSize;
                float[] scales = new float[rows * blocksPerRow], mins = new float[rows * blocksPerRow];
                byte[] quants = new byte[rows * w.cols() / 2 + RowLanes.TAIL];
                MatVecQ4_1.repack(data, w.rows(), w.cols(), quants, scales, mins);
                yield new KernelMatrix(w, scales, mins, quants);
            }
            case IQ4_NL, IQ4_XS -> { // in Q8_0's layout
                int rows = RowLanes.paddedRows(w.rows());
                float[] scales = new float[rows * (w.cols() / 32)];
                byte[] quants = new byte[rows * w.cols() + RowLanes.TAIL];
                if (type == GgmlType.IQ4_NL) MatVecIQ4_NL.repack(data, w.rows(), w.cols(), quants, scales);
                else MatVecIQ4_XS.repack(data, w.rows(), w.cols(), quants, scales);
                yield new KernelMatrix(w, scales, null, quants);
            }
            case Q3_K -> { // in Q6_K's layout
                int rows = RowLanes.paddedRows(w.rows()), blocksPerRow = w.cols() / type.blockSize;
                float[] scales = new float[rows * blocksPerRow];
                byte[] quants = new byte[rows * blocksPerRow * MatVecQ6_K.UNIT + RowLanes.TAIL];
                MatVecQ3_K.repack(data, w.rows(), w.cols(), quants, scales);
                yield new KernelMatrix(w, scales, null, quants);
            }
            default -> { // Q6_K
                int rows = RowLanes.paddedRows(w.rows()), blocksPerRow = w.cols() / type.blockSize;
                float[] scales = new float[rows * blocksPerRow];
                byte[] quants = new byte[rows * blocksPerRow * MatVecQ6_K.UNIT + RowLanes.TAIL];
                MatVecQ6_K.repack(data, w.rows(), w.cols(), quants, scales);
                yield new KernelMatrix(w, scales, null, quants);
            }
        };
    }

    /**
     * Whether a repack of this many bytes fits on the heap twice over, for the types whose repack is much larger than
     * the file: Q5_0/Q5_1 in Q8_0's layout (1.6x and 1.7x the file), IQ4_NL/IQ4_XS in Q8_0's (2x, 2.1x) and Q3_K in
     * Q6_K's (2.5x). A matrix without that room is read in place by its own kernel: the in-place Q5 kernels ran at
     * 0.65-0.97x llama.cpp's generation where the repack ran at 0.95-1.11x (1.5B Q4_K_M, two threads), Q3_K's at half
     * of it on one thread (docs/KERNELS.md). gpt2-xl's K-quant presets are 40-64% Q5_0/Q5_1: its 1600 columns are not
     * whole 256-weight K-quant blocks.
     */
    private static boolean roomFor(long bytes) {
        Runtime rt = Runtime.getRuntime();
        long free = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
        return 2 * bytes < free;
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
