package gpt2j.weights;

import static gpt2j.weights.TestCheckpoints.Raw;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsFileTest {

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @TempDir
    Path dir;

    @Test
    void readsTensorsAsZeroCopySlices() throws IOException {
        Map<String, Raw> m = new LinkedHashMap<>();
        m.put("a", TestCheckpoints.f32(1, 2, 3));
        m.put("b", TestCheckpoints.f16(2, 5));
        Path p = dir.resolve("x.safetensors");
        TestCheckpoints.writeSafetensors(p, m);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertEquals(Files.size(p), f.fileBytes());
            Tensor a = f.tensor("a");
            assertEquals(GgmlType.F32, a.type());
            assertArrayEquals(new long[] {2, 3}, a.shape());
            assertTrue(a.data().isMapped());
            for (int i = 0; i < 6; i++)
                assertEquals(TestCheckpoints.value(1, i), a.data().getAtIndex(F32, i));
            Tensor b = f.tensor("b");
            assertEquals(GgmlType.F16, b.type());
            assertEquals(10, b.data().byteSize());
            assertNull(f.tensor("c"));
        }
    }

    @Test
    void closeUnmaps() throws IOException {
        Path p = dir.resolve("x.safetensors");
        TestCheckpoints.writeSafetensors(p, Map.of("a", TestCheckpoints.f32(1, 4)));
        MemorySegment data;
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            data = f.tensor("a").data();
        }
        assertThrows(IllegalStateException.class, () -> data.get(ValueLayout.JAVA_BYTE, 0));
    }

    @Test
    void missingFile() {
        assertMessage(dir.resolve("nope.safetensors"), "file not found");
    }

    @Test
    void tooShortForHeaderLength() throws IOException {
        Path p = dir.resolve("x.safetensors");
        Files.write(p, new byte[] {1, 2, 3});
        assertMessage(p, "too short");
    }

    @Test
    void headerLengthPastEndOfFile() throws IOException {
        Path p = dir.resolve("x.safetensors");
        Files.write(p, new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0, 0, 0, 0, '{', '}'});
        assertMessage(p, "header length 4294967295 does not fit");
        Files.write(p, new byte[] {-1, -1, -1, -1, -1, -1, -1, -1, '{', '}'}); // negative as a signed long
        assertMessage(p, "does not fit");
    }

    @Test
    void badJson() throws IOException {
        Path p = dir.resolve("x.safetensors");
        TestCheckpoints.writeRawSafetensors(p, "{\"a\": {\"dtype\": ", 0);
        assertMessage(p, "not valid JSON");
        TestCheckpoints.writeRawSafetensors(p, "[1,2]", 0);
        assertMessage(p, "not a JSON object");
    }

    @Test
    void offsetsPastEnd() throws IOException {
        Path p = dir.resolve("x.safetensors");
        TestCheckpoints.writeRawSafetensors(p, "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 12);
        assertMessage(p, "tensor a: data_offsets [0, 16] lie outside the 12-byte data region");
    }

    @Test
    void overlappingTensors() throws IOException {
        Path p = dir.resolve("x.safetensors");
        TestCheckpoints.writeRawSafetensors(
                p,
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}",
                16);
        assertMessage(p, "tensors a and b overlap");
    }

    @Test
    void duplicateTensorName() throws IOException {
        Path p = dir.resolve("x.safetensors");
        TestCheckpoints.writeRawSafetensors(
                p,
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                        + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                8);
        assertMessage(p, "Duplicate field 'a'");
    }

    @Test
    void unknownDtype() throws IOException {
        Path p = dir.resolve("x.safetensors");
        TestCheckpoints.writeRawSafetensors(p, "{\"a\":{\"dtype\":\"Q7\",\"shape\":[4],\"data_offsets\":[0,16]}}", 16);
        assertMessage(p, "tensor a: unknown dtype Q7");
    }

    @Test
    void knownButUnusableDtypeFailsWhenRequested() throws IOException {
        Path p = dir.resolve("x.safetensors");
        TestCheckpoints.writeRawSafetensors(p, "{\"a\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,16]}}", 16);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            WeightsException e = assertThrows(WeightsException.class, () -> f.tensor("a"));
            assertTrue(e.getMessage().contains("tensor a has dtype F64"), e.getMessage());
        }
    }

    @Test
    void shapeDisagreesWithByteRange() throws IOException {
        Path p = dir.resolve("x.safetensors");
        TestCheckpoints.writeRawSafetensors(
                p, "{\"a\":{\"dtype\":\"F16\",\"shape\":[3,4],\"data_offsets\":[0,16]}}", 16);
        assertMessage(p, "tensor a: F16 [3,4] needs 24 bytes but data_offsets give 16");
    }

    @Test
    void absurdShape() throws IOException {
        Path p = dir.resolve("x.safetensors");
        TestCheckpoints.writeRawSafetensors(
                p, "{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,16]}}", 16);
        assertMessage(p, "too large");
        TestCheckpoints.writeRawSafetensors(
                p, "{\"a\":{\"dtype\":\"F32\",\"shape\":[-4],\"data_offsets\":[0,16]}}", 16);
        assertMessage(p, "bad shape");
    }

    private static void assertMessage(Path p, String expected) {
        WeightsException e = assertThrows(
                WeightsException.class, () -> SafetensorsFile.open(p).close());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }
}
