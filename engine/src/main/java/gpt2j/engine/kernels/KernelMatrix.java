package gpt2j.engine.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import gpt2j.engine.EngineException;
import gpt2j.weights.GgmlType;
import gpt2j.weights.WeightMatrix;

/**
 * A weight matrix as the kernels read it: the mapped tensor, plus for Q4_0 a repacked copy on the heap that the
 * one-token kernel reads instead: every block's fp16 scale converted to a float ({@code scales[r * cols/32 + b]}, row
 * r, block b) and its 16 quant bytes packed without the scales between them ({@code quants[16 * (r * cols/32 + b)]}).
 * Q4_0 generation is bound by decoding, not by memory, and a harness streaming one 124M token's Q4_0 matrices on one
 * core ran: fp16 scales converted in the loop 160-178 tokens/s; float scales, quants in place 195-208; both repacked
 * 1.08-1.14x that again (a Java array's index checks leave the loop, a segment's did not all; 16-byte aligned blocks).
 * The price is heap: 20 bytes per 32 weights, 1.1x the Q4_0 tensor bytes (the mapping's pages are read once, then
 * left to the page cache). Q8_0 gained nothing from float scales in that harness, so it reads its blocks in place.
 */
public record KernelMatrix(WeightMatrix weight, float[] scales, byte[] quants) {

    /** Wraps w, repacking it when it is Q4_0. */
    public static KernelMatrix of(WeightMatrix w) {
        if (w.type() != GgmlType.Q4_0) return new KernelMatrix(w, null, null);
        int perRow = w.cols() / MatVecQ4_0.BLOCK;
        long blocks = (long) w.rows() * perRow;
        if (blocks * MatVecQ4_0.QUANT_BYTES > Integer.MAX_VALUE - 8) {
            throw new EngineException("tensor " + w.tensor().name() + " has too many Q4_0 blocks (" + blocks + ")");
        }
        MemorySegment data = w.tensor().data();
        float[] scales = new float[(int) blocks];
        byte[] quants = new byte[(int) blocks * MatVecQ4_0.QUANT_BYTES];
        byte[] row = new byte[perRow * MatVecQ4_0.BLOCK_BYTES];
        for (int r = 0, b = 0; r < w.rows(); r++) {
            MemorySegment.copy(data, ValueLayout.JAVA_BYTE, (long) r * row.length, row, 0, row.length);
            for (int i = 0; i < perRow; i++, b++) {
                int o = i * MatVecQ4_0.BLOCK_BYTES;
                scales[b] = Float.float16ToFloat((short) (row[o] & 0xff | row[o + 1] << 8));
                System.arraycopy(row, o + 2, quants, b * MatVecQ4_0.QUANT_BYTES, MatVecQ4_0.QUANT_BYTES);
            }
        }
        return new KernelMatrix(w, scales, quants);
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
