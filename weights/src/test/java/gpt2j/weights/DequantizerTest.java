package gpt2j.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every type llama-quantize adds, against the floats llama.cpp's gguf-py (numpy, an independent implementation of
 * ggml's dequantize_row_*) produced from the same random blocks: tools/ggml_dequant_fixtures.py.
 */
class DequantizerTest {

    @ParameterizedTest
    @EnumSource(names = {"Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "IQ4_NL", "IQ4_XS"})
    void equalsGgufPy(GgmlType type) throws IOException {
        byte[] blocks = resource(type.name().toLowerCase() + ".bin");
        float[] expected = floats(resource(type.name().toLowerCase() + ".f32"));
        assertEquals(expected.length / type.blockSize * type.bytesPerBlock, blocks.length);
        try (Arena arena = Arena.ofConfined()) {
            // After one padding byte, so that no field is read at its natural alignment by accident.
            MemorySegment s = arena.allocate(blocks.length + 1);
            MemorySegment.copy(MemorySegment.ofArray(blocks), 0, s, 1, blocks.length);
            float[] y = new float[expected.length + 3];
            Quantizer.dequantizeRow(type, s, 1, y, 3, expected.length);
            for (int i = 0; i < expected.length; i++) {
                if (expected[i] != y[3 + i])
                    fail(type + " value " + i + ": gguf-py " + expected[i] + ", gpt2j " + y[3 + i]);
            }
            // A row starting at a later block decodes the same values.
            float[] tail = new float[type.blockSize];
            Quantizer.dequantizeRow(type, s, 1 + type.bytesPerBlock, tail, 0, type.blockSize);
            for (int i = 0; i < type.blockSize; i++) assertEquals(expected[type.blockSize + i], tail[i], 0f);
        }
    }

    @Test
    void kQuantScalesUnpackAsGetScaleMinK4() {
        // 12 bytes whose top bits are all set: scales/mins 4-7 take them as their bits 4-5.
        byte[] q = {(byte) 0xC1, (byte) 0x42, 3, 4, (byte) 0xC5, 6, 7, (byte) 0x88, (byte) 0x9A, 0x0B, (byte) 0xFC, 0x2D
        };
        MemorySegment s = MemorySegment.ofArray(q);
        assertEquals(1, BlockFormats.scaleK4(s, 0, 0));
        assertEquals(2, BlockFormats.scaleK4(s, 0, 1));
        assertEquals(5, BlockFormats.minK4(s, 0, 0));
        assertEquals(8, BlockFormats.minK4(s, 0, 3));
        assertEquals(0xA | 3 << 4, BlockFormats.scaleK4(s, 0, 4)); // q[8] low nibble, q[0] >> 6
        assertEquals(0x9 | 3 << 4, BlockFormats.minK4(s, 0, 4)); // q[8] high nibble, q[4] >> 6
        assertEquals(0xB | 1 << 4, BlockFormats.scaleK4(s, 0, 5)); // q[9] low, q[1] >> 6
        assertEquals(0x0 | 0 << 4, BlockFormats.minK4(s, 0, 5)); // q[9] high, q[5] >> 6
        assertEquals(0xD, BlockFormats.scaleK4(s, 0, 7)); // q[11] low, q[3] >> 6 = 0
        assertEquals(0x2 | 2 << 4, BlockFormats.minK4(s, 0, 7)); // q[11] high, q[7] >> 6
    }

    @Test
    void partialBlocksAreRefusedByTypeName() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> Quantizer.dequantizeRow(
                        GgmlType.Q6_K, MemorySegment.ofArray(new byte[210]), 0, new float[128], 0, 128));
        assertTrue(e.getMessage().contains("Q6_K"), e.getMessage());
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = DequantizerTest.class.getResourceAsStream("/dequant/" + name)) {
            if (in == null) throw new IOException("missing fixture /dequant/" + name);
            return in.readAllBytes();
        }
    }

    private static float[] floats(byte[] b) {
        float[] f = new float[b.length / 4];
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
        return f;
    }
}
