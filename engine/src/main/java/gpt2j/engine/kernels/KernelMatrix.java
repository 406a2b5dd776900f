package gpt2j.engine.kernels;

import static gpt2j.engine.kernels.Simd.LE_SHORT;

import java.lang.foreign.MemorySegment;

import gpt2j.engine.EngineException;
import gpt2j.weights.GgmlType;
import gpt2j.weights.WeightMatrix;

/**
 * A weight matrix as the kernels read it: the mapped tensor, plus for Q4_0 every block's fp16 scale converted to a
 * float once ({@code scales[r * cols/32 + b]}, row r, block b). Converting the scale inside the loop (a 2-byte load, a
 * move to a vector register, the conversion and a broadcast per 32 weights) cost Q4_0 generation 15-25%: a harness
 * streaming one 124M token's Q4_0 matrices on one core ran 160-178 tokens/s with in-loop conversion, 195-208 with
 * float scales, the quants still read in place. The price is 4 bytes per 32 weights on the heap (+22% over the Q4_0
 * bytes). Q8_0 gained nothing from the same change in that harness, so it reads its scales in place.
 */
public record KernelMatrix(WeightMatrix weight, float[] scales) {

    /** Wraps w, converting its block scales when it is Q4_0. */
    public static KernelMatrix of(WeightMatrix w) {
        if (w.type() != GgmlType.Q4_0) return new KernelMatrix(w, null);
        long blocks = (long) w.rows() * (w.cols() / MatVecQ4_0.BLOCK);
        if (blocks > Integer.MAX_VALUE - 8) {
            throw new EngineException("tensor " + w.tensor().name() + " has too many Q4_0 blocks (" + blocks + ")");
        }
        MemorySegment data = w.tensor().data();
        float[] scales = new float[(int) blocks];
        for (int b = 0; b < scales.length; b++) {
            scales[b] = Float.float16ToFloat(data.get(LE_SHORT, (long) b * MatVecQ4_0.BLOCK_BYTES));
        }
        return new KernelMatrix(w, scales);
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
