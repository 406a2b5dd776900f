package gpt2j.engine.kernels;

import static gpt2j.engine.kernels.Gelu.A1;
import static gpt2j.engine.kernels.Gelu.A11;
import static gpt2j.engine.kernels.Gelu.A13;
import static gpt2j.engine.kernels.Gelu.A3;
import static gpt2j.engine.kernels.Gelu.A5;
import static gpt2j.engine.kernels.Gelu.A7;
import static gpt2j.engine.kernels.Gelu.A9;
import static gpt2j.engine.kernels.Gelu.B0;
import static gpt2j.engine.kernels.Gelu.B2;
import static gpt2j.engine.kernels.Gelu.B4;
import static gpt2j.engine.kernels.Gelu.B6;
import static gpt2j.engine.kernels.Gelu.CLAMP;
import static gpt2j.engine.kernels.Simd.F;

import jdk.incubator.vector.FloatVector;

/** tanh(x) in place, with {@link Gelu}'s rational function (at most 4e-7 from tanh). */
final class Tanh {

    private Tanh() {}

    static void apply(float[] x, int off, int n) {
        int i = off;
        int bound = off + F.loopBound(n);
        for (; i < bound; i += F.length()) {
            FloatVector c = FloatVector.fromArray(F, x, i).max(-CLAMP).min(CLAMP);
            FloatVector c2 = c.mul(c);
            FloatVector p = c2.fma(A13, A11)
                    .fma(c2, FloatVector.broadcast(F, A9))
                    .fma(c2, FloatVector.broadcast(F, A7))
                    .fma(c2, FloatVector.broadcast(F, A5))
                    .fma(c2, FloatVector.broadcast(F, A3))
                    .fma(c2, FloatVector.broadcast(F, A1))
                    .mul(c);
            FloatVector q = c2.fma(B6, B4).fma(c2, FloatVector.broadcast(F, B2)).fma(c2, FloatVector.broadcast(F, B0));
            p.div(q).intoArray(x, i);
        }
        scalar(x, i, off + n - i);
    }

    static void scalar(float[] x, int off, int n) {
        for (int i = off; i < off + n; i++) x[i] = (float) Math.tanh(x[i]);
    }
}
