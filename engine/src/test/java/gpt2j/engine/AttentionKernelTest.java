package gpt2j.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import gpt2j.engine.kernels.Attention;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The vector attention kernel against its scalar twin, at GPT-2's head size and odd sizes, at offsets, with key tiles
 * holding more positions than are in use and NaN beyond them (the causal mask: a kernel that read them would return
 * NaN).
 */
class AttentionKernelTest {

    @Test
    void vectorMatchesScalar() {
        SplittableRandom r = new SplittableRandom(3);
        for (int headSize : new int[] {64, 8, 13, 80, 1}) {
            for (int len : new int[] {1, 2, 7, 8, 16, 31, 100, 129}) {
                int qOff = r.nextInt(5), kOff = r.nextInt(5), vOff = r.nextInt(5);
                int attOff = r.nextInt(5), outOff = r.nextInt(5);
                int capacity = len + r.nextInt(20);
                float[] q = random(r, qOff + headSize, 2);
                float[] keys = keys(r, kOff, capacity, headSize, len);
                float[] values = random(r, vOff + len * headSize, 1);
                float scale = (float) (1 / Math.sqrt(headSize));
                float[] att1 = new float[attOff + len], att2 = new float[attOff + len];
                float[] out1 = new float[outOff + headSize], out2 = new float[outOff + headSize];
                Attention.head(q, qOff, keys, kOff, values, vOff, headSize, len, scale, att1, attOff, out1, outOff);
                Attention.headScalar(
                        q, qOff, keys, kOff, values, vOff, headSize, len, scale, att2, attOff, out2, outOff);
                double sum = 0;
                for (int t = 0; t < len; t++) {
                    assertEquals(att2[attOff + t], att1[attOff + t], 1e-6, "weight " + t);
                    sum += att1[attOff + t];
                }
                assertEquals(1.0, sum, 1e-5);
                for (int i = 0; i < headSize; i++) assertEquals(out2[outOff + i], out1[outOff + i], 1e-5, "out " + i);
            }
        }
    }

    @Test
    void scoresAreTwoFusedChainsPerPosition() {
        // What makes a score's bits the same at every vector width: q_0 k_0 fused into 0, then q_2 k_2 into that, ...;
        // the odd dimensions likewise; then the two added.
        SplittableRandom r = new SplittableRandom(5);
        for (int headSize : new int[] {64, 13, 1}) {
            for (int len : new int[] {1, 15, 16, 17, 64, 100}) {
                int kOff = r.nextInt(5), capacity = len + r.nextInt(20), outOff = r.nextInt(5);
                float[] q = random(r, headSize, 2);
                float[] keys = keys(r, kOff, capacity, headSize, len);
                float[] out = new float[outOff + len];
                Attention.scores(q, 0, keys, kOff, headSize, len, out, outOff);
                for (int t = 0; t < len; t++) {
                    float even = 0f, odd = 0f;
                    for (int i = 0; i < headSize; i += 2) even = Math.fma(keys[key(kOff, headSize, i, t)], q[i], even);
                    for (int i = 1; i < headSize; i += 2) odd = Math.fma(keys[key(kOff, headSize, i, t)], q[i], odd);
                    assertEquals(
                            even + odd, out[outOff + t], "position " + t + " of " + len + ", head size " + headSize);
                }
            }
        }
    }

    @Test
    void fourQueriesAtOnceAreFourSingleQueriesBitForBit() {
        // A prompt's four consecutive rows share each key and value load; every weight and output must keep the bits
        // of four separate calls, the keys past the last query's positions NaN (never read).
        SplittableRandom r = new SplittableRandom(7);
        for (int headSize : new int[] {64, 13, 1, 80}) {
            for (int len : new int[] {1, 2, 5, 13, 14, 29, 30, 61, 62, 100, 125}) {
                int capacity = len + 3 + r.nextInt(20), qOff = r.nextInt(5), kOff = r.nextInt(5), vOff = r.nextInt(5);
                int qStride = headSize + r.nextInt(7), attStride = capacity + r.nextInt(7);
                int outStride = headSize + r.nextInt(7), attOff = r.nextInt(5), outOff = r.nextInt(5);
                float[] q = random(r, qOff + 4 * qStride, 2);
                float[] keys = keys(r, kOff, capacity, headSize, len + 3);
                float[] values = random(r, vOff + (len + 3) * headSize, 1);
                float scale = (float) (1 / Math.sqrt(headSize));
                float[] att = new float[attOff + 4 * attStride], out = new float[outOff + 4 * outStride];
                Attention.head4(
                        q, qOff, qStride, keys, kOff, values, vOff, headSize, len, scale, att, attOff, attStride, out,
                        outOff, outStride);
                for (int k = 0; k < 4; k++) {
                    float[] att1 = new float[len + k], out1 = new float[headSize];
                    Attention.head(
                            q,
                            qOff + k * qStride,
                            keys,
                            kOff,
                            values,
                            vOff,
                            headSize,
                            len + k,
                            scale,
                            att1,
                            0,
                            out1,
                            0);
                    for (int t = 0; t < len + k; t++) {
                        assertEquals(
                                Float.floatToRawIntBits(att1[t]),
                                Float.floatToRawIntBits(att[attOff + k * attStride + t]),
                                "query " + k + ", weight " + t + ", len " + len + ", head size " + headSize);
                    }
                    for (int i = 0; i < headSize; i++) {
                        assertEquals(
                                Float.floatToRawIntBits(out1[i]),
                                Float.floatToRawIntBits(out[outOff + k * outStride + i]),
                                "query " + k + ", out " + i + ", len " + len + ", head size " + headSize);
                    }
                }
            }
        }
    }

    @Test
    void scalarMatchesTheDefinition() {
        // Two keys, head size 2: scores q.k * scale = [1*1, 1*3] * 0.5 = [0.5, 1.5]; softmax = [1, e] / (1 + e).
        float[] att = new float[2], out = new float[2];
        // Keys in one tile of 16 positions: dimension 0 of both positions, then (16 floats on) dimension 1.
        float[] keys = new float[2 * Attention.TILE];
        keys[0] = 1;
        keys[1] = 3;
        keys[Attention.TILE] = 5;
        keys[Attention.TILE + 1] = 7;
        Attention.headScalar(new float[] {1, 0}, 0, keys, 0, new float[] {10, 0, 0, 10}, 0, 2, 2, 0.5f, att, 0, out, 0);
        double a1 = Math.E / (1 + Math.E);
        assertEquals(1 - a1, att[0], 1e-6);
        assertEquals(a1, att[1], 1e-6);
        assertEquals(10 * (1 - a1), out[0], 1e-5);
        assertEquals(10 * a1, out[1], 1e-5);
    }

    /**
     * Keys in tiles from kOff for a context of capacity positions, positions [0, len) random, the rest of each tile
     * NaN.
     */
    static float[] keys(SplittableRandom r, int kOff, int capacity, int headSize, int len) {
        int tiles = (capacity + Attention.TILE - 1) / Attention.TILE;
        float[] keys = new float[kOff + tiles * Attention.TILE * headSize];
        java.util.Arrays.fill(keys, Float.NaN);
        for (int i = 0; i < headSize; i++) {
            for (int t = 0; t < len; t++) keys[key(kOff, headSize, i, t)] = (float) ((r.nextDouble() * 2 - 1) * 2);
        }
        return keys;
    }

    /** The tile layout written out here, independently of Attention.keyIndex: tile t / T, line i, lane t % T. */
    static int key(int kOff, int headSize, int i, int t) {
        int tile = Attention.TILE;
        return kOff + (t / tile) * tile * headSize + i * tile + t % tile;
    }

    static float[] random(SplittableRandom r, int n, double spread) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) ((r.nextDouble() * 2 - 1) * spread);
        return a;
    }
}
