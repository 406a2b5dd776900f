package gpt2j.weights;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.WritableByteChannel;

/**
 * Little-endian bytes to a channel in whole chunks of {@link #CHUNK} bytes that start at file offsets divisible by it;
 * only the first (up to the next boundary) and the last may be shorter. Linux sizes a written file's page-cache folios
 * by its writes (on file systems with large folios, ext4 and XFS among them): a model file written this way sits in
 * 2 MiB folios that every later mapping of it maps as huge pages, for any reader, while 1 MiB or unaligned writes (or
 * {@code cp}) leave it in 4 KB pages until it is evicted. Weights read in place (F32, F16) then stream without a page
 * walk every 4 KB; on this project's test VM, whose hypervisor keeps shadow page tables, the 355M F32 file generated
 * 13-19 tokens/s on one thread written this way and 0.9-5.7 written in 1 MiB writes (docs/PERFORMANCE.md, "Model
 * files in huge pages").
 */
public final class ChunkedOutput {

    /** The size of a huge page on x86-64 and of the folios that map as one. */
    public static final int CHUNK = 2 << 20;

    private final WritableByteChannel ch;
    private final ByteBuffer buf;
    private final ByteBuffer scratch = ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    private long written;

    /**
     * {@code position}: the file offset at which {@code ch} writes next (0 for a new file, its size when appending).
     * {@code buffer} must hold {@link #CHUNK} bytes; it is cleared and used as given.
     */
    public ChunkedOutput(WritableByteChannel ch, long position, ByteBuffer buffer) {
        if (buffer.capacity() < CHUNK) throw new IllegalArgumentException("the buffer holds less than a chunk");
        this.ch = ch;
        this.written = position;
        this.buf = buffer.clear().order(ByteOrder.LITTLE_ENDIAN);
        buf.limit(CHUNK - (int) (position % CHUNK));
    }

    /** The file offset of the next byte put. */
    public long position() {
        return written + buf.position();
    }

    public void u8(int v) throws IOException {
        if (!buf.hasRemaining()) flush();
        buf.put((byte) v);
    }

    public void u32(int v) throws IOException {
        if (buf.remaining() >= Integer.BYTES) buf.putInt(v);
        else put(scratch.clear().putInt(v).flip()); // across a chunk's end
    }

    public void u64(long v) throws IOException {
        if (buf.remaining() >= Long.BYTES) buf.putLong(v);
        else put(scratch.clear().putLong(v).flip());
    }

    /** Puts all of {@code src}'s remaining bytes. */
    public void put(ByteBuffer src) throws IOException {
        while (src.hasRemaining()) {
            if (!buf.hasRemaining()) flush();
            int n = Math.min(buf.remaining(), src.remaining());
            buf.put(buf.position(), src, src.position(), n);
            buf.position(buf.position() + n);
            src.position(src.position() + n);
        }
    }

    public void put(byte[] b, int off, int len) throws IOException {
        put(ByteBuffer.wrap(b, off, len));
    }

    /** Writes what is buffered: at the end, or before giving up (a download cut off keeps what arrived). */
    public void flush() throws IOException {
        buf.flip();
        while (buf.hasRemaining()) written += ch.write(buf);
        buf.clear();
        buf.limit(CHUNK - (int) (written % CHUNK));
    }
}
