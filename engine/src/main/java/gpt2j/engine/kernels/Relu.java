package gpt2j.engine.kernels;

import static gpt2j.engine.kernels.Simd.F;

import jdk.incubator.vector.FloatVector;

/** ReLU, max(x, 0), in place (NaN stays NaN, as in torch). */
final class Relu {

    private Relu() {}

    static void apply(float[] x, int off, int n) {
        int i = off;
        int bound = off + F.loopBound(n);
        for (; i < bound; i += F.length())
            FloatVector.fromArray(F, x, i).max(0f).intoArray(x, i);
        scalar(x, i, off + n - i);
    }

    static void scalar(float[] x, int off, int n) {
        for (int i = off; i < off + n; i++) x[i] = Math.max(x[i], 0f);
    }
}
