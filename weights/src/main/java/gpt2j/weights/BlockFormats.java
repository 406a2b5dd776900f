package gpt2j.weights;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Facts of ggml's block formats that the dequantizer, the quantizer and the engine's kernels share (ggml-quants.c):
 * the K-quants' packed 6-bit scales and the IQ4 non-linear table. One place, so no two readers disagree.
 */
public final class BlockFormats {

    /** Values per K-quant super-block (QK_K). */
    public static final int QK_K = 256;

    // kvalues_iq4nl: IQ4_NL and IQ4_XS nibbles index this table.
    private static final byte[] IQ4NL = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

    private BlockFormats() {}

    /**
     * Q4_K/Q5_K sub-block j's 6-bit scale (0..7) from the 12 scale bytes at {@code s[off..]}: get_scale_min_k4's d.
     * Bytes 0-3 hold scales 0-3 in their low 6 bits, bytes 4-7 mins 0-3; bytes 8-11 hold the low 4 bits of scales
     * (low nibble) and mins (high nibble) 4-7, whose top 2 bits are the top bits of bytes 0-3 (scales) and 4-7 (mins).
     */
    public static int scaleK4(MemorySegment s, long off, int j) {
        if (j < 4) return s.get(ValueLayout.JAVA_BYTE, off + j) & 63;
        return s.get(ValueLayout.JAVA_BYTE, off + j + 4) & 0xF
                | (s.get(ValueLayout.JAVA_BYTE, off + j - 4) & 0xFF) >>> 6 << 4;
    }

    /** Q4_K/Q5_K sub-block j's 6-bit minimum (0..7): get_scale_min_k4's m. */
    public static int minK4(MemorySegment s, long off, int j) {
        if (j < 4) return s.get(ValueLayout.JAVA_BYTE, off + j + 4) & 63;
        return (s.get(ValueLayout.JAVA_BYTE, off + j + 4) & 0xFF) >>> 4
                | (s.get(ValueLayout.JAVA_BYTE, off + j) & 0xFF) >>> 6 << 4;
    }

    /** {@link #scaleK4(MemorySegment, long, int)} from the scale bytes at {@code s[off..]} of a heap copy. */
    public static int scaleK4(byte[] s, int off, int j) {
        if (j < 4) return s[off + j] & 63;
        return s[off + j + 4] & 0xF | (s[off + j - 4] & 0xFF) >>> 6 << 4;
    }

    /** {@link #minK4(MemorySegment, long, int)} from the scale bytes at {@code s[off..]} of a heap copy. */
    public static int minK4(byte[] s, int off, int j) {
        if (j < 4) return s[off + j + 4] & 63;
        return (s[off + j + 4] & 0xFF) >>> 4 | (s[off + j] & 0xFF) >>> 6 << 4;
    }

    /** The IQ4_NL/IQ4_XS value a nibble stands for (kvalues_iq4nl). */
    public static int iq4nl(int nibble) {
        return IQ4NL[nibble];
    }
}
