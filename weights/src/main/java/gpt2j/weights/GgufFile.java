package gpt2j.weights;

import static gpt2j.weights.GgufValueType.*;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A GGUF file (docs/gguf.md in ggml): header, metadata key/values, tensor infos, then the aligned data section.
 * The file is mapped once. Everything before the data is parsed through a bounded reader and checked against the file
 * size (counts, string lengths, array lengths, offsets, types) before anything is allocated for it, so a corrupt file
 * fails with one line instead of an OutOfMemoryError. Tensors are zero-copy slices.
 * <p>
 * Metadata values are Java objects: Long (all integer types), Double (float32/float64), Boolean, String, and for arrays
 * {@code List<String>}, {@code long[]}, {@code double[]} or {@code boolean[]} (arrays of arrays are skipped: null).
 */
public final class GgufFile implements AutoCloseable {

    static final int MAGIC = 0x46554747; // "GGUF" read as a little-endian uint32
    static final int DEFAULT_ALIGNMENT = 32;
    private static final int MAX_DIMS = 4; // GGML_MAX_DIMS
    private static final long MAX_STRING = 1L << 24; // no key, token or name is near 16 MiB
    // The largest vocabularies have ~262k tokens; a u8 array may not become a long[] 8 times the file's size.
    private static final long MAX_ARRAY = 1L << 22;

    /** A tensor as the file describes it; {@code ne} is ggml order (ne[0] contiguous), {@code offset} absolute. */
    public record TensorInfo(String name, long[] ne, GgmlType type, long offset, long byteSize) {
        /** Row-major shape, outermost first: ne reversed. */
        public long[] shape() {
            long[] s = new long[ne.length];
            for (int i = 0; i < ne.length; i++) s[i] = ne[ne.length - 1 - i];
            return s;
        }
    }

    private final Path path;
    private final int version;
    private final long fileBytes;
    private final Map<String, Object> metadata;
    private final Map<String, TensorInfo> tensors;
    private final int alignment;
    private final long dataStart;
    private final Arena arena;
    private final MemorySegment mapped;

    private GgufFile(
            Path path,
            int version,
            long fileBytes,
            Map<String, Object> metadata,
            Map<String, TensorInfo> tensors,
            int alignment,
            long dataStart,
            Arena arena,
            MemorySegment mapped) {
        this.path = path;
        this.version = version;
        this.fileBytes = fileBytes;
        this.metadata = Collections.unmodifiableMap(metadata);
        this.tensors = Collections.unmodifiableMap(tensors);
        this.alignment = alignment;
        this.dataStart = dataStart;
        this.arena = arena;
        this.mapped = mapped;
    }

    public static GgufFile open(Path path) {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            return read(path, ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena), arena);
        } catch (NoSuchFileException e) {
            arena.close();
            throw new WeightsException(path + ": file not found");
        } catch (IOException e) {
            arena.close();
            throw new WeightsException(path + ": cannot read (" + e.getMessage() + ")", e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /**
     * Parses the GGUF image {@code file} (a mapped file, or bytes in memory for the fuzz tests). The GgufFile closes
     * {@code arena}, which owns {@code file}; when this throws, the caller does.
     */
    static GgufFile read(Path path, MemorySegment file, Arena arena) {
        long size = file.byteSize();
        Reader r = new Reader(path, file);
        int magic = r.u32();
        if (magic != MAGIC) {
            throw bad(
                    path,
                    Integer.reverseBytes(magic) == MAGIC
                            ? "big-endian GGUF files are not supported"
                            : "bad magic (expected \"GGUF\")");
        }
        int version = r.u32();
        if (version != 2 && version != 3)
            throw bad(
                    path,
                    "unsupported GGUF version " + Integer.toUnsignedString(version)
                            + " (gpt2j reads versions 2 and 3)");
        long nTensors = r.u64(), nKv = r.u64();
        // Every tensor info takes at least 24 bytes and every key/value 13: bounds any count by the file size.
        if (nTensors < 0 || nTensors > r.remaining() / 24)
            throw bad(
                    path,
                    "tensor count " + Long.toUnsignedString(nTensors) + " is impossible for a file of " + size
                            + " bytes");
        if (nKv < 0 || nKv > r.remaining() / 13)
            throw bad(
                    path,
                    "metadata count " + Long.toUnsignedString(nKv) + " is impossible for a file of " + size + " bytes");
        Map<String, Object> meta = new LinkedHashMap<>();
        for (long i = 0; i < nKv; i++) {
            String key = r.string(path);
            int type = r.u32();
            Object value = r.value(path, key, type, true);
            if (meta.put(key, value) != null) throw bad(path, "duplicate metadata key " + key);
        }
        int alignment = DEFAULT_ALIGNMENT;
        if (meta.containsKey("general.alignment")) {
            Object a = meta.get("general.alignment");
            if (!(a instanceof Long l) || l <= 0 || l > (1 << 20) || Long.bitCount(l) != 1) {
                throw bad(path, "general.alignment must be a power of two, got " + a);
            }
            alignment = (int) (long) l;
        }
        List<long[]> raw = new ArrayList<>(); // per tensor: ne..., then type, offset
        List<String> names = new ArrayList<>();
        for (long i = 0; i < nTensors; i++) {
            String name = r.string(path);
            int nDims = r.u32();
            if (nDims < 1 || nDims > MAX_DIMS)
                throw bad(
                        path,
                        "tensor " + name + " has " + Integer.toUnsignedString(nDims) + " dimensions (1 to " + MAX_DIMS
                                + " allowed)");
            long[] rec = new long[nDims + 2];
            for (int d = 0; d < nDims; d++) rec[d] = r.u64();
            rec[nDims] = r.u32() & 0xFFFFFFFFL;
            rec[nDims + 1] = r.u64();
            names.add(name);
            raw.add(rec);
        }
        long dataStart = align(r.position(), alignment);
        if (dataStart > size) throw bad(path, "file ends before its data section (truncated?)");
        Map<String, TensorInfo> infos = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            TensorInfo t = tensorInfo(path, names.get(i), raw.get(i), alignment, dataStart, size);
            if (infos.put(t.name(), t) != null) throw bad(path, "duplicate tensor " + t.name());
        }
        List<TensorInfo> byOffset = new ArrayList<>(infos.values());
        byOffset.sort(Comparator.comparingLong(TensorInfo::offset));
        for (int i = 1; i < byOffset.size(); i++) {
            TensorInfo prev = byOffset.get(i - 1), cur = byOffset.get(i);
            if (cur.offset() < prev.offset() + prev.byteSize()) {
                throw bad(path, "tensors " + prev.name() + " and " + cur.name() + " overlap");
            }
        }
        return new GgufFile(path, version, size, meta, infos, alignment, dataStart, arena, file);
    }

    private static TensorInfo tensorInfo(Path path, String name, long[] rec, int alignment, long dataStart, long size) {
        int nDims = rec.length - 2;
        long[] ne = Arrays.copyOf(rec, nDims);
        long typeId = rec[nDims], offset = rec[nDims + 1];
        GgmlType type = typeId > Integer.MAX_VALUE ? null : GgmlType.byId((int) typeId);
        if (type == null)
            throw bad(
                    path,
                    "tensor " + name + " has ggml type " + GgmlType.describe(typeId)
                            + ", which gpt2j does not read (it reads " + GgmlType.readable() + ")");
        long n;
        if (ne[0] % type.blockSize != 0 && ne[0] >= 0)
            throw bad(
                    path,
                    "tensor " + name + ": " + type + " rows of " + ne[0] + " values are not whole blocks of "
                            + type.blockSize);
        long bytes;
        try {
            n = 1;
            for (long d : ne) {
                if (d < 0) throw new ArithmeticException();
                n = Math.multiplyExact(n, d);
            }
            bytes = type.byteSize(n); // its count of blocks times the block's bytes can overflow too
        } catch (ArithmeticException e) {
            throw bad(path, "tensor " + name + " has impossible dimensions " + Arrays.toString(ne));
        }
        if (offset < 0 || offset % alignment != 0)
            throw bad(
                    path,
                    "tensor " + name + " offset " + Long.toUnsignedString(offset) + " is not aligned to " + alignment);
        if (offset > size - dataStart || bytes > size - dataStart - offset) {
            throw bad(
                    path,
                    "tensor " + name + " (" + bytes + " bytes at data offset " + offset + ") runs past the end of the "
                            + size + "-byte file (truncated?)");
        }
        return new TensorInfo(name, ne, type, dataStart + offset, bytes);
    }

    static long align(long x, int alignment) {
        return (x + alignment - 1) / alignment * alignment;
    }

    private static WeightsException bad(Path path, String what) {
        return new WeightsException(path + ": not a valid GGUF file: " + what);
    }

    /**
     * Little-endian reads, refusing to read past the end of the file. They go through a window of the file copied to a
     * byte array: a vocabulary is 100,000 strings read once per start, before the JIT has compiled anything, and an
     * array read costs the interpreter a fraction of a segment read (a var handle and a slice per string).
     */
    private static final class Reader {
        private static final int WINDOW = 1 << 20;
        private final Path path;
        private final MemorySegment file;
        private long pos;
        private byte[] window = new byte[0];
        private long windowStart;

        Reader(Path path, MemorySegment file) {
            this.path = path;
            this.file = file;
        }

        long position() {
            return pos;
        }

        long remaining() {
            return file.byteSize() - pos;
        }

        /** Takes the next n bytes of the file and returns where they start in {@code window}. */
        private int take(int n) {
            if (remaining() < n) throw bad(path, "file ends in the middle of its header (truncated?)");
            long at = pos;
            pos += n;
            if (at < windowStart || at + n > windowStart + window.length) {
                int len = (int) Math.min(Math.max(WINDOW, n), file.byteSize() - at);
                if (window.length != len) window = new byte[len];
                MemorySegment.copy(file, ValueLayout.JAVA_BYTE, at, window, 0, len);
                windowStart = at;
            }
            return (int) (at - windowStart);
        }

        int u8() {
            return window[take(1)] & 0xFF;
        }

        int u16() {
            int i = take(2);
            return window[i] & 0xFF | (window[i + 1] & 0xFF) << 8;
        }

        int u32() {
            int i = take(4);
            return window[i] & 0xFF | (window[i + 1] & 0xFF) << 8 | (window[i + 2] & 0xFF) << 16 | window[i + 3] << 24;
        }

        long u64() {
            int lo = u32();
            return lo & 0xFFFFFFFFL | (long) u32() << 32;
        }

        String string(Path path) {
            long len = u64();
            if (len < 0 || len > remaining() || len > MAX_STRING) {
                throw bad(
                        path,
                        "string of length " + Long.toUnsignedString(len) + " at byte " + (position() - 8)
                                + " does not fit the file");
            }
            // String's own decoding is several times cheaper than a CharsetDecoder per string. It replaces bad bytes
            // with U+FFFD, so a string holding one is valid only if it encodes back to the same bytes.
            int n = (int) len, i = take(n);
            String s = new String(window, i, n, StandardCharsets.UTF_8);
            if (s.indexOf('\uFFFD') >= 0
                    && !Arrays.equals(s.getBytes(StandardCharsets.UTF_8), 0, n, window, i, i + n)) {
                throw bad(path, "string at byte " + (position() - len) + " is not UTF-8");
            }
            return s;
        }

        /**
         * A value of one of the integer types as a long; arrays of them read it unboxed (a vocabulary's 50,000 token
         * types are read cold).
         */
        private long integer(int type) {
            return switch (type) {
                case UINT8 -> u8();
                case INT8 -> (byte) u8();
                case UINT16 -> u16();
                case INT16 -> (short) u16();
                case UINT32 -> u32() & 0xFFFFFFFFL;
                case INT32 -> u32();
                default -> u64(); // UINT64, INT64
            };
        }

        Object value(Path path, String key, int type, boolean arraysAllowed) {
            return switch (type) {
                case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> integer(type);
                case FLOAT32 -> (double) Float.intBitsToFloat(u32());
                case BOOL -> u8() != 0;
                case STRING -> string(path);
                case FLOAT64 -> Double.longBitsToDouble(u64());
                case ARRAY -> {
                    if (!arraysAllowed) throw bad(path, "metadata " + key + " nests arrays, which gpt2j cannot read");
                    yield array(path, key);
                }
                default ->
                    throw bad(path, "metadata " + key + " has unknown value type " + Integer.toUnsignedString(type));
            };
        }

        private Object array(Path path, String key) {
            return arrayOf(path, key, u32());
        }

        private Object arrayOf(Path path, String key, int type) {
            long n = u64();
            int elem = switch (type) {
                case UINT8, INT8, BOOL -> 1;
                case UINT16, INT16 -> 2;
                case UINT32, INT32, FLOAT32 -> 4;
                case UINT64, INT64, FLOAT64 -> 8;
                case STRING -> 8; // at least the length field
                case ARRAY -> 12; // at least a type and a count
                default ->
                    throw bad(
                            path, "metadata " + key + " is an array of unknown type " + Integer.toUnsignedString(type));
            };
            if (n < 0 || n > remaining() / elem || n > MAX_ARRAY) {
                throw bad(
                        path,
                        "metadata " + key + " claims " + Long.toUnsignedString(n)
                                + " elements, more than the file holds");
            }
            int count = (int) n;
            if (type == STRING) {
                List<String> out = new ArrayList<>(count);
                for (int i = 0; i < count; i++) out.add(string(path));
                return Collections.unmodifiableList(out);
            }
            if (type == 9) { // arrays of arrays have no use for GPT-2: read past them
                for (int i = 0; i < count; i++) {
                    int inner = u32();
                    if (inner == 9) throw bad(path, "metadata " + key + " nests arrays more than two deep");
                    arrayOf(path, key, inner);
                }
                return null;
            }
            if (type == 6 || type == 12) {
                double[] out = new double[count];
                for (int i = 0; i < count; i++) out[i] = (Double) value(path, key, type, false);
                return out;
            }
            if (type == 7) {
                boolean[] out = new boolean[count];
                for (int i = 0; i < count; i++) out[i] = u8() != 0;
                return out;
            }
            long[] out = new long[count];
            for (int i = 0; i < count; i++) out[i] = integer(type);
            return out;
        }
    }

    public Path path() {
        return path;
    }

    public int version() {
        return version;
    }

    public long fileBytes() {
        return fileBytes;
    }

    public int alignment() {
        return alignment;
    }

    public long dataStart() {
        return dataStart;
    }

    public Map<String, Object> metadata() {
        return metadata;
    }

    /** Tensor infos in file order. */
    public Map<String, TensorInfo> tensorInfos() {
        return tensors;
    }

    /** A string value, or null when absent; a value of another type is an error. */
    public String string(String key) {
        Object v = metadata.get(key);
        if (v == null) return null;
        if (v instanceof String s) return s;
        throw new WeightsException(path + ": metadata " + key + " should be a string, got " + describe(v));
    }

    /** An integer value of any width, or null when absent. */
    public Long integer(String key) {
        Object v = metadata.get(key);
        if (v == null) return null;
        if (v instanceof Long l) return l;
        throw new WeightsException(path + ": metadata " + key + " should be an integer, got " + describe(v));
    }

    /** A bool value, or null when absent. */
    public Boolean bool(String key) {
        Object v = metadata.get(key);
        if (v == null) return null;
        if (v instanceof Boolean b) return b;
        throw new WeightsException(path + ": metadata " + key + " should be a bool, got " + describe(v));
    }

    /** A float or integer value, or null when absent. */
    public Double number(String key) {
        Object v = metadata.get(key);
        if (v == null) return null;
        if (v instanceof Double d) return d;
        if (v instanceof Long l) return l.doubleValue();
        throw new WeightsException(path + ": metadata " + key + " should be a number, got " + describe(v));
    }

    /** A string array, or null when absent. */
    @SuppressWarnings("unchecked")
    public List<String> strings(String key) {
        Object v = metadata.get(key);
        if (v == null) return null;
        if (v instanceof List<?> l) return (List<String>) l;
        throw new WeightsException(path + ": metadata " + key + " should be an array of strings, got " + describe(v));
    }

    /** An integer array, or null when absent. */
    public long[] integers(String key) {
        Object v = metadata.get(key);
        if (v == null) return null;
        if (v instanceof long[] a) return a;
        throw new WeightsException(path + ": metadata " + key + " should be an array of integers, got " + describe(v));
    }

    private static String describe(Object v) {
        return v instanceof String
                ? "a string"
                : v instanceof List<?>
                        ? "an array of strings"
                        : v.getClass().isArray()
                                ? "an array"
                                : v.getClass().getSimpleName().toLowerCase() + " " + v;
    }

    /** The tensor {@code name} as a zero-copy slice in row-major shape (ne reversed), or null when absent. */
    public Tensor tensor(String name) {
        TensorInfo t = tensors.get(name);
        if (t == null) return null;
        return new Tensor(name, t.type(), t.shape(), mapped.asSlice(t.offset(), t.byteSize()));
    }

    /** Unmaps the file; every tensor handed out becomes inaccessible. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) arena.close();
    }
}
