package gpt2j.weights;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Untrusted safetensors bytes (header and data) and sharded index JSON: reading them works or fails with a
 * {@link WeightsException}; anything else is a finding. Without JAZZER_FUZZ this replays SafetensorsFuzzTestInputs/.
 */
class SafetensorsFuzzTest {

    private static final Path FILE_DIR = FuzzFiles.dir("safetensors");
    private static final Path MODEL_DIR = FuzzFiles.dir("safetensors-model");
    private static final Path SHARDED_DIR = sharded();

    /** The committed two-shard tiny model, copied so that only its index is replaced by fuzz input. */
    private static Path sharded() {
        Path dir = FuzzFiles.dir("safetensors-sharded");
        for (String name : new String[] {"config.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"}) {
            FuzzFiles.write(dir.resolve(name), FuzzFiles.resource("/hf/tiny-sharded-f16/" + name));
        }
        return dir;
    }

    @FuzzTest(maxDuration = "10s")
    void file(FuzzedDataProvider data) {
        Path p = FuzzFiles.write(FILE_DIR.resolve("model.safetensors"), data.consumeRemainingAsBytes());
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            for (String name : f.names()) {
                MemorySegment s = f.tensor(name).data();
                if (s.byteSize() > 0) s.get(ValueLayout.JAVA_BYTE, s.byteSize() - 1); // the slice lies inside the map
            }
        } catch (WeightsException expected) {
            // a clear one-line refusal is the allowed outcome
        }
    }

    /** A Hugging Face directory with the tiny model's config.json and a fuzzed model.safetensors. */
    @FuzzTest(maxDuration = "10s")
    void checkpoint(FuzzedDataProvider data) {
        FuzzFiles.write(MODEL_DIR.resolve("config.json"), FuzzFiles.resource("/hf/tiny-openai-f32/config.json"));
        FuzzFiles.write(MODEL_DIR.resolve("model.safetensors"), data.consumeRemainingAsBytes());
        open(MODEL_DIR);
    }

    /** The sharded tiny model with a fuzzed model.safetensors.index.json. */
    @FuzzTest(maxDuration = "10s")
    void index(FuzzedDataProvider data) {
        FuzzFiles.write(SHARDED_DIR.resolve("model.safetensors.index.json"), data.consumeRemainingAsBytes());
        open(SHARDED_DIR);
    }

    private static void open(Path dir) {
        try (LoadedCheckpoint c = Gpt2Checkpoint.open(dir)) {
            c.weights();
        } catch (WeightsException expected) {
            // a clear one-line refusal is the allowed outcome
        }
    }
}
