package gpt2j.weights;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Untrusted safetensors bytes (header and data) and sharded index JSON: reading them works or fails with a
 * {@link WeightsException}; anything else is a finding. Inputs stay in memory (the readers' parse of a mapped file,
 * minus the mapping) so that a campaign reaches millions of executions. Without JAZZER_FUZZ this replays
 * SafetensorsFuzzTestInputs/.
 */
class SafetensorsFuzzTest {

    private static final Path DIR = Path.of("fuzz-model");
    private static final Gpt2Config TINY = config("/hf/tiny-openai-f32/config.json");
    private static final Gpt2Config SHARDED = config("/hf/tiny-sharded-f16/config.json");
    /** The committed two-shard tiny model, whose index is replaced by fuzz input. */
    private static final Map<String, byte[]> SHARDS = Map.of(
            "model-00001-of-00002.safetensors",
                    FuzzFiles.resource("/hf/tiny-sharded-f16/model-00001-of-00002.safetensors"),
            "model-00002-of-00002.safetensors",
                    FuzzFiles.resource("/hf/tiny-sharded-f16/model-00002-of-00002.safetensors"));

    private static Gpt2Config config(String resource) {
        return HfConfig.parse(resource, new String(FuzzFiles.resource(resource), StandardCharsets.UTF_8));
    }

    @FuzzTest(maxDuration = "10s")
    void file(FuzzedDataProvider data) {
        Arena arena = Arena.ofConfined();
        try (SafetensorsFile f = SafetensorsFile.read(
                DIR.resolve("model.safetensors"), MemorySegment.ofArray(data.consumeRemainingAsBytes()), arena)) {
            for (String name : f.names()) {
                MemorySegment s = f.tensor(name).data();
                if (s.byteSize() > 0) s.get(ValueLayout.JAVA_BYTE, s.byteSize() - 1); // the slice lies inside the file
            }
        } catch (WeightsException expected) {
            // a clear one-line refusal is the allowed outcome
        } finally {
            if (arena.scope().isAlive()) arena.close();
        }
    }

    /** A Hugging Face directory with the tiny model's config.json and a fuzzed model.safetensors. */
    @FuzzTest(maxDuration = "10s")
    void checkpoint(FuzzedDataProvider data) {
        Path file = DIR.resolve("model.safetensors");
        List<Arena> arenas = new ArrayList<>();
        try {
            List<TensorFile> opened = List.of(
                    SafetensorsFile.read(file, MemorySegment.ofArray(data.consumeRemainingAsBytes()), open(arenas)));
            load(TINY, List.of(file), opened, open(arenas));
        } catch (WeightsException expected) {
            // a clear one-line refusal is the allowed outcome
        } finally {
            close(arenas);
        }
    }

    /** The sharded tiny model with a fuzzed model.safetensors.index.json: the shards it names are read from memory. */
    @FuzzTest(maxDuration = "10s")
    void index(FuzzedDataProvider data) {
        List<Arena> arenas = new ArrayList<>();
        try {
            List<Path> files = HfCheckpoint.shardFiles(
                    DIR, DIR.resolve("model.safetensors.index.json"), data.consumeRemainingAsString());
            List<TensorFile> opened = new ArrayList<>();
            for (Path p : files) {
                byte[] bytes = SHARDS.get(p.getFileName().toString());
                if (bytes == null) throw new WeightsException(p + ": file not found"); // as SafetensorsFile.open says
                opened.add(SafetensorsFile.read(p, MemorySegment.ofArray(bytes), open(arenas)));
            }
            load(SHARDED, files, opened, open(arenas));
        } catch (WeightsException expected) {
            // a clear one-line refusal is the allowed outcome
        } finally {
            close(arenas);
        }
    }

    private static void load(Gpt2Config config, List<Path> files, List<TensorFile> opened, Arena arena) {
        try (LoadedCheckpoint c = HfCheckpoint.load(DIR, config, true, files, opened, arena)) {
            c.weights();
        }
    }

    private static Arena open(List<Arena> arenas) {
        Arena a = Arena.ofConfined();
        arenas.add(a);
        return a;
    }

    private static void close(List<Arena> arenas) {
        for (Arena a : arenas) if (a.scope().isAlive()) a.close();
    }
}
