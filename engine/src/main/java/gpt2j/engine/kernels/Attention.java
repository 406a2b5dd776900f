package gpt2j.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Causal scaled dot-product attention for one head and one query (the four passes of llm.c's attention_forward):
 * scores = q·k_t * scale for t in [0, len), softmax with the max subtracted, out = sum_t att_t * v_t.
 * Keys beyond {@code len} are never read, which is the causal mask.
 *
 * <p>Keys are dimension-major (line i of a head's keys holds dimension i of every position, {@code kStride} apart) and
 * values position-major (one row of {@code headSize} per position): a score is then one FMA chain down the head's
 * dimensions with positions along the lanes, and the output adds whole value rows. With keys position-major, every
 * score needed a horizontal sum of its own, and the scores took ~75% of the kernel (docs/KERNELS.md).
 */
public final class Attention {

    private static final VectorSpecies<Float> F = Simd.F;

    private Attention() {}

    /**
     * q: (headSize) at qOff; keys: line i at kOff + i * kStride holds dimension i of positions [0, len); values:
     * (len, headSize) rows starting at vOff; att: (len) scratch at attOff that receives the attention weights; out:
     * (headSize) at outOff.
     */
    public static void head(
            float[] q,
            int qOff,
            float[] keys,
            int kOff,
            int kStride,
            float[] values,
            int vOff,
            int headSize,
            int len,
            float scale,
            float[] att,
            int attOff,
            float[] out,
            int outOff) {
        scores(q, qOff, keys, kOff, kStride, headSize, len, att, attOff);
        softmaxVector(att, attOff, len, scaleAndMax(att, attOff, len, scale));
        int step = F.length();
        int bound = F.loopBound(headSize);
        int i = 0;
        // Four output slices at a time, and even and odd positions into separate accumulators, added at the end:
        // eight independent FMA chains, where one per slice left the loop waiting on the FMA's latency.
        for (; i + 4 * step <= bound; i += 4 * step) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            int t = 0, v = vOff + i;
            for (; t + 1 < len; t += 2, v += 2 * headSize) {
                FloatVector wa = FloatVector.broadcast(F, att[attOff + t]);
                FloatVector wb = FloatVector.broadcast(F, att[attOff + t + 1]);
                int u = v + headSize;
                a0 = FloatVector.fromArray(F, values, v).fma(wa, a0);
                a1 = FloatVector.fromArray(F, values, v + step).fma(wa, a1);
                a2 = FloatVector.fromArray(F, values, v + 2 * step).fma(wa, a2);
                a3 = FloatVector.fromArray(F, values, v + 3 * step).fma(wa, a3);
                b0 = FloatVector.fromArray(F, values, u).fma(wb, b0);
                b1 = FloatVector.fromArray(F, values, u + step).fma(wb, b1);
                b2 = FloatVector.fromArray(F, values, u + 2 * step).fma(wb, b2);
                b3 = FloatVector.fromArray(F, values, u + 3 * step).fma(wb, b3);
            }
            if (t < len) {
                FloatVector wa = FloatVector.broadcast(F, att[attOff + t]);
                a0 = FloatVector.fromArray(F, values, v).fma(wa, a0);
                a1 = FloatVector.fromArray(F, values, v + step).fma(wa, a1);
                a2 = FloatVector.fromArray(F, values, v + 2 * step).fma(wa, a2);
                a3 = FloatVector.fromArray(F, values, v + 3 * step).fma(wa, a3);
            }
            a0.add(b0).intoArray(out, outOff + i);
            a1.add(b1).intoArray(out, outOff + i + step);
            a2.add(b2).intoArray(out, outOff + i + 2 * step);
            a3.add(b3).intoArray(out, outOff + i + 3 * step);
        }
        for (; i < bound; i += step) {
            FloatVector a = FloatVector.zero(F), b = a;
            int t = 0, v = vOff + i;
            for (; t + 1 < len; t += 2, v += 2 * headSize) {
                a = FloatVector.fromArray(F, values, v).fma(FloatVector.broadcast(F, att[attOff + t]), a);
                b = FloatVector.fromArray(F, values, v + headSize)
                        .fma(FloatVector.broadcast(F, att[attOff + t + 1]), b);
            }
            if (t < len) a = FloatVector.fromArray(F, values, v).fma(FloatVector.broadcast(F, att[attOff + t]), a);
            a.add(b).intoArray(out, outOff + i);
        }
        for (; i < headSize; i++) { // a lane's operations, so an odd head size gives every width the same bits
            float a = 0f, b = 0f;
            int t = 0, v = vOff + i;
            for (; t + 1 < len; t += 2, v += 2 * headSize) {
                a = Math.fma(values[v], att[attOff + t], a);
                b = Math.fma(values[v + headSize], att[attOff + t + 1], b);
            }
            if (t < len) a = Math.fma(values[v], att[attOff + t], a);
            out[outOff + i] = a + b;
        }
    }

    /**
     * The raw scores q·k_t for t in [0, len) into out[outOff ..], unscaled (what an attention probe shows), keys laid out
     * as for {@link #head}. Each is two FMA chains, over the even and over the odd dimensions in order, added at the
     * end: a lane's operations, so a score's bits do not depend on the vector width.
     */
    public static void scores(
            float[] q, int qOff, float[] keys, int kOff, int kStride, int headSize, int len, float[] out, int outOff) {
        int step = F.length();
        int t = 0;
        // Four vectors of positions at a time: eight chains in flight, where one left the loop waiting on the FMA's
        // latency.
        for (; t + 4 * step <= len; t += 4 * step) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            int i = 0, k = kOff + t;
            for (; i + 1 < headSize; i += 2, k += 2 * kStride) {
                FloatVector qa = FloatVector.broadcast(F, q[qOff + i]);
                FloatVector qb = FloatVector.broadcast(F, q[qOff + i + 1]);
                int l = k + kStride;
                a0 = FloatVector.fromArray(F, keys, k).fma(qa, a0);
                a1 = FloatVector.fromArray(F, keys, k + step).fma(qa, a1);
                a2 = FloatVector.fromArray(F, keys, k + 2 * step).fma(qa, a2);
                a3 = FloatVector.fromArray(F, keys, k + 3 * step).fma(qa, a3);
                b0 = FloatVector.fromArray(F, keys, l).fma(qb, b0);
                b1 = FloatVector.fromArray(F, keys, l + step).fma(qb, b1);
                b2 = FloatVector.fromArray(F, keys, l + 2 * step).fma(qb, b2);
                b3 = FloatVector.fromArray(F, keys, l + 3 * step).fma(qb, b3);
            }
            if (i < headSize) {
                FloatVector qa = FloatVector.broadcast(F, q[qOff + i]);
                a0 = FloatVector.fromArray(F, keys, k).fma(qa, a0);
                a1 = FloatVector.fromArray(F, keys, k + step).fma(qa, a1);
                a2 = FloatVector.fromArray(F, keys, k + 2 * step).fma(qa, a2);
                a3 = FloatVector.fromArray(F, keys, k + 3 * step).fma(qa, a3);
            }
            a0.add(b0).intoArray(out, outOff + t);
            a1.add(b1).intoArray(out, outOff + t + step);
            a2.add(b2).intoArray(out, outOff + t + 2 * step);
            a3.add(b3).intoArray(out, outOff + t + 3 * step);
        }
        for (; t < len; t += step) {
            VectorMask<Float> m = F.indexInRange(t, len);
            FloatVector a = FloatVector.zero(F), b = a;
            int i = 0, k = kOff + t;
            for (; i + 1 < headSize; i += 2, k += 2 * kStride) {
                a = FloatVector.fromArray(F, keys, k, m).fma(FloatVector.broadcast(F, q[qOff + i]), a);
                b = FloatVector.fromArray(F, keys, k + kStride, m).fma(FloatVector.broadcast(F, q[qOff + i + 1]), b);
            }
            if (i < headSize) a = FloatVector.fromArray(F, keys, k, m).fma(FloatVector.broadcast(F, q[qOff + i]), a);
            a.add(b).intoArray(out, outOff + t, m);
        }
    }

    /** The scalar twin of {@link #head}, the reference for its tests. */
    public static void headScalar(
            float[] q,
            int qOff,
            float[] keys,
            int kOff,
            int kStride,
            float[] values,
            int vOff,
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
            for (int i = 0; i < headSize; i++) s += q[qOff + i] * keys[kOff + i * kStride + t];
            s *= scale;
            att[attOff + t] = s;
            max = Math.max(max, s);
        }
        softmax(att, attOff, len, max);
        for (int i = 0; i < headSize; i++) {
            float acc = 0f;
            for (int t = 0; t < len; t++) acc += att[attOff + t] * values[vOff + t * headSize + i];
            out[outOff + i] = acc;
        }
    }

    /** att[off + t] *= scale for t in [0, len); returns the largest. */
    private static float scaleAndMax(float[] att, int off, int len, float scale) {
        int end = off + len;
        int t = off;
        FloatVector max = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        for (; t + F.length() <= end; t += F.length()) {
            FloatVector s = FloatVector.fromArray(F, att, t).mul(scale);
            s.intoArray(att, t);
            max = max.max(s);
        }
        float m = max.reduceLanes(VectorOperators.MAX); // exact in any order
        for (; t < end; t++) {
            float s = att[t] * scale;
            att[t] = s;
            m = Math.max(m, s);
        }
        return m;
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
}
