package gpt2j.engine.kernels;

import static java.nio.ByteOrder.LITTLE_ENDIAN;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A block copied to an array, read little-endian: its fp16 fields ({@link #half}), and eight bytes as one long for the
 * load-time unpacks of the 5- and 6-bit formats
 * ({@link MatVecQ5_0#unpack}, {@link MatVecQ5_K#unpack}, {@link MatVecQ6_K#unpack}): one shift and one mask split
 * eight quants at once. A byte at a time the unpacks took ~1 ns per weight (0.25 s of loading a 1.5B Q4_K_M file);
 * eight at a time 0.09-0.15 ns. Plain long arithmetic rather than the Vector API: a model loads once, before the JIT
 * has compiled anything, and vector code runs boxed until then.
 */
final class Bytes8 {

    /** The low nibble of every byte. */
    static final long NIBBLES = 0x0F0F0F0F0F0F0F0FL;
    /** Bit 0 of every byte. */
    static final long BIT0 = 0x0101010101010101L;
    /** Bits 0-1 of every byte. */
    static final long BITS01 = 0x0303030303030303L;
    /** Bit 4 of every byte: where {@code Long.expand(bits, BIT4)} (one PDEP) puts eight bits, one per byte. */
    static final long BIT4 = 0x1010101010101010L;

    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, LITTLE_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, LITTLE_ENDIAN);

    private Bytes8() {}

    static long get(byte[] a, int i) {
        return (long) LONG.get(a, i);
    }

    static void set(byte[] a, int i, long v) {
        LONG.set(a, i, v);
    }

    /** The little-endian unsigned 32-bit value at {@code a[i..]}. */
    static long uint32(byte[] a, int i) {
        return (int) INT.get(a, i) & 0xFFFFFFFFL;
    }

    /** The little-endian IEEE half at {@code a[i..]} as a float: the blocks' d, dmin and m fields. */
    static float half(byte[] a, int i) {
        return Float.float16ToFloat((short) (a[i] & 0xFF | a[i + 1] << 8));
    }

    /** Every byte less 32, each byte below 64 (6-bit quants): adding 96 cannot carry into the next byte. */
    static long minus32(long v) {
        return (v + 0x6060606060606060L) ^ 0x8080808080808080L;
    }
}
