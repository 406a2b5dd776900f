package gpt2j.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Causal scaled dot-product attention for one head and one query (the four passes of llm.c's attention_forward):
 * scores = q·k_t * scale for t in [0, len), softmax with the max subtracted, out = sum_t att_t * v_t.
 * Keys beyond {@code len} are never read, which is the causal mask.
 */
public final class Attention {

    private static final VectorSpecies<Float> F = Simd.F;

    private Attention() {}

    /**
     * q: (headSize) at qOff; keys, values: (len, headSize) rows starting at kvOff; att: (len) scratch at attOff that
     * receives the attention weights; out: (headSize) at outOff.
     */
    public static void head(
            float[] q,
            int qOff,
            float[] keys,
            float[] values,
            int kvOff,
            int headSize,
            int len,
            float scale,
            float[] att,
            int attOff,
            float[] out,
            int outOff) {
        float max = Float.NEGATIVE_INFINITY;
        for (int t = 0; t < len; t++) {
            float s = dot(q, qOff, keys, kvOff + t * headSize, headSize) * scale;
            att[attOff + t] = s;
            max = Math.max(max, s);
        }
        softmaxVector(att, attOff, len, max);
        int step = F.length();
        int bound = F.loopBound(headSize);
        int i = 0;
        // Four output slices at a time, keys in the outer loop: four independent FMA chains instead of one per slice
        // (a 64-wide head is exactly four slices at 512 bits).
        for (; i + 4 * step <= bound; i += 4 * step) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            for (int t = 0, v = kvOff + i; t < len; t++, v += headSize) {
                FloatVector w = FloatVector.broadcast(F, att[attOff + t]);
                a0 = FloatVector.fromArray(F, values, v).fma(w, a0);
                a1 = FloatVector.fromArray(F, values, v + step).fma(w, a1);
                a2 = FloatVector.fromArray(F, values, v + 2 * step).fma(w, a2);
                a3 = FloatVector.fromArray(F, values, v + 3 * step).fma(w, a3);
            }
            a0.intoArray(out, outOff + i);
            a1.intoArray(out, outOff + i + step);
            a2.intoArray(out, outOff + i + 2 * step);
            a3.intoArray(out, outOff + i + 3 * step);
        }
        for (; i < bound; i += step) {
            // Accumulate one slice of the output across all keys: the accumulator stays in a register.
            FloatVector acc = FloatVector.zero(F);
            for (int t = 0, v = kvOff + i; t < len; t++, v += headSize) {
                acc = FloatVector.fromArray(F, values, v).fma(FloatVector.broadcast(F, att[attOff + t]), acc);
            }
            acc.intoArray(out, outOff + i);
        }
        for (; i < headSize; i++) {
            float acc = 0f;
            for (int t = 0, v = kvOff + i; t < len; t++, v += headSize) acc += att[attOff + t] * values[v];
            out[outOff + i] = acc;
        }
    }

    /** The raw scores q·k_t for t in [0, len) into out[outOff ..], unscaled: what an attention probe shows. */
    public static void scores(
            float[] q, int qOff, float[] keys, int kvOff, int headSize, int len, float[] out, int outOff) {
        for (int t = 0; t < len; t++) out[outOff + t] = dot(q, qOff, keys, kvOff + t * headSize, headSize);
    }

    /** The scalar twin of {@link #head}, the reference for its tests. */
    public static void headScalar(
            float[] q,
            int qOff,
            float[] keys,
            float[] values,
            int kvOff,
            int headSize,
            int len,
            float scale,
            float[] att,
            int attOff,
            float[] out,
            int outOff) {
        float max = Float.NEGATIVE_INFINITY;
        for (int t = 0; t < len; t++) {
            float s = 0f;
            for (int i = 0; i < headSize; i++) s += q[qOff + i] * keys[kvOff + t * headSize + i];
            s *= scale;
            att[attOff + t] = s;
            max = Math.max(max, s);
        }
        softmax(att, attOff, len, max);
        for (int i = 0; i < headSize; i++) {
            float acc = 0f;
            for (int t = 0; t < len; t++) acc += att[attOff + t] * values[kvOff + t * headSize + i];
            out[outOff + i] = acc;
        }
    }

    /** {@link #softmax} with the exponentials and the scaling a vector at a time, the last under a mask. */
    private static void softmaxVector(float[] att, int off, int len, float max) {
        int end = off + len;
        FloatVector inv = FloatVector.broadcast(F, 1f / Exp.expAndSum(att, off, len, max));
        for (int t = off; t < end; t += F.length()) {
            VectorMask<Float> m = F.indexInRange(t, end);
            FloatVector.fromArray(F, att, t, m).mul(inv).intoArray(att, t, m);
        }
    }

    private static void softmax(float[] att, int off, int len, float max) {
        float sum = 0f;
        for (int t = off; t < off + len; t++) {
            float e = (float) Math.exp(att[t] - max);
            att[t] = e;
            sum += e;
        }
        float inv = 1f / sum;
        for (int t = off; t < off + len; t++) att[t] *= inv;
    }

    static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        FloatVector acc = FloatVector.zero(F);
        int bound = F.loopBound(n);
        int i = 0;
        for (; i < bound; i += F.length()) {
            acc = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc);
        }
        float s = Simd.sum(acc);
        for (; i < n; i++) s += a[aOff + i] * b[bOff + i];
        return s;
    }
}
