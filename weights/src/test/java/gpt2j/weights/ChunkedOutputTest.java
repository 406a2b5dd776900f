package gpt2j.weights;

import static gpt2j.weights.ChunkedOutput.CHUNK;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Every write that reaches the file, but the first and the last, is a whole chunk at an offset divisible by the chunk:
 * what lets Linux keep a written model in 2 MiB folios. The bytes are checked against a plain little-endian encoding.
 */
class ChunkedOutputTest {

    /** A channel that records where each write starts and how long it is, and keeps the bytes. */
    private static final class Recorder implements WritableByteChannel {
        final long start;
        final List<long[]> writes = new ArrayList<>();
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        Recorder(long start) {
            this.start = start;
        }

        @Override
        public int write(ByteBuffer src) {
            int n = src.remaining();
            writes.add(new long[] {start + bytes.size(), n});
            byte[] b = new byte[n];
            src.get(b);
            bytes.writeBytes(b);
            return n;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {}

        void assertWholeAlignedChunks() {
            assertTrue(writes.size() > 2, "the test writes several chunks: " + writes.size());
            for (int i = 0; i < writes.size(); i++) {
                long at = writes.get(i)[0], end = at + writes.get(i)[1];
                if (i > 0) assertEquals(0, at % CHUNK, "write " + i + " starts at " + at);
                if (i < writes.size() - 1) {
                    assertEquals(0, end % CHUNK, "write " + i + " ends at " + end);
                    assertTrue(end - at <= CHUNK && end > at, "write " + i + ": " + (end - at) + " bytes");
                }
            }
        }
    }

    private static void le(ByteArrayOutputStream out, long v, int bytes) {
        for (int i = 0; i < bytes; i++) out.write((int) (v >>> (8 * i)));
    }

    @Test
    void writesWholeAlignedChunksFromAnyStartingOffset() throws Exception {
        Random random = new Random(7);
        for (long start : new long[] {0, 1, CHUNK - 3, CHUNK + 12_345, 3L * CHUNK}) {
            Recorder ch = new Recorder(start);
            ByteArrayOutputStream expected = new ByteArrayOutputStream();
            ChunkedOutput out = new ChunkedOutput(ch, start, ByteBuffer.allocate(CHUNK));
            while (expected.size() < 7 * CHUNK) {
                switch (random.nextInt(4)) {
                    case 0 -> {
                        int v = random.nextInt(256);
                        out.u8(v);
                        le(expected, v, 1);
                    }
                    case 1 -> {
                        int v = random.nextInt();
                        out.u32(v);
                        le(expected, v, 4);
                    }
                    case 2 -> {
                        long v = random.nextLong();
                        out.u64(v);
                        le(expected, v, 8);
                    }
                    default -> {
                        byte[] b = new byte[random.nextInt(random.nextBoolean() ? 13 : 3 * CHUNK)];
                        random.nextBytes(b);
                        out.put(b, 0, b.length);
                        expected.writeBytes(b);
                    }
                }
                assertEquals(start + expected.size(), out.position());
            }
            out.flush();
            assertArrayEquals(expected.toByteArray(), ch.bytes.toByteArray(), "from " + start);
            ch.assertWholeAlignedChunks();
        }
    }

    @Test
    void aGgufFileIsWrittenInWholeAlignedChunks() throws Exception {
        byte[] data = new byte[5 * CHUNK + 1000];
        new Random(3).nextBytes(data);
        GgufWriter w = new GgufWriter().putString("general.architecture", "gpt2");
        w.addTensor("a", GgmlType.F32, new long[] {data.length / 4}, arena -> MemorySegment.ofArray(data));
        Recorder ch = new Recorder(0);
        w.writeTo(ch, null);
        ch.assertWholeAlignedChunks();
        byte[] file = ch.bytes.toByteArray();
        try (GgufFile g = GgufFile.read(Path.of("written.gguf"), MemorySegment.ofArray(file), Arena.ofConfined())) {
            assertArrayEquals(data, g.tensor("a").data().toArray(ValueLayout.JAVA_BYTE));
        }
    }
}
