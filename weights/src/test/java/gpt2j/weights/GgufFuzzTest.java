package gpt2j.weights;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

/**
 * Untrusted GGUF bytes: opening them as a file or as a GPT-2 checkpoint either works or fails with a
 * {@link WeightsException}; any other exception, an OutOfMemoryError or a hang is a finding. The bytes stay in memory
 * (the reader's parse of a mapped file, minus the mapping) so that a campaign reaches millions of executions. Without
 * JAZZER_FUZZ this replays GgufFuzzTestInputs/ (seeds and past findings); tools/fuzz.sh runs it as a fuzzer.
 */
class GgufFuzzTest {

    private static final Path PATH = Path.of("fuzz.gguf");

    @FuzzTest(maxDuration = "10s")
    void file(FuzzedDataProvider data) {
        Arena arena = Arena.ofConfined();
        try (GgufFile f = GgufFile.read(PATH, MemorySegment.ofArray(data.consumeRemainingAsBytes()), arena)) {
            for (String key : f.metadata().keySet()) {
                // each typed getter refuses a value of another type with a WeightsException
                refusedOrRead(() -> f.string(key));
                refusedOrRead(() -> f.integer(key));
                refusedOrRead(() -> f.number(key));
                refusedOrRead(() -> f.bool(key));
                refusedOrRead(() -> f.strings(key));
                refusedOrRead(() -> f.integers(key));
            }
            for (String name : f.tensorInfos().keySet()) {
                MemorySegment s = f.tensor(name).data();
                if (s.byteSize() > 0) s.get(ValueLayout.JAVA_BYTE, s.byteSize() - 1); // the slice lies inside the map
            }
        } catch (WeightsException expected) {
            // a clear one-line refusal is the allowed outcome
        } finally {
            if (arena.scope().isAlive()) arena.close();
        }
    }

    private static void refusedOrRead(Runnable getter) {
        try {
            getter.run();
        } catch (WeightsException expected) {
            // wrong type for this getter
        }
    }

    @FuzzTest(maxDuration = "10s")
    void checkpoint(FuzzedDataProvider data) {
        Arena fileArena = Arena.ofConfined(), arena = Arena.ofConfined();
        try {
            GgufFile f = GgufFile.read(PATH, MemorySegment.ofArray(data.consumeRemainingAsBytes()), fileArena);
            try (LoadedCheckpoint c = GgufCheckpoint.load(f, arena)) {
                c.weights();
                c.tokenizer();
            }
        } catch (WeightsException expected) {
            // a clear one-line refusal is the allowed outcome
        } finally {
            if (fileArena.scope().isAlive()) fileArena.close();
            if (arena.scope().isAlive()) arena.close();
        }
    }
}
