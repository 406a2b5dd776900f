package gpt2j.weights;

import static gpt2j.weights.GgufValueType.*;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Writes a GGUF v3 file: metadata in the order added, then tensor infos, then the tensors, each at an offset aligned to
 * 32 bytes, in whole 2 MiB chunks ({@link ChunkedOutput}). Tensor data is produced one tensor at a time (so a
 * quantized copy of a whole model never sits in memory), into a temporary file beside the target that is renamed over
 * it only once complete.
 */
public final class GgufWriter {

    /** Called after each tensor is written. */
    public interface Progress {
        void tensorWritten(int done, int total, String name);

        /** Called once, before any tensor is written: how many tensors of each type, and the file's size in bytes. */
        default void starting(Map<GgmlType, Integer> types, long fileBytes) {}
    }

    private record Kv(String key, int type, Object value) {}

    private record Entry(
            String name, GgmlType type, long[] shape, long byteSize, Function<Arena, MemorySegment> data) {}

    private static final int ALIGNMENT = GgufFile.DEFAULT_ALIGNMENT;
    private final List<Kv> kvs = new ArrayList<>();
    private final List<Entry> tensors = new ArrayList<>();

    public GgufWriter putString(String key, String value) {
        kvs.add(new Kv(key, STRING, value));
        return this;
    }

    public GgufWriter putU32(String key, int value) {
        kvs.add(new Kv(key, UINT32, value));
        return this;
    }

    public GgufWriter putBool(String key, boolean value) {
        kvs.add(new Kv(key, BOOL, value));
        return this;
    }

    public GgufWriter putF32(String key, float value) {
        kvs.add(new Kv(key, FLOAT32, value));
        return this;
    }

    public GgufWriter putStrings(String key, List<String> values) {
        kvs.add(new Kv(key, ARRAY, List.copyOf(values)));
        return this;
    }

    public GgufWriter putI32s(String key, int[] values) {
        kvs.add(new Kv(key, ARRAY, values.clone()));
        return this;
    }

    /**
     * Adds a tensor of row-major {@code shape} (written to the file as ne, reversed). {@code data} is called once,
     * while writing, and must return exactly {@code type.byteSize(count)} bytes; it may allocate in the arena given.
     */
    public GgufWriter addTensor(String name, GgmlType type, long[] shape, Function<Arena, MemorySegment> data) {
        tensors.add(new Entry(name, type, shape.clone(), type.byteSize(Tensor.count(shape)), data));
        return this;
    }

    /** Writes the file; {@code out} must not be one of {@code doNotOverwrite} (the files the data is read from). */
    public void write(Path out, Collection<Path> doNotOverwrite, Progress progress) {
        Path target = out.toAbsolutePath();
        for (Path p : doNotOverwrite) {
            try {
                if (Files.exists(target) && Files.isSameFile(target, p)) {
                    throw new WeightsException(out + ": refusing to overwrite the checkpoint being read");
                }
            } catch (IOException e) {
                throw new WeightsException(out + ": cannot check the output path (" + e.getMessage() + ")", e);
            }
        }
        if (Files.isDirectory(target)) throw new WeightsException(out + ": is a directory");
        Path dir = target.getParent();
        TempFiles.removeLeftovers(target);
        Path tmp = TempFiles.beside(target);
        FileChannel ch;
        try {
            ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new WeightsException(out + ": cannot create a file in " + dir + " (" + e.getMessage() + ")", e);
        }
        boolean done = false;
        try {
            try (ch) {
                writeTo(ch, progress);
                ch.force(true);
            }
            TempFiles.moveOver(tmp, target);
            done = true;
        } catch (IOException e) {
            throw new WeightsException(out + ": cannot write (" + e.getMessage() + ")", e);
        } finally {
            if (!done) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort: the original error matters more
                }
            }
        }
    }

    /**
     * Refuses what would not read back as written: a key or tensor name twice (readers refuse duplicates), strings
     * with no UTF-8 form (a lone surrogate, from a JSON escape, would silently become '?'), and a general.alignment
     * other than the 32 the data is aligned to.
     */
    private void check() {
        Set<String> keys = new HashSet<>(), names = new HashSet<>();
        for (Kv kv : kvs) {
            utf8(kv.key(), "metadata key");
            if (!keys.add(kv.key())) throw new WeightsException("GGUF metadata key " + kv.key() + " is set twice");
            if (kv.value() instanceof String v) utf8(v, kv.key());
            if (kv.value() instanceof List<?> l) for (Object v : l) utf8((String) v, kv.key());
            // Readers align the data by this key; the writer always aligns to 32 (found by GgufWriterFuzzTest).
            if (kv.key().equals("general.alignment")
                    && !(kv.type() == UINT32 && kv.value().equals(ALIGNMENT))) {
                throw new WeightsException(
                        "general.alignment must be the u32 " + ALIGNMENT + " that this writer aligns to");
            }
        }
        for (Entry t : tensors) {
            utf8(t.name(), "tensor name");
            if (!names.add(t.name())) throw new WeightsException("GGUF tensor " + t.name() + " is added twice");
        }
    }

    private static void utf8(String s, String what) {
        if (!StandardCharsets.UTF_8.newEncoder().canEncode(s)) {
            throw new WeightsException(what + " " + Unpickler.printable(s)
                    + " holds a lone surrogate, which has no UTF-8 " + "form (GGUF strings are UTF-8)");
        }
    }

    /** Writes the whole file to {@code ch} (a file, or memory for the fuzz tests). */
    void writeTo(WritableByteChannel ch, Progress progress) throws IOException {
        check();
        // The buffer lives in an arena freed when the write ends: a direct buffer waits for the garbage collector,
        // and writing many small files (the fuzz campaign) ran out of direct memory.
        try (Arena buffer = Arena.ofConfined()) {
            write(new ChunkedOutput(ch, 0, buffer.allocate(ChunkedOutput.CHUNK).asByteBuffer()), progress);
        }
    }

    private void write(ChunkedOutput o, Progress progress) throws IOException {
        o.u32(GgufFile.MAGIC);
        o.u32(3);
        o.u64(tensors.size());
        o.u64(kvs.size());
        for (Kv kv : kvs) {
            string(o, kv.key());
            o.u32(kv.type());
            switch (kv.value()) {
                case String s -> string(o, s);
                case Integer i -> o.u32(i);
                case Float f -> o.u32(Float.floatToRawIntBits(f));
                case Boolean b -> o.u8(b ? 1 : 0);
                case List<?> l -> {
                    o.u32(STRING);
                    o.u64(l.size());
                    for (Object s : l) string(o, (String) s);
                }
                case int[] a -> {
                    o.u32(INT32);
                    o.u64(a.length);
                    for (int v : a) o.u32(v);
                }
                default -> throw new IllegalStateException(kv.toString());
            }
        }
        long offset = 0;
        for (Entry t : tensors) {
            string(o, t.name());
            o.u32(t.shape().length);
            for (int d = t.shape().length - 1; d >= 0; d--) o.u64(t.shape()[d]); // ne[0] is the contiguous dimension
            o.u32(t.type().id);
            o.u64(offset);
            offset = GgufFile.align(offset + t.byteSize(), ALIGNMENT);
        }
        pad(o);
        if (progress != null) {
            Map<GgmlType, Integer> types = new EnumMap<>(GgmlType.class);
            for (Entry t : tensors) types.merge(t.type(), 1, Integer::sum);
            progress.starting(types, o.position() + offset); // each tensor, the last one included, is padded
        }
        for (int i = 0; i < tensors.size(); i++) {
            Entry t = tensors.get(i);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment data = t.data().apply(arena);
                if (data.byteSize() != t.byteSize()) {
                    throw new IllegalStateException(
                            t.name() + ": " + data.byteSize() + " bytes, expected " + t.byteSize());
                }
                segment(o, data);
            }
            pad(o);
            if (progress != null) progress.tensorWritten(i + 1, tensors.size(), t.name());
        }
        o.flush();
    }

    private static void string(ChunkedOutput o, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        o.u64(b.length);
        o.put(b, 0, b.length);
    }

    private static void segment(ChunkedOutput o, MemorySegment s) throws IOException {
        for (long off = 0; off < s.byteSize(); off += 1 << 30) {
            o.put(s.asSlice(off, Math.min(1L << 30, s.byteSize() - off)).asByteBuffer());
        }
    }

    private static void pad(ChunkedOutput o) throws IOException {
        for (long i = o.position(), end = GgufFile.align(i, ALIGNMENT); i < end; i++) o.u8(0);
    }
}
