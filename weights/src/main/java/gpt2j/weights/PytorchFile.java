package gpt2j.weights;

import gpt2j.weights.Unpickler.PyDict;
import gpt2j.weights.Unpickler.PyList;
import gpt2j.weights.Unpickler.Storage;
import gpt2j.weights.Unpickler.StorageType;
import gpt2j.weights.Unpickler.TensorRef;
import gpt2j.weights.Unpickler.Tuple;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * A {@code pytorch_model.bin} written by {@code torch.save}, read without running any of it: the pickle goes through
 * {@link Unpickler}, which knows only the globals a state dict needs. Two containers:
 * <ul>
 * <li>zip (torch >= 1.6): {@code <archive>/data.pkl} plus one entry {@code <archive>/data/<key>} per storage; stored
 * entries (torch never compresses) are slices of the mapped file.</li>
 * <li>legacy (torch < 1.6, or {@code _use_new_zipfile_serialization=False}): five pickles back to back (magic number,
 * protocol version, sys info, the state dict, the storage keys), then each storage as an int64 element count followed
 * by its bytes.</li>
 * </ul>
 * Tensors are zero-copy slices when they are contiguous; strided views (a transposed weight saved as is) are copied
 * into memory this object owns.
 */
public final class PytorchFile implements TensorFile {

    /** The largest data.pkl we inflate: a state dict's pickle is a few hundred bytes per tensor. */
    private static final long MAX_PICKLE_BYTES = 256L << 20;
    /** deflate's best ratio is about 1032:1; a larger claimed size is a lie meant to make us allocate. */
    private static final long MAX_DEFLATE_RATIO = 1032;

    private static final BigInteger LEGACY_MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);
    private static final long LEGACY_PROTOCOL = 1001;

    public enum Container {
        ZIP,
        LEGACY
    }

    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path path;
    private final Container container;
    private final long fileBytes;
    private final Arena arena;
    private final Map<String, TensorRef> tensors;
    private final Map<String, MemorySegment> storages; // storage key -> its bytes

    private PytorchFile(
            Path path,
            Container container,
            long fileBytes,
            Arena arena,
            Map<String, TensorRef> tensors,
            Map<String, MemorySegment> storages) {
        this.path = path;
        this.container = container;
        this.fileBytes = fileBytes;
        this.arena = arena;
        this.tensors = tensors;
        this.storages = storages;
    }

    public static PytorchFile open(Path path) {
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
     * Reads the checkpoint image {@code file} (a mapped file, or bytes in memory for the fuzz tests). The PytorchFile
     * closes {@code arena}, which owns {@code file}; when this throws, the caller does.
     */
    static PytorchFile read(Path path, MemorySegment file, Arena arena) {
        long size = file.byteSize();
        if (size >= 4 && file.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0) == 0x04034b50) {
            return readZip(path, file, arena);
        }
        if (size >= 2 && (file.get(ValueLayout.JAVA_BYTE, 0) & 0xff) == 0x80) return readLegacy(path, file, arena);
        if (size >= 262 && new String(file.asSlice(257, 5).toArray(ValueLayout.JAVA_BYTE)).equals("ustar")) {
            throw new WeightsException(
                    path + ": a tar checkpoint (torch < 0.4); gpt2j reads torch.save's zip " + "and legacy formats");
        }
        throw new WeightsException(path + ": not a PyTorch checkpoint (neither a zip file nor a pickle)");
    }

    private static PytorchFile readZip(Path path, MemorySegment file, Arena arena) {
        Map<String, ZipArchive.Entry> entries = ZipArchive.read(file, path.toString());
        String prefix = null;
        for (String name : entries.keySet()) {
            int slash = name.indexOf('/');
            if (slash > 0 && name.substring(slash).equals("/data.pkl")) {
                if (prefix != null) throw new WeightsException(path + ": two data.pkl entries in one archive");
                prefix = name.substring(0, slash + 1);
            }
        }
        if (prefix == null)
            throw new WeightsException(path + ": zip file without <archive>/data.pkl (not from torch.save)");
        ZipArchive.Entry order = entries.get(prefix + "byteorder");
        if (order != null
                && !new String(bytes(path, file, order, arena, 16).toArray(ValueLayout.JAVA_BYTE)).equals("little")) {
            throw new WeightsException(path + ": a big-endian checkpoint; gpt2j reads little-endian ones");
        }
        String where = path + " (" + prefix + "data.pkl)";
        MemorySegment pickle = bytes(path, file, entries.get(prefix + "data.pkl"), arena, MAX_PICKLE_BYTES);
        Map<String, MemorySegment> storages = new HashMap<>();
        Map<String, Storage> declared = new HashMap<>();
        final String dataPrefix = prefix + "data/";
        Object root = new Unpickler(where, pickle, 0, pickle.byteSize(), pid -> {
                    Storage s = storage(where, pid, declared);
                    if (!storages.containsKey(s.key())) {
                        ZipArchive.Entry e = entries.get(dataPrefix + s.key());
                        if (e == null)
                            throw new WeightsException(
                                    where + ": storage " + s.key() + " has no entry " + dataPrefix + s.key());
                        long expected = s.elements() > e.size() ? -1 : s.elements() * s.type().elementBytes;
                        if (e.size() != expected) {
                            throw new WeightsException(where + ": storage " + s.key() + " holds " + e.size()
                                    + " bytes, not " + s.elements() + " x " + s.type().elementBytes + " (torch."
                                    + s.type() + ")");
                        }
                        storages.put(s.key(), bytes(path, file, e, arena, expected));
                    }
                    return s;
                })
                .load();
        return new PytorchFile(path, Container.ZIP, file.byteSize(), arena, stateDict(where, root), storages);
    }

    private static PytorchFile readLegacy(Path path, MemorySegment file, Arena arena) {
        String where = path + " (legacy format)";
        Map<String, Storage> declared = new HashMap<>();
        Unpickler header = new Unpickler(where, file, 0, file.byteSize(), pid -> {
            throw new WeightsException(where + ": a persistent id outside the state dict");
        });
        if (!LEGACY_MAGIC.equals(header.load())) {
            throw new WeightsException(path + ": a pickle that is not torch.save's (no magic number)");
        }
        if (!Long.valueOf(LEGACY_PROTOCOL).equals(header.load())) {
            throw new WeightsException(where + ": unknown protocol version");
        }
        if (header.load() instanceof PyDict info && Boolean.FALSE.equals(info.items.get("little_endian"))) {
            throw new WeightsException(path + ": a big-endian checkpoint; gpt2j reads little-endian ones");
        }
        Unpickler data =
                new Unpickler(where, file, header.position(), file.byteSize(), pid -> storage(where, pid, declared));
        Map<String, TensorRef> tensors = stateDict(where, data.load());
        Unpickler keysReader = new Unpickler(where, file, data.position(), file.byteSize(), pid -> {
            throw new WeightsException(where + ": a persistent id in the storage key list");
        });
        if (!(keysReader.load() instanceof PyList keys))
            throw new WeightsException(where + ": storage key list missing");
        long pos = keysReader.position();
        Map<String, MemorySegment> storages = new HashMap<>();
        for (Object k : keys.items) {
            Storage s = k instanceof String key ? declared.get(key) : null;
            if (s == null || storages.containsKey(s.key())) {
                throw new WeightsException(where + ": storage key list names " + Unpickler.scalar(k)
                        + ", which no tensor declared (or twice)");
            }
            if (file.byteSize() - pos < 8) throw new WeightsException(where + ": truncated before storage " + s.key());
            long count = file.get(I64, pos);
            if (count != s.elements()) {
                throw new WeightsException(
                        where + ": storage " + s.key() + " stores " + count + " elements, not " + s.elements());
            }
            long left = file.byteSize() - pos - 8;
            if (count > left / s.type().elementBytes) {
                throw new WeightsException(where + ": storage " + s.key() + " (" + count + " x " + s.type().elementBytes
                        + " bytes at " + (pos + 8) + ") runs past the end of the file (truncated?)");
            }
            long bytes = count * s.type().elementBytes;
            storages.put(s.key(), file.asSlice(pos + 8, bytes));
            pos += 8 + bytes;
        }
        for (TensorRef t : tensors.values()) {
            if (!storages.containsKey(t.storage().key())) {
                throw new WeightsException(where + ": storage " + t.storage().key() + " is missing from the key list");
            }
        }
        return new PytorchFile(path, Container.LEGACY, file.byteSize(), arena, tensors, storages);
    }

    /**
     * A persistent id {@code ('storage', torch.XStorage, key, location, elements[, view])}: the storage it names, the
     * same record each time the key comes back. The legacy format's view (key, offset, elements) is a window into
     * another storage.
     */
    private static Storage storage(String where, Tuple pid, Map<String, Storage> declared) {
        List<Object> p = pid.items();
        if (p.size() < 5
                || p.size() > 6
                || !"storage".equals(p.get(0))
                || !(p.get(1) instanceof StorageType type)
                || !(p.get(2) instanceof String key)
                || !(p.get(4) instanceof Long elements)
                || elements < 0
                || key.isEmpty()
                || key.contains("/")
                || key.length() > 256) {
            throw new WeightsException(where + ": a persistent id that is not ('storage', type, key, location, size)");
        }
        Storage root = new Storage(key, type, elements, 0);
        Storage known = declared.putIfAbsent(key, root);
        if (known != null && !known.equals(root)) {
            throw new WeightsException(
                    where + ": storage " + Unpickler.printable(key) + " is declared twice, differently");
        }
        if (p.size() == 6 && p.get(5) != null) {
            if (!(p.get(5) instanceof Tuple view)
                    || view.items().size() != 3
                    || !(view.items().get(1) instanceof Long offset)
                    || !(view.items().get(2) instanceof Long size)
                    || offset < 0
                    || size < 0
                    || size > elements - offset) {
                throw new WeightsException(
                        where + ": storage view of " + Unpickler.printable(key) + " lies outside it");
            }
            return new Storage(key, type, size, offset);
        }
        return root;
    }

    /** The top-level dict of tensors, in file order; optimizer state or other objects are not a state dict. */
    private static Map<String, TensorRef> stateDict(String where, Object root) {
        if (!(root instanceof PyDict dict)) throw new WeightsException(where + ": the pickle is not a state dict");
        Map<String, TensorRef> out = new LinkedHashMap<>();
        for (Map.Entry<Object, Object> e : dict.items.entrySet()) {
            if (!(e.getKey() instanceof String name) || !(e.getValue() instanceof TensorRef t)) {
                throw new WeightsException(
                        where + ": the state dict maps " + Unpickler.scalar(e.getKey()) + " to something other than a "
                                + "tensor (a full training checkpoint? save model.state_dict())");
            }
            out.put(name, t);
        }
        return out;
    }

    /** An entry's bytes: a slice of the file when stored, else inflated into {@code arena} (at most {@code limit}). */
    private static MemorySegment bytes(Path path, MemorySegment file, ZipArchive.Entry e, Arena arena, long limit) {
        if (e.size() > limit)
            throw new WeightsException(path + ": zip entry " + e.name() + " is larger than " + limit + " bytes");
        MemorySegment packed = file.asSlice(e.dataOffset(), e.compressedSize());
        if (e.method() == 0) return packed;
        if (e.size() > Integer.MAX_VALUE)
            throw new WeightsException(path + ": deflated zip entry " + e.name() + " over 2 GiB");
        if (e.size() > e.compressedSize() * MAX_DEFLATE_RATIO + 1024) {
            throw new WeightsException(path + ": zip entry " + e.name() + " claims an impossible compression ratio");
        }
        MemorySegment out = arena.allocate(Math.max(1, e.size()), 64).asSlice(0, e.size());
        Inflater inflater = new Inflater(true);
        try {
            inflater.setInput(packed.asByteBuffer());
            ByteBuffer target = out.asByteBuffer();
            while (!inflater.finished() && inflater.inflate(target) > 0) {
                // inflate until the stream ends or the declared size is full
            }
            if (target.hasRemaining() || !inflater.finished()) {
                throw new WeightsException(
                        path + ": zip entry " + e.name() + " does not inflate to its " + e.size() + " bytes");
            }
        } catch (DataFormatException ex) {
            throw new WeightsException(path + ": zip entry " + e.name() + " is corrupt (" + ex.getMessage() + ")");
        } finally {
            inflater.end();
        }
        return out;
    }

    public Path path() {
        return path;
    }

    public Container container() {
        return container;
    }

    @Override
    public long fileBytes() {
        return fileBytes;
    }

    @Override
    public Set<String> names() {
        return tensors.keySet();
    }

    /**
     * The tensor {@code name} (F32, F16 or BF16), or null if absent: a slice of its storage when contiguous, else a
     * contiguous copy. Other element types (bool masks, int64 counters) are rejected here, when someone asks for them.
     */
    @Override
    public Tensor tensor(String name) {
        TensorRef t = tensors.get(name);
        if (t == null) return null;
        StorageType st = t.storage().type();
        if (st.type == null) {
            throw new WeightsException(path + ": tensor " + name + " is stored as torch." + st.name()
                    + "; gpt2j reads FloatStorage, HalfStorage and BFloat16Storage");
        }
        MemorySegment data = storages.get(t.storage().key());
        int eb = st.elementBytes;
        long n = Tensor.count(t.size());
        long start = (t.storage().offset() + t.offset()) * eb;
        if (contiguous(t.size(), t.stride())) {
            return new Tensor(name, st.type, t.size().clone(), data.asSlice(start, n * eb));
        }
        // Only a broadcast view (a stride of 0) holds more elements than its storage: no copy may outgrow the file.
        if (n > fileBytes / eb) {
            throw new WeightsException(path + ": tensor " + name + " is a view of " + n + " elements, more than the "
                    + fileBytes + "-byte file holds (a broadcast view?)");
        }
        MemorySegment out = arena.allocate(Math.max(1, n * eb), 64).asSlice(0, n * eb);
        copyStrided(data, start, t.size(), t.stride(), eb, out);
        return new Tensor(name, st.type, t.size().clone(), out);
    }

    private static boolean contiguous(long[] size, long[] stride) {
        long expected = 1;
        for (int i = size.length - 1; i >= 0; i--) {
            if (size[i] != 1 && stride[i] != expected) return false;
            expected *= size[i];
        }
        return true;
    }

    /** Row-major walk over the view: an odometer over the outer dimensions, a strided loop over the last. */
    private static void copyStrided(
            MemorySegment src, long start, long[] size, long[] stride, int eb, MemorySegment out) {
        int rank = size.length;
        long inner = size[rank - 1], innerStride = stride[rank - 1] * eb;
        long[] index = new long[rank];
        long o = 0, n = out.byteSize();
        while (o < n) {
            long s = start;
            for (int d = 0; d < rank - 1; d++) s += index[d] * stride[d] * eb;
            for (long i = 0; i < inner; i++, s += innerStride, o += eb) MemorySegment.copy(src, s, out, o, eb);
            for (int d = rank - 2; d >= 0; d--) {
                if (++index[d] < size[d]) break;
                index[d] = 0;
            }
        }
    }

    /** Unmaps the file and frees the copies; every tensor handed out becomes inaccessible. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) arena.close();
    }
}
