package gpt2j.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Quantizers against hand-worked blocks and against blocks from tools/ggml_quant_reference.py (numpy, ggml's formulas). */
class QuantizerTest {

    @Test
    void q8_0HandWorkedBlock() {
        float[] x = new float[32];
        for (int j = 0; j < 32; j++) x[j] = j - 16; // -16 .. 15
        byte[] b = quantize(GgmlType.Q8_0, x);
        assertEquals(34, b.length);
        // d = 16/127 = 0.12598 -> fp16 0x3008 (2^-3 * (1 + 8/1024) = 0.12598), little-endian
        assertEquals(0x08, b[0] & 0xFF);
        assertEquals(0x30, b[1] & 0xFF);
        assertEquals(-127, b[2]); // -16 * 127/16
        assertEquals(0, b[2 + 16]); // 0
        assertEquals(8, b[2 + 17]); // 1 * 7.9375 = 7.94 -> 8
        assertEquals(-8, b[2 + 15]); // -1 -> -8
        assertEquals(119, b[2 + 31]); // 15 * 7.9375 = 119.06 -> 119
    }

    @Test
    void q8_0RoundsHalvesAwayFromZero() {
        float[] x = new float[32];
        x[0] = 127f; // d = 1, so x * id is x itself
        x[1] = 2.5f;
        x[2] = -2.5f;
        x[3] = -0.5f;
        byte[] b = quantize(GgmlType.Q8_0, x);
        assertEquals(0x3C00, (b[0] & 0xFF) | (b[1] & 0xFF) << 8); // fp16 1.0
        assertEquals(3, b[3]);
        assertEquals(-3, b[4]); // Math.round would give -2
        assertEquals(-1, b[5]);
    }

    @Test
    void q4_0HandWorkedBlock() {
        float[] x = new float[32];
        for (int j = 0; j < 32; j++) x[j] = j - 16;
        byte[] b = quantize(GgmlType.Q4_0, x);
        assertEquals(18, b.length);
        // the largest magnitude is -16: d = -16 / -8 = 2 (fp16 0x4000), id = 0.5, q = min(15, (int)(x/2 + 8.5))
        assertEquals(0x00, b[0] & 0xFF);
        assertEquals(0x40, b[1] & 0xFF);
        assertEquals(0x80, b[2] & 0xFF); // element 0: q 0 (low nibble); element 16: x 0 -> 8.5 -> 8 (high)
        assertEquals(0x91, b[2 + 1] & 0xFF); // element 1: -15 -> -7.5 + 8.5 = 1; element 17: 1 -> 0.5 + 8.5 = 9
        assertEquals(0xF8, b[2 + 15] & 0xFF); // element 15: -1 -> 8.0 -> 8; element 31: 15 -> 16 -> clamped to 15
    }

    @Test
    void q4_0FirstOfEqualMagnitudesSetsTheSign() {
        float[] x = new float[32];
        for (int j = 0; j < 32; j++) x[j] = j % 2 == 0 ? 3f : -3f;
        byte[] b = quantize(GgmlType.Q4_0, x);
        assertEquals(-0.375f, Float.float16ToFloat((short) ((b[0] & 0xFF) | b[1] << 8)));
        for (int j = 0; j < 16; j++) assertEquals(j % 2 == 0 ? 0x00 : 0xFF, b[2 + j] & 0xFF); // 3 -> 0, -3 -> 16 -> 15
    }

    @Test
    void matchesNumpyGgmlReferenceByteForByte() throws IOException {
        float[] x = floats(resource("input.f32"));
        assertArrayEquals(resource("q8_0.bin"), quantize(GgmlType.Q8_0, x));
        assertArrayEquals(resource("q4_0.bin"), quantize(GgmlType.Q4_0, x));
        assertArrayEquals(resource("f16.bin"), quantize(GgmlType.F16, x));
    }

    @Test
    void dequantizersMatchNumpyReference() throws IOException {
        int n = floats(resource("input.f32")).length;
        for (GgmlType t : new GgmlType[] {GgmlType.Q8_0, GgmlType.Q4_0}) {
            String name = t.name().toLowerCase();
            float[] expected = floats(resource(name + ".dequant.f32"));
            float[] got = new float[n];
            Quantizer.dequantizeRow(t, MemorySegment.ofArray(resource(name + ".bin")), 0, got, 0, n);
            assertArrayEquals(expected, got, 0f, name);
        }
        float[] x = floats(resource("input.f32"));
        float[] got = new float[n];
        Quantizer.dequantizeRow(GgmlType.F16, MemorySegment.ofArray(resource("f16.bin")), 0, got, 0, n);
        for (int i = 0; i < n; i++) assertEquals(Float.float16ToFloat(Float.floatToFloat16(x[i])), got[i]);
    }

    @Test
    void roundTripErrorIsWithinHalfAStep() {
        Random rnd = new Random(7);
        float[] x = new float[32 * 256];
        for (int i = 0; i < x.length; i++) x[i] = (float) (rnd.nextGaussian() * (1 + i / 1024));
        for (GgmlType t : new GgmlType[] {GgmlType.Q8_0, GgmlType.Q4_0}) {
            float[] y = new float[x.length];
            Quantizer.dequantizeRow(t, MemorySegment.ofArray(quantize(t, x)), 0, y, 0, x.length);
            for (int b = 0; b < x.length / 32; b++) {
                float amax = 0;
                for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[b * 32 + j]));
                // Q8_0: step amax/127, error half a step. Q4_0: step amax/8, error half a step except the clamped
                // extreme opposite to max (x*id = 8 -> 15), a whole step. Plus fp16 rounding of the scale.
                float bound = t == GgmlType.Q8_0 ? amax / 254 : amax / 8;
                bound += amax * 1e-3f;
                for (int j = 0; j < 32; j++) {
                    float err = Math.abs(x[b * 32 + j] - y[b * 32 + j]);
                    assertTrue(err <= bound, t + " block " + b + ": error " + err + " > " + bound);
                }
            }
        }
    }

    @Test
    void cRoundf() {
        assertEquals(3, Quantizer.roundf(2.5f));
        assertEquals(-3, Quantizer.roundf(-2.5f));
        assertEquals(0, Quantizer.roundf(0.49999997f));
        assertEquals(0, Quantizer.roundf(-0.49999997f));
        assertEquals(-1, Quantizer.roundf(-0.5f));
    }

    static byte[] quantize(GgmlType t, float[] x) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(t.byteSize(x.length));
            Quantizer.quantizeRow(t, x, 0, x.length, out, 0);
            return out.toArray(ValueLayout.JAVA_BYTE);
        }
    }

    static byte[] resource(String name) throws IOException {
        try (InputStream in = QuantizerTest.class.getResourceAsStream("/quant/" + name)) {
            return in.readAllBytes();
        }
    }

    static float[] floats(byte[] b) {
        float[] f = new float[b.length / 4];
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
        return f;
    }
}
