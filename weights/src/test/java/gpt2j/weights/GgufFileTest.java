package gpt2j.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The GGUF reader against files assembled byte by byte here, following docs/gguf.md (not our writer). */
class GgufFileTest {

    @TempDir
    Path dir;

    /** Little-endian GGUF bytes, written field by field. */
    static final class Raw {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Raw u32(long v) {
            ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v);
            out.writeBytes(b.array());
            return this;
        }

        Raw u64(long v) {
            out.writeBytes(ByteBuffer.allocate(8)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putLong(v)
                    .array());
            return this;
        }

        Raw str(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            return u64(b.length).bytes(b);
        }

        Raw bytes(byte[] b) {
            out.writeBytes(b);
            return this;
        }

        Raw header(int version, long tensors, long kvs) {
            return bytes("GGUF".getBytes(StandardCharsets.US_ASCII))
                    .u32(version)
                    .u64(tensors)
                    .u64(kvs);
        }

        Raw padTo(int alignment) {
            while (out.size() % alignment != 0) out.write(0);
            return this;
        }

        Path write(Path p) throws IOException {
            Files.write(p, out.toByteArray());
            return p;
        }
    }

    /** One F32 tensor "t" of ne {3, 2} (shape [2, 3]) holding 0..5, a string, a u32 and a string array. */
    static Raw valid() {
        Raw r = new Raw().header(3, 1, 3);
        r.str("general.architecture").u32(8).str("gpt2");
        r.str("answer").u32(4).u32(42);
        r.str("list").u32(9).u32(8).u64(2).str("a").str("bc");
        r.str("t").u32(2).u64(3).u64(2).u32(0).u64(0);
        r.padTo(32);
        ByteBuffer b = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 6; i++) b.putFloat(i);
        return r.bytes(b.array());
    }

    @Test
    void readsMetadataAndTensors() throws IOException {
        Path p = valid().write(dir.resolve("ok.gguf"));
        try (GgufFile f = GgufFile.open(p)) {
            assertEquals(3, f.version());
            assertEquals("gpt2", f.string("general.architecture"));
            assertEquals(42L, f.integer("answer"));
            assertEquals(List.of("a", "bc"), f.strings("list"));
            assertNull(f.string("absent"));
            Tensor t = f.tensor("t");
            assertArrayEquals(new long[] {2, 3}, t.shape(), "ne {3, 2} is shape [2, 3]");
            assertEquals(GgmlType.F32, t.type());
            assertEquals(5f, t.data().getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, 5));
            assertTrue(t.data().isMapped());
            WeightsException e = assertThrows(WeightsException.class, () -> f.integer("general.architecture"));
            assertTrue(e.getMessage().contains("should be an integer"), e.getMessage());
        }
    }

    @Test
    void version2IsAccepted() throws IOException {
        byte[] b = valid().out.toByteArray();
        b[4] = 2;
        Files.write(dir.resolve("v2.gguf"), b);
        try (GgufFile f = GgufFile.open(dir.resolve("v2.gguf"))) {
            assertEquals(2, f.version());
        }
    }

    @Test
    void badMagic() throws IOException {
        byte[] b = valid().out.toByteArray();
        b[0] = 'X';
        assertMessage(b, "bad magic");
        assertMessage(new byte[] {'G', 'G'}, "truncated");
    }

    @Test
    void unknownVersion() throws IOException {
        byte[] b = valid().out.toByteArray();
        b[4] = 1;
        assertMessage(b, "unsupported GGUF version 1");
        b[4] = 4;
        assertMessage(b, "unsupported GGUF version 4");
    }

    @Test
    void absurdCounts() throws IOException {
        assertMessage(
                new Raw().header(3, 1L << 60, 0).out.toByteArray(), "tensor count 1152921504606846976 is impossible");
        assertMessage(
                new Raw().header(3, 0, -1).out.toByteArray(), "metadata count 18446744073709551615 is impossible");
        Raw r = new Raw().header(3, 0, 1).str("toks").u32(9).u32(8).u64(1L << 40);
        assertMessage(r.out.toByteArray(), "claims 1099511627776 elements");
    }

    /** A u8 array would become a long[] 8 times the file's size: the element count is capped below that. */
    @Test
    void arraysAreCappedBelowEightTimesTheFile() throws IOException {
        int n = (1 << 22) + 1;
        Raw r = new Raw().header(3, 0, 1).str("bytes").u32(9).u32(0).u64(n).bytes(new byte[n]);
        assertMessage(r.out.toByteArray(), "claims 4194305 elements");
        r = new Raw()
                .header(3, 0, 1)
                .str("bytes")
                .u32(9)
                .u32(0)
                .u64(n - 1)
                .bytes(new byte[n - 1])
                .padTo(32);
        try (GgufFile f = GgufFile.open(r.write(dir.resolve("ok.gguf")))) {
            assertEquals(n - 1, f.integers("bytes").length);
        }
    }

    @Test
    void absurdStringLength() throws IOException {
        Raw r = new Raw().header(3, 0, 1).u64(Long.MAX_VALUE).bytes(new byte[16]);
        assertMessage(r.out.toByteArray(), "string of length 9223372036854775807");
        r = new Raw().header(3, 0, 1).str("k").u32(8).u64(1000).bytes(new byte[16]);
        assertMessage(r.out.toByteArray(), "string of length 1000");
    }

    @Test
    void stringsAreStrictUtf8() throws IOException {
        // U+FFFD itself is fine; a stray continuation byte, an overlong '/', a surrogate and a cut sequence are not.
        Raw ok = new Raw()
                .header(3, 0, 1)
                .str("k")
                .u32(8)
                .str("a\uFFFDb\u0120\uD83D\uDE00")
                .padTo(32)
                .bytes(new byte[32]);
        try (GgufFile f = GgufFile.open(ok.write(dir.resolve("ok.gguf")))) {
            assertEquals("a\uFFFDb\u0120\uD83D\uDE00", f.string("k"));
        }
        for (byte[] bad : new byte[][] {
            {'a', (byte) 0x80},
            {(byte) 0xC0, (byte) 0xAF},
            {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
            {'x', (byte) 0xE2, (byte) 0x82},
            {(byte) 0xEF, (byte) 0xBF, (byte) 0xBD, (byte) 0xFF}
        }) {
            Raw r = new Raw().header(3, 0, 1).str("k").u32(8).u64(bad.length).bytes(bad);
            assertMessage(r.out.toByteArray(), "is not UTF-8");
        }
    }

    @Test
    void valuesAcrossAndLongerThanTheReadersWindowReadBackWhole() throws IOException {
        // The reader copies the file a MiB at a time: a filler puts the next key's numbers across the first MiB's
        // end, and a 3 MiB string is longer than a window.
        String filler = "f".repeat((1 << 20) - 60), longString = "\u0120x".repeat(1 << 20);
        Raw r = new Raw()
                .header(3, 0, 4)
                .str("filler")
                .u32(8)
                .str(filler)
                .str("number")
                .u32(10)
                .u64(0x0123456789ABCDEFL)
                .str("text")
                .u32(8)
                .str("across the window")
                .str("long")
                .u32(8)
                .str(longString)
                .padTo(32)
                .bytes(new byte[32]);
        try (GgufFile f = GgufFile.open(r.write(dir.resolve("windows.gguf")))) {
            assertEquals(filler, f.string("filler"));
            assertEquals(0x0123456789ABCDEFL, f.metadata().get("number"));
            assertEquals("across the window", f.string("text"));
            assertEquals(longString, f.string("long"));
        }
    }

    @Test
    void unknownValueType() throws IOException {
        assertMessage(new Raw().header(3, 0, 1).str("k").u32(13).u64(0).out.toByteArray(), "unknown value type 13");
    }

    @Test
    void truncatedTensorData() throws IOException {
        byte[] b = valid().out.toByteArray();
        assertMessage(Arrays.copyOf(b, b.length - 1), "tensor t (24 bytes at data offset 0) runs past the end");
    }

    @Test
    void offsetPastTheEnd() throws IOException {
        Raw r = new Raw()
                .header(3, 1, 0)
                .str("t")
                .u32(1)
                .u64(8)
                .u32(0)
                .u64(1L << 50)
                .padTo(32)
                .bytes(new byte[32]);
        assertMessage(r.out.toByteArray(), "runs past the end");
        r = new Raw()
                .header(3, 1, 0)
                .str("t")
                .u32(1)
                .u64(8)
                .u32(0)
                .u64(-32)
                .padTo(32)
                .bytes(new byte[32]);
        assertMessage(r.out.toByteArray(), "is not aligned");
        r = new Raw()
                .header(3, 1, 0)
                .str("t")
                .u32(1)
                .u64(8)
                .u32(0)
                .u64(4)
                .padTo(32)
                .bytes(new byte[64]);
        assertMessage(r.out.toByteArray(), "offset 4 is not aligned to 32");
    }

    @Test
    void hugeDimensions() throws IOException {
        Raw r = new Raw()
                .header(3, 1, 0)
                .str("t")
                .u32(2)
                .u64(1L << 40)
                .u64(1L << 40)
                .u32(0)
                .u64(0)
                .padTo(32);
        assertMessage(r.out.toByteArray(), "impossible dimensions");
        r = new Raw().header(3, 1, 0).str("t").u32(7).padTo(32);
        assertMessage(r.out.toByteArray(), "has 7 dimensions");
    }

    @Test
    void unsupportedGgmlType() throws IOException {
        Raw r = new Raw()
                .header(3, 1, 0)
                .str("t")
                .u32(1)
                .u64(256)
                .u32(16)
                .u64(0)
                .padTo(32)
                .bytes(new byte[256]);
        assertMessage(
                r.out.toByteArray(),
                "tensor t has ggml type IQ2_XXS (16), which gpt2j does not read (it reads F32, F16, "
                        + "Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_NL, IQ4_XS, BF16)");
        r = new Raw()
                .header(3, 1, 0)
                .str("t")
                .u32(1)
                .u64(48)
                .u32(8)
                .u64(0)
                .padTo(32)
                .bytes(new byte[256]);
        assertMessage(r.out.toByteArray(), "rows of 48 values are not whole blocks of 32");
    }

    @Test
    void overlappingTensors() throws IOException {
        Raw r = new Raw()
                .header(3, 2, 0)
                .str("a")
                .u32(1)
                .u64(16)
                .u32(0)
                .u64(0)
                .str("b")
                .u32(1)
                .u64(8)
                .u32(0)
                .u64(32)
                .padTo(32)
                .bytes(new byte[96]);
        assertMessage(r.out.toByteArray(), "tensors a and b overlap");
    }

    @Test
    void badAlignment() throws IOException {
        Raw r = new Raw().header(3, 0, 1).str("general.alignment").u32(4).u32(24);
        assertMessage(r.out.toByteArray(), "general.alignment must be a power of two");
    }

    @Test
    void missingFile() {
        WeightsException e = assertThrows(WeightsException.class, () -> GgufFile.open(dir.resolve("none.gguf")));
        assertTrue(e.getMessage().contains("file not found"));
    }

    private void assertMessage(byte[] file, String expected) throws IOException {
        Path p = Files.write(dir.resolve("bad.gguf"), file);
        WeightsException e =
                assertThrows(WeightsException.class, () -> GgufFile.open(p).close());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }
}
