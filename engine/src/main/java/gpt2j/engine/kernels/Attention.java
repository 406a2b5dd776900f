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
 * <p>Keys are dimension-major in tiles of {@link #TILE} positions (a tile holds dimension 0 of its positions, then
 * dimension 1, ...; {@link #keyIndex}) and values position-major (one row of {@code headSize} per position): scores
 * are then FMAs down the head's dimensions with positions along the lanes, and the output adds whole value rows. With
 * keys position-major, every score needed a horizontal sum of its own, and the scores took ~75% of the kernel; with
 * each dimension a line of the whole context, a short context read a few bytes from each of a head's 64 lines, kilobytes
 * apart, where tiles keep a head's keys for the positions in use in one run of memory (docs/KERNELS.md).
 */
public final class Attention {

    private static final VectorSpecies<Float> F = Simd.F;

    /**
     * Positions per key tile: 16, or a vector's lanes where they are more (SVE's widest); a multiple of the lane count
     * either way, so that a vector of positions lies in one tile.
     */
    public static final int TILE = Math.max(16, F.length());

    private Attention() {}

    /** Where dimension i of position t lies in a head's keys that start at kOff. */
    public static int keyIndex(int kOff, int headSize, int i, int t) {
        return kOff + t / TILE * TILE * headSize + i * TILE + t % TILE;
    }

    /**
     * q: (headSize) at qOff; keys: positions [0, len) in tiles from kOff ({@link #keyIndex}); values: (len, headSize)
     * rows starting at vOff; att: (len) scratch at attOff that receives the attention weights; out: (headSize) at
     * outOff.
     */
    public static void head(
            float[] q,
            int qOff,
            float[] keys,
            int kOff,
            float[] values,
            int vOff,
            int headSize,
            int len,
            float scale,
            float[] att,
            int attOff,
            float[] out,
            int outOff) {
        scores(q, qOff, keys, kOff, headSize, len, att, attOff);
        softmaxVector(att, attOff, len, scaleAndMax(att, attOff, len, scale));
        weightedSum(att, attOff, len, values, vOff, headSize, out, outOff);
    }

    /**
     * {@link #head} for four consecutive queries of one sequence, each key load shared by the four scores: query r at
     * qOff + r * qStride attends over positions [0, len + r), its weights into att at attOff + r * attStride, its output
     * at outOff + r * outStride. Every number is what four calls of {@link #head} give: the same chains in the same
     * order; a query's scores past its own length are computed and never used.
     */
    public static void head4(
            float[] q,
            int qOff,
            int qStride,
            float[] keys,
            int kOff,
            float[] values,
            int vOff,
            int headSize,
            int len,
            float scale,
            float[] att,
            int attOff,
            int attStride,
            float[] out,
            int outOff,
            int outStride) {
        int done = scores4(q, qOff, qStride, keys, kOff, headSize, len + 3, att, attOff, attStride);
        scores4Tail(q, qOff, qStride, keys, kOff, headSize, done, len + 3, att, attOff, attStride);
        for (int r = 0; r < 4; r++) {
            int a = attOff + r * attStride;
            softmaxVector(att, a, len + r, scaleAndMax(att, a, len + r, scale));
            weightedSum(att, a, len + r, values, vOff, headSize, out, outOff + r * outStride);
        }
    }

    /**
     * {@link #scores} of four queries over positions [0, len), two vectors of positions at a time (sixteen chains),
     * query r's into out at outOff + r * outStride, as far as whole pairs of vectors go; returns where it stopped. The
     * rest is {@link #scores4Tail}'s: in one method the two loops were too large for C1 ("out of virtual registers"),
     * and the interpreter then ran it until C2's compile, which no longer inlined the Vector API's methods that had
     * grown hot on their own, and boxed every vector (JMH at 16 positions: 112 KB per call, 80x slower).
     */
    private static int scores4(
            float[] q,
            int qOff,
            int qStride,
            float[] keys,
            int kOff,
            int headSize,
            int len,
            float[] out,
            int outOff,
            int outStride) {
        int step = F.length();
        int q1 = qOff + qStride, q2 = q1 + qStride, q3 = q2 + qStride;
        int t = 0;
        for (; t + 2 * step <= len; t += 2 * step) {
            // a*: the even dimensions' chains of the first vector of positions, query by query; b*: the odd ones'; c*,
            // d*: the second vector's.
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0, d0 = a0, d1 = a0, d2 = a0, d3 = a0;
            int k0 = keyIndex(kOff, headSize, 0, t), k1 = keyIndex(kOff, headSize, 0, t + step);
            int i = 0;
            for (; i + 1 < headSize; i += 2, k0 += 2 * TILE, k1 += 2 * TILE) {
                FloatVector ke = FloatVector.fromArray(F, keys, k0), le = FloatVector.fromArray(F, keys, k1);
                FloatVector ko = FloatVector.fromArray(F, keys, k0 + TILE),
                        lo = FloatVector.fromArray(F, keys, k1 + TILE);
                FloatVector y = FloatVector.broadcast(F, q[qOff + i]);
                a0 = ke.fma(y, a0);
                c0 = le.fma(y, c0);
                y = FloatVector.broadcast(F, q[q1 + i]);
                a1 = ke.fma(y, a1);
                c1 = le.fma(y, c1);
                y = FloatVector.broadcast(F, q[q2 + i]);
                a2 = ke.fma(y, a2);
                c2 = le.fma(y, c2);
                y = FloatVector.broadcast(F, q[q3 + i]);
                a3 = ke.fma(y, a3);
                c3 = le.fma(y, c3);
                y = FloatVector.broadcast(F, q[qOff + i + 1]);
                b0 = ko.fma(y, b0);
                d0 = lo.fma(y, d0);
                y = FloatVector.broadcast(F, q[q1 + i + 1]);
                b1 = ko.fma(y, b1);
                d1 = lo.fma(y, d1);
                y = FloatVector.broadcast(F, q[q2 + i + 1]);
                b2 = ko.fma(y, b2);
                d2 = lo.fma(y, d2);
                y = FloatVector.broadcast(F, q[q3 + i + 1]);
                b3 = ko.fma(y, b3);
                d3 = lo.fma(y, d3);
            }
            if (i < headSize) {
                FloatVector ke = FloatVector.fromArray(F, keys, k0), le = FloatVector.fromArray(F, keys, k1);
                FloatVector y = FloatVector.broadcast(F, q[qOff + i]);
                a0 = ke.fma(y, a0);
                c0 = le.fma(y, c0);
                y = FloatVector.broadcast(F, q[q1 + i]);
                a1 = ke.fma(y, a1);
                c1 = le.fma(y, c1);
                y = FloatVector.broadcast(F, q[q2 + i]);
                a2 = ke.fma(y, a2);
                c2 = le.fma(y, c2);
                y = FloatVector.broadcast(F, q[q3 + i]);
                a3 = ke.fma(y, a3);
                c3 = le.fma(y, c3);
            }
            int o = outOff + t;
            a0.add(b0).intoArray(out, o);
            c0.add(d0).intoArray(out, o + step);
            a1.add(b1).intoArray(out, o + outStride);
            c1.add(d1).intoArray(out, o + outStride + step);
            a2.add(b2).intoArray(out, o + 2 * outStride);
            c2.add(d2).intoArray(out, o + 2 * outStride + step);
            a3.add(b3).intoArray(out, o + 3 * outStride);
            c3.add(d3).intoArray(out, o + 3 * outStride + step);
        }
        return t;
    }

    /** {@link #scores4} for positions [from, len), a vector of positions at a time, the last under a mask. */
    private static void scores4Tail(
            float[] q,
            int qOff,
            int qStride,
            float[] keys,
            int kOff,
            int headSize,
            int from,
            int len,
            float[] out,
            int outOff,
            int outStride) {
        int step = F.length();
        int q1 = qOff + qStride, q2 = q1 + qStride, q3 = q2 + qStride;
        for (int t = from; t < len; t += step) {
            VectorMask<Float> live = F.indexInRange(t, len);
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            int k = keyIndex(kOff, headSize, 0, t), i = 0;
            for (; i + 1 < headSize; i += 2, k += 2 * TILE) {
                FloatVector ke = FloatVector.fromArray(F, keys, k, live);
                FloatVector ko = FloatVector.fromArray(F, keys, k + TILE, live);
                a0 = ke.fma(FloatVector.broadcast(F, q[qOff + i]), a0);
                a1 = ke.fma(FloatVector.broadcast(F, q[q1 + i]), a1);
                a2 = ke.fma(FloatVector.broadcast(F, q[q2 + i]), a2);
                a3 = ke.fma(FloatVector.broadcast(F, q[q3 + i]), a3);
                b0 = ko.fma(FloatVector.broadcast(F, q[qOff + i + 1]), b0);
                b1 = ko.fma(FloatVector.broadcast(F, q[q1 + i + 1]), b1);
                b2 = ko.fma(FloatVector.broadcast(F, q[q2 + i + 1]), b2);
                b3 = ko.fma(FloatVector.broadcast(F, q[q3 + i + 1]), b3);
            }
            if (i < headSize) {
                FloatVector ke = FloatVector.fromArray(F, keys, k, live);
                a0 = ke.fma(FloatVector.broadcast(F, q[qOff + i]), a0);
                a1 = ke.fma(FloatVector.broadcast(F, q[q1 + i]), a1);
                a2 = ke.fma(FloatVector.broadcast(F, q[q2 + i]), a2);
                a3 = ke.fma(FloatVector.broadcast(F, q[q3 + i]), a3);
            }
            int o = outOff + t;
            a0.add(b0).intoArray(out, o, live);
            a1.add(b1).intoArray(out, o + outStride, live);
            a2.add(b2).intoArray(out, o + 2 * outStride, live);
            a3.add(b3).intoArray(out, o + 3 * outStride, live);
        }
    }

    /**
     * The raw scores q·k_t for t in [0, len) into out[outOff ..], unscaled (what an attention probe shows), keys laid out
     * as for {@link #head}. Each score takes two FMA chains, over the even dimensions and over the odd ones in order,
     * added at the end, as {@link #weightedSum}'s outputs do. Four vectors of positions at a time (eight chains), each
     * vector within one tile.
     */
    public static void scores(
            float[] q, int qOff, float[] keys, int kOff, int headSize, int len, float[] out, int outOff) {
        int step = F.length();
        int t = 0;
        for (; t + 4 * step <= len; t += 4 * step) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            int k0 = keyIndex(kOff, headSize, 0, t), k1 = keyIndex(kOff, headSize, 0, t + step);
            int k2 = keyIndex(kOff, headSize, 0, t + 2 * step);
            int k3 = keyIndex(kOff, headSize, 0, t + 3 * step);
            int i = 0;
            for (; i + 1 < headSize; i += 2, k0 += 2 * TILE, k1 += 2 * TILE, k2 += 2 * TILE, k3 += 2 * TILE) {
                FloatVector qa = FloatVector.broadcast(F, q[qOff + i]);
                FloatVector qb = FloatVector.broadcast(F, q[qOff + i + 1]);
                a0 = FloatVector.fromArray(F, keys, k0).fma(qa, a0);
                a1 = FloatVector.fromArray(F, keys, k1).fma(qa, a1);
                a2 = FloatVector.fromArray(F, keys, k2).fma(qa, a2);
                a3 = FloatVector.fromArray(F, keys, k3).fma(qa, a3);
                b0 = FloatVector.fromArray(F, keys, k0 + TILE).fma(qb, b0);
                b1 = FloatVector.fromArray(F, keys, k1 + TILE).fma(qb, b1);
                b2 = FloatVector.fromArray(F, keys, k2 + TILE).fma(qb, b2);
                b3 = FloatVector.fromArray(F, keys, k3 + TILE).fma(qb, b3);
            }
            if (i < headSize) {
                FloatVector qa = FloatVector.broadcast(F, q[qOff + i]);
                a0 = FloatVector.fromArray(F, keys, k0).fma(qa, a0);
                a1 = FloatVector.fromArray(F, keys, k1).fma(qa, a1);
                a2 = FloatVector.fromArray(F, keys, k2).fma(qa, a2);
                a3 = FloatVector.fromArray(F, keys, k3).fma(qa, a3);
            }
            a0.add(b0).intoArray(out, outOff + t);
            a1.add(b1).intoArray(out, outOff + t + step);
            a2.add(b2).intoArray(out, outOff + t + 2 * step);
            a3.add(b3).intoArray(out, outOff + t + 3 * step);
        }
        for (; t < len; t += step) {
            // Positions past len are never read: the causal mask.
            VectorMask<Float> live = F.indexInRange(t, len);
            FloatVector a = FloatVector.zero(F), b = a;
            int k = keyIndex(kOff, headSize, 0, t), i = 0;
            for (; i + 1 < headSize; i += 2, k += 2 * TILE) {
                a = FloatVector.fromArray(F, keys, k, live).fma(FloatVector.broadcast(F, q[qOff + i]), a);
                b = FloatVector.fromArray(F, keys, k + TILE, live).fma(FloatVector.broadcast(F, q[qOff + i + 1]), b);
            }
            if (i < headSize) a = FloatVector.fromArray(F, keys, k, live).fma(FloatVector.broadcast(F, q[qOff + i]), a);
            a.add(b).intoArray(out, outOff + t, live);
        }
    }

    /**
     * out[outOff + c] = sum over j in [0, count) of s[sOff + j] * m[mOff + j * width + c], for c in [0, width): the
     * weights times the head's value rows, one row of width floats per position. Each c takes two FMA chains, over even
     * and over odd j in order, added at the end: the same operations in every lane, so the bits do not depend on the
     * vector width. Four vectors of c at a time: eight chains in flight, where one per vector left the loop waiting on
     * the FMA's latency.
     */
    private static void weightedSum(
            float[] s, int sOff, int count, float[] m, int mOff, int width, float[] out, int outOff) {
        int step = F.length();
        int c = 0;
        for (; c + 4 * step <= width; c += 4 * step) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            int j = 0, k = mOff + c;
            for (; j + 1 < count; j += 2, k += 2 * width) {
                FloatVector sa = FloatVector.broadcast(F, s[sOff + j]);
                FloatVector sb = FloatVector.broadcast(F, s[sOff + j + 1]);
                int l = k + width;
                a0 = FloatVector.fromArray(F, m, k).fma(sa, a0);
                a1 = FloatVector.fromArray(F, m, k + step).fma(sa, a1);
                a2 = FloatVector.fromArray(F, m, k + 2 * step).fma(sa, a2);
                a3 = FloatVector.fromArray(F, m, k + 3 * step).fma(sa, a3);
                b0 = FloatVector.fromArray(F, m, l).fma(sb, b0);
                b1 = FloatVector.fromArray(F, m, l + step).fma(sb, b1);
                b2 = FloatVector.fromArray(F, m, l + 2 * step).fma(sb, b2);
                b3 = FloatVector.fromArray(F, m, l + 3 * step).fma(sb, b3);
            }
            if (j < count) {
                FloatVector sa = FloatVector.broadcast(F, s[sOff + j]);
                a0 = FloatVector.fromArray(F, m, k).fma(sa, a0);
                a1 = FloatVector.fromArray(F, m, k + step).fma(sa, a1);
                a2 = FloatVector.fromArray(F, m, k + 2 * step).fma(sa, a2);
                a3 = FloatVector.fromArray(F, m, k + 3 * step).fma(sa, a3);
            }
            a0.add(b0).intoArray(out, outOff + c);
            a1.add(b1).intoArray(out, outOff + c + step);
            a2.add(b2).intoArray(out, outOff + c + 2 * step);
            a3.add(b3).intoArray(out, outOff + c + 3 * step);
        }
        for (; c < width; c += step) {
            VectorMask<Float> live = F.indexInRange(c, width);
            FloatVector a = FloatVector.zero(F), b = a;
            int j = 0, k = mOff + c;
            for (; j + 1 < count; j += 2, k += 2 * width) {
                a = FloatVector.fromArray(F, m, k, live).fma(FloatVector.broadcast(F, s[sOff + j]), a);
                b = FloatVector.fromArray(F, m, k + width, live).fma(FloatVector.broadcast(F, s[sOff + j + 1]), b);
            }
            if (j < count) a = FloatVector.fromArray(F, m, k, live).fma(FloatVector.broadcast(F, s[sOff + j]), a);
            a.add(b).intoArray(out, outOff + c, live);
        }
    }

    /** The scalar twin of {@link #head}, the reference for its tests. */
    public static void headScalar(
            float[] q,
            int qOff,
            float[] keys,
            int kOff,
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
            for (int i = 0; i < headSize; i++) s += q[qOff + i] * keys[keyIndex(kOff, headSize, i, t)];
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
