package gpt2j.weights;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The central directory of a zip file held in memory (torch.save's container since 1.6), zip64 included.
 * Every size and offset is checked against the file before an entry is handed out; nothing is decompressed here.
 */
final class ZipArchive {

    static final int MAX_ENTRIES = 1 << 20;

    /** One file of the archive: its data lies at {@code [dataOffset, dataOffset + compressedSize)}. */
    record Entry(String name, int method, long compressedSize, long size, long dataOffset) {}

    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int EOCD = 0x06054b50, EOCD64 = 0x06064b50, LOCATOR64 = 0x07064b50;
    private static final int CENTRAL = 0x02014b50, LOCAL = 0x04034b50;

    private ZipArchive() {}

    /** Entries by name; {@code where} starts every error message. */
    static Map<String, Entry> read(MemorySegment file, String where) {
        long size = file.byteSize();
        long eocd = -1;
        for (long p = size - 22; p >= Math.max(0, size - 22 - 0xFFFF); p--) {
            if (file.get(U32, p) == EOCD && p + 22 + u16(file, p + 20) == size) {
                eocd = p;
                break;
            }
        }
        if (eocd < 0) throw bad(where, "no end of central directory (truncated or not a zip file)");
        long entries = u16(file, eocd + 10);
        long cdSize = u32(file, eocd + 12), cdOffset = u32(file, eocd + 16);
        if (entries == 0xFFFF || cdSize == 0xFFFFFFFFL || cdOffset == 0xFFFFFFFFL) {
            long loc = eocd - 20;
            if (loc < 0 || file.get(U32, loc) != LOCATOR64) throw bad(where, "zip64 fields without a zip64 locator");
            long e64 = file.get(U64, loc + 8);
            if (e64 < 0 || e64 > loc - 56 || file.get(U32, e64) != EOCD64) {
                throw bad(where, "zip64 end of central directory lies outside the file");
            }
            entries = file.get(U64, e64 + 32);
            cdSize = file.get(U64, e64 + 40);
            cdOffset = file.get(U64, e64 + 48);
        }
        if (cdOffset < 0 || cdSize < 0 || cdOffset > eocd || cdSize > eocd - cdOffset) {
            throw bad(where, "central directory [" + cdOffset + ", +" + cdSize + ") lies outside the file");
        }
        if (entries < 0 || entries > MAX_ENTRIES || entries * 46 > cdSize) {
            throw bad(where, entries + " entries do not fit a central directory of " + cdSize + " bytes");
        }
        Map<String, Entry> out = new LinkedHashMap<>();
        long p = cdOffset, cdEnd = cdOffset + cdSize;
        for (long i = 0; i < entries; i++) {
            if (p + 46 > cdEnd || file.get(U32, p) != CENTRAL)
                throw bad(where, "central directory entry " + i + " is corrupt");
            int flags = u16(file, p + 8), method = u16(file, p + 10);
            long compressed = u32(file, p + 20), uncompressed = u32(file, p + 24);
            int nameLen = u16(file, p + 28), extraLen = u16(file, p + 30), commentLen = u16(file, p + 32);
            long local = u32(file, p + 42);
            long next = p + 46 + nameLen + extraLen + commentLen;
            if (next > cdEnd) throw bad(where, "central directory entry " + i + " runs past the directory");
            String name =
                    new String(file.asSlice(p + 46, nameLen).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
            // zip64 extra field: the 64-bit values, in this order, for each 32-bit field that is saturated
            for (long x = p + 46 + nameLen, xEnd = x + extraLen; x + 4 <= xEnd; ) {
                int id = u16(file, x), len = u16(file, x + 2);
                long v = x + 4, vEnd = v + len;
                if (vEnd > xEnd) throw bad(where, "entry " + Unpickler.printable(name) + " has a corrupt extra field");
                if (id == 1) {
                    if (uncompressed == 0xFFFFFFFFL && v + 8 <= vEnd) {
                        uncompressed = file.get(U64, v);
                        v += 8;
                    }
                    if (compressed == 0xFFFFFFFFL && v + 8 <= vEnd) {
                        compressed = file.get(U64, v);
                        v += 8;
                    }
                    if (local == 0xFFFFFFFFL && v + 8 <= vEnd) local = file.get(U64, v);
                }
                x = vEnd;
            }
            p = next;
            if ((flags & 1) != 0) throw bad(where, "entry " + Unpickler.printable(name) + " is encrypted");
            if (method != 0 && method != 8) {
                throw bad(
                        where,
                        "entry " + Unpickler.printable(name) + " uses compression method " + method
                                + " (gpt2j reads stored and deflated entries)");
            }
            if (local < 0 || local > cdOffset - 30 || file.get(U32, local) != LOCAL) {
                throw bad(where, "entry " + Unpickler.printable(name) + ": local header at " + local + " is missing");
            }
            long data = local + 30 + u16(file, local + 26) + u16(file, local + 28);
            if (compressed < 0 || uncompressed < 0 || data > cdOffset || compressed > cdOffset - data) {
                throw bad(
                        where,
                        "entry " + Unpickler.printable(name) + ": its " + compressed + " bytes at " + data
                                + " lie outside the file (truncated?)");
            }
            if (method == 0 && compressed != uncompressed) {
                throw bad(where, "stored entry " + Unpickler.printable(name) + " gives two different sizes");
            }
            if (out.put(name, new Entry(name, method, compressed, uncompressed, data)) != null) {
                throw bad(where, "entry " + Unpickler.printable(name) + " appears twice");
            }
        }
        return out;
    }

    private static int u16(MemorySegment s, long at) {
        return Short.toUnsignedInt(s.get(U16, at));
    }

    private static long u32(MemorySegment s, long at) {
        return Integer.toUnsignedLong(s.get(U32, at));
    }

    private static WeightsException bad(String where, String what) {
        return new WeightsException(where + ": not a valid zip file: " + what);
    }
}
