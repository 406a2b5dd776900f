package gpt2j.engine.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Objects;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The float species every kernel uses and the little-endian layouts for reading weights.
 * {@code -Dgpt2.vectorBits=256} forces a narrower width (tests use it to cover the 256-bit code paths on an AVX-512
 * machine); production leaves it at the preferred shape, since wider-than-hardware species are not intrinsified.
 */
final class Simd {

    static final VectorSpecies<Float> F = VectorShape.forBitSize(
                    Integer.getInteger("gpt2.vectorBits", FloatVector.SPECIES_PREFERRED.vectorBitSize()))
            .withLanes(float.class);

    // Unaligned: Q8_0/Q4_0 scales sit at 34*i and 18*i, which are not 2-byte aligned in general.
    static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /**
     * All of native memory as one segment, for a loop that checks its whole range against the real segment once and
     * then reads at absolute addresses, {@code segment.address() + offset} (F32's mat-vec stream): per-access checks
     * on a segment that is not a constant cost that loop up to a fifth of its speed. A restricted method: the JVM
     * needs {@code --enable-native-access=ALL-UNNAMED} (the launcher, tests and benchmarks pass it) or it warns once.
     */
    static final MemorySegment MEMORY = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    /**
     * The absolute address of bytes [from, from + size) of native m, for reading them through {@link #MEMORY}, after
     * checking once that they lie inside m and that m is still alive.
     */
    static long address(MemorySegment m, long from, long size) {
        Objects.checkFromIndexSize(from, size, m.byteSize());
        if (!m.scope().isAlive()) throw new IllegalStateException("the weights' memory is already unmapped");
        return m.address() + from;
    }

    // Lane i -> lane i ^ h: adding a vector to itself rearranged by these folds its halves together.
    private static final VectorShuffle<Float> XOR_8 = xor(8), XOR_4 = xor(4), XOR_2 = xor(2), XOR_1 = xor(1);

    private Simd() {}

    /**
     * The sum of v's lanes, added as a fixed tree (halves, then quarters, ...). Used instead of
     * {@code reduceLanes(ADD)}, which adds in lane order when interpreted and as a tree once C2 has compiled it, so the
     * same input could give different last bits before and after warm-up. Lane-wise adds are exact IEEE operations in
     * every mode, so this gives the same bits interpreted, in C1 and in C2.
     */
    static float sum(FloatVector v) {
        int lanes = F.length();
        if (lanes >= 16) v = v.add(v.rearrange(XOR_8));
        if (lanes >= 8) v = v.add(v.rearrange(XOR_4));
        if (lanes >= 4) v = v.add(v.rearrange(XOR_2));
        if (lanes >= 2) v = v.add(v.rearrange(XOR_1));
        return v.lane(0);
    }

    private static VectorShuffle<Float> xor(int h) {
        return VectorShuffle.fromOp(F, i -> (i ^ h) < F.length() ? i ^ h : i);
    }
}
