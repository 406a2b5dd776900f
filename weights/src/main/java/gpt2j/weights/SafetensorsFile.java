package gpt2j.weights;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One {@code .safetensors} file: an 8-byte little-endian header length, a JSON header
 * {@code {name: {dtype, shape, data_offsets: [begin, end]}}} with offsets relative to the data region, then the data.
 * The file is mapped once; the header is validated in full before any tensor is handed out, and tensors are zero-copy
 * slices.
 */
public final class SafetensorsFile implements TensorFile {

    /** Headers of real checkpoints are a few hundred KiB; anything far larger is a corrupt length field. */
    private static final long MAX_HEADER_BYTES = 100L << 20;
    /** A repeated tensor name would make the header ambiguous: reject it rather than keep the last one. */
    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    /** A validated header entry; {@code begin}/{@code end} are absolute file offsets. */
    public record Entry(String name, String dtype, long[] shape, long begin, long end) {}

    private final Path path;
    private final long fileBytes;
    private final Map<String, Entry> entries;
    private final Arena arena;
    private final MemorySegment mapped;

    private SafetensorsFile(Path path, long fileBytes, Map<String, Entry> entries, Arena arena, MemorySegment mapped) {
        this.path = path;
        this.fileBytes = fileBytes;
        this.entries = entries;
        this.arena = arena;
        this.mapped = mapped;
    }

    public static SafetensorsFile open(Path path) {
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
     * Parses the safetensors image {@code file} (a mapped file, or bytes in memory for the fuzz tests). The
     * SafetensorsFile closes {@code arena}, which owns {@code file}; when this throws, the caller does.
     */
    static SafetensorsFile read(Path path, MemorySegment file, Arena arena) {
        return new SafetensorsFile(path, file.byteSize(), readHeader(path, file), arena, file);
    }

    private static Map<String, Entry> readHeader(Path path, MemorySegment file) {
        long size = file.byteSize();
        if (size < 8) throw bad(path, "file is " + size + " bytes, too short for the 8-byte header length");
        long headerLen = file.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        if (headerLen <= 0 || headerLen > size - 8 || headerLen > MAX_HEADER_BYTES) {
            throw bad(
                    path,
                    "header length " + Long.toUnsignedString(headerLen) + " does not fit a file of " + size + " bytes");
        }
        byte[] json = file.asSlice(8, headerLen).toArray(ValueLayout.JAVA_BYTE);
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw bad(path, "header is not valid JSON (" + e.getOriginalMessage() + ")");
        } catch (IOException e) { // Jackson's CharConversionException: bytes in no encoding it knows
            throw bad(path, "header is not valid JSON (" + e.getMessage() + ")");
        }
        if (root == null || !root.isObject()) throw bad(path, "header is not a JSON object");
        long dataStart = 8 + headerLen;
        long dataBytes = size - dataStart;
        Map<String, Entry> entries = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            if (f.getKey().equals("__metadata__")) continue;
            Entry e = parseEntry(path, f.getKey(), f.getValue(), dataStart, dataBytes);
            entries.put(e.name(), e);
        }
        List<Entry> byOffset = new ArrayList<>(entries.values());
        byOffset.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        for (int i = 1; i < byOffset.size(); i++) {
            Entry prev = byOffset.get(i - 1), cur = byOffset.get(i);
            if (cur.begin() < prev.end()) {
                throw bad(path, "tensors " + prev.name() + " and " + cur.name() + " overlap");
            }
        }
        return entries;
    }

    private static Entry parseEntry(Path path, String name, JsonNode node, long dataStart, long dataBytes) {
        if (!node.isObject()) throw bad(path, "tensor " + name + ": entry is not a JSON object");
        JsonNode dtypeNode = node.get("dtype"), shapeNode = node.get("shape"), offNode = node.get("data_offsets");
        if (dtypeNode == null || !dtypeNode.isTextual()) throw bad(path, "tensor " + name + ": missing dtype");
        String dtype = dtypeNode.asText();
        int elementBytes = elementBytes(dtype);
        if (elementBytes == 0) throw bad(path, "tensor " + name + ": unknown dtype " + dtype);
        if (shapeNode == null || !shapeNode.isArray()) throw bad(path, "tensor " + name + ": missing shape");
        long[] shape = new long[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.canConvertToExactIntegral() || !d.canConvertToLong() || d.asLong() < 0) {
                throw bad(path, "tensor " + name + ": bad shape " + shapeNode);
            }
            shape[i] = d.asLong();
        }
        if (offNode == null
                || !offNode.isArray()
                || offNode.size() != 2
                || !offNode.get(0).canConvertToExactIntegral()
                || !offNode.get(1).canConvertToExactIntegral()
                || !offNode.get(0).canConvertToLong()
                || !offNode.get(1).canConvertToLong()) {
            throw bad(path, "tensor " + name + ": data_offsets must be [begin, end]");
        }
        long begin = offNode.get(0).asLong(), end = offNode.get(1).asLong();
        if (begin < 0 || end < begin || end > dataBytes) {
            throw bad(
                    path,
                    "tensor " + name + ": data_offsets [" + begin + ", " + end + "] lie outside the " + dataBytes
                            + "-byte data region (file truncated?)");
        }
        long expected;
        try {
            expected = Math.multiplyExact(Tensor.count(shape), elementBytes);
        } catch (ArithmeticException e) {
            throw bad(path, "tensor " + name + ": shape " + shapeNode + " is too large");
        }
        if (expected != end - begin) {
            throw bad(
                    path,
                    "tensor " + name + ": " + dtype + " " + shapeNode + " needs " + expected
                            + " bytes but data_offsets give " + (end - begin));
        }
        return new Entry(name, dtype, shape, dataStart + begin, dataStart + end);
    }

    /** Bytes per element for every safetensors dtype (so layouts can be checked); 0 for unknown names. */
    private static int elementBytes(String dtype) {
        return switch (dtype) {
            case "BOOL", "U8", "I8", "F8_E4M3", "F8_E5M2" -> 1;
            case "F16", "BF16", "I16", "U16" -> 2;
            case "F32", "I32", "U32" -> 4;
            case "F64", "I64", "U64" -> 8;
            default -> 0;
        };
    }

    private static WeightsException bad(Path path, String what) {
        return new WeightsException(path + ": not a valid safetensors file: " + what);
    }

    public Path path() {
        return path;
    }

    @Override
    public long fileBytes() {
        return fileBytes;
    }

    @Override
    public Set<String> names() {
        return entries.keySet();
    }

    public Entry entry(String name) {
        return entries.get(name);
    }

    /**
     * The tensor {@code name} as a zero-copy slice, or null if absent. Only F32, F16 and BF16 can be used by gpt2j;
     * other dtypes (masks stored as U8, say) are validated but rejected here, when someone actually asks for them.
     */
    @Override
    public Tensor tensor(String name) {
        Entry e = entries.get(name);
        if (e == null) return null;
        GgmlType type = switch (e.dtype()) {
            case "F32" -> GgmlType.F32;
            case "F16" -> GgmlType.F16;
            case "BF16" -> GgmlType.BF16;
            default ->
                throw new WeightsException(
                        path + ": tensor " + name + " has dtype " + e.dtype() + "; gpt2j reads F32, F16 and BF16");
        };
        return new Tensor(name, type, e.shape().clone(), mapped.asSlice(e.begin(), e.end() - e.begin()));
    }

    /** Unmaps the file; every tensor handed out becomes inaccessible. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) arena.close();
    }
}
