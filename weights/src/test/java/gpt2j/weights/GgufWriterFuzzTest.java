package gpt2j.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.Channels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The GGUF writer against its reader: a fuzzed set of metadata (every value type the writer has) and tensors (every
 * ggml type, small shapes, arbitrary bytes) is written, then read back: it must come back equal, or the writer must
 * refuse it with a {@link WeightsException} (a name twice, a string with no UTF-8 form). Written to memory, so a
 * campaign reaches millions of executions. Without JAZZER_FUZZ this replays GgufWriterFuzzTestInputs/.
 */
class GgufWriterFuzzTest {

    private record Expected(GgmlType type, long[] shape, byte[] data) {}

    @FuzzTest(maxDuration = "10s")
    void roundTrip(FuzzedDataProvider data) {
        GgufWriter w = new GgufWriter();
        Map<String, Object> meta = new LinkedHashMap<>();
        int kvs = data.consumeInt(0, 6);
        for (int i = 0; i < kvs; i++) {
            String key = data.consumeString(24);
            Object value = switch (data.consumeInt(0, 5)) {
                case 0 -> {
                    String v = data.consumeString(32);
                    w.putString(key, v);
                    yield v;
                }
                case 1 -> {
                    int v = data.consumeInt();
                    w.putU32(key, v);
                    yield Integer.toUnsignedLong(v);
                }
                case 2 -> {
                    boolean v = data.consumeBoolean();
                    w.putBool(key, v);
                    yield v;
                }
                case 3 -> {
                    float v = data.consumeFloat();
                    w.putF32(key, v);
                    yield (double) v;
                }
                case 4 -> {
                    List<String> v = new ArrayList<>();
                    for (int n = data.consumeInt(0, 4); v.size() < n; ) v.add(data.consumeString(16));
                    w.putStrings(key, v);
                    yield v;
                }
                default -> {
                    int[] v = data.consumeInts(8);
                    w.putI32s(key, v);
                    yield Arrays.stream(v).asLongStream().toArray();
                }
            };
            meta.putIfAbsent(key, value);
        }
        Map<String, Expected> tensors = new LinkedHashMap<>();
        int count = data.consumeInt(0, 4);
        for (int i = 0; i < count; i++) {
            String name = data.consumeString(24);
            GgmlType type = data.pickValue(GgmlType.values());
            long[] shape = new long[data.consumeInt(1, 4)];
            for (int d = 0; d < shape.length - 1; d++) shape[d] = data.consumeInt(1, 3);
            shape[shape.length - 1] = (long) type.blockSize * data.consumeInt(1, 2); // rows are whole blocks
            byte[] bytes = Arrays.copyOf(data.consumeBytes(4096), (int) type.byteSize(Tensor.count(shape)));
            w.addTensor(name, type, shape, arena -> MemorySegment.ofArray(bytes));
            tensors.putIfAbsent(name, new Expected(type, shape, bytes));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            w.writeTo(Channels.newChannel(out), null);
        } catch (WeightsException refused) {
            return; // a name twice or a string with no UTF-8 form: refused before a byte is written
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Arena arena = Arena.ofConfined();
        try (GgufFile f = GgufFile.read(Path.of("written.gguf"), MemorySegment.ofArray(out.toByteArray()), arena)) {
            assertEquals(3, f.version());
            assertEquals(List.copyOf(meta.keySet()), List.copyOf(f.metadata().keySet()));
            for (Map.Entry<String, Object> e : meta.entrySet()) {
                Object got = f.metadata().get(e.getKey());
                if (e.getValue() instanceof long[] a) assertArrayEquals(a, (long[]) got, e.getKey());
                else assertEquals(e.getValue(), got, e.getKey());
            }
            assertEquals(
                    List.copyOf(tensors.keySet()), List.copyOf(f.tensorInfos().keySet()));
            for (Map.Entry<String, Expected> e : tensors.entrySet()) {
                Tensor t = f.tensor(e.getKey());
                assertEquals(e.getValue().type(), t.type());
                assertArrayEquals(e.getValue().shape(), t.shape());
                assertArrayEquals(e.getValue().data(), t.data().toArray(ValueLayout.JAVA_BYTE));
            }
        } finally {
            if (arena.scope().isAlive()) arena.close();
        }
    }
}
