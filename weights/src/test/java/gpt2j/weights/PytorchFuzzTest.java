package gpt2j.weights;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

/**
 * Untrusted pytorch_model.bin bytes (zip or legacy container, pickle): reading every tensor works or fails with a
 * {@link WeightsException}; anything else is a finding. The bytes stay in memory (the reader's parse of a mapped file,
 * minus the mapping). Without JAZZER_FUZZ this replays PytorchFuzzTestInputs/.
 */
class PytorchFuzzTest {

    private static final Path PATH = Path.of("pytorch_model.bin");

    @FuzzTest(maxDuration = "10s")
    void file(FuzzedDataProvider data) {
        Arena arena = Arena.ofConfined();
        try (PytorchFile f = PytorchFile.read(PATH, MemorySegment.ofArray(data.consumeRemainingAsBytes()), arena)) {
            for (String name : f.names()) {
                MemorySegment s = f.tensor(name).data();
                if (s.byteSize() > 0) s.get(ValueLayout.JAVA_BYTE, s.byteSize() - 1); // the slice lies inside the map
            }
        } catch (WeightsException expected) {
            // a clear one-line refusal is the allowed outcome
        } finally {
            if (arena.scope().isAlive()) arena.close();
        }
    }
}
