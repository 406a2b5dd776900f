package gpt2j.weights;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

/**
 * Untrusted pytorch_model.bin bytes (zip or legacy container, pickle): reading every tensor works or fails with a
 * {@link WeightsException}; anything else is a finding. Without JAZZER_FUZZ this replays PytorchFuzzTestInputs/.
 */
class PytorchFuzzTest {

    private static final Path DIR = FuzzFiles.dir("pytorch");

    @FuzzTest(maxDuration = "10s")
    void file(FuzzedDataProvider data) {
        Path p = FuzzFiles.write(DIR.resolve("pytorch_model.bin"), data.consumeRemainingAsBytes());
        try (PytorchFile f = PytorchFile.open(p)) {
            for (String name : f.names()) {
                MemorySegment s = f.tensor(name).data();
                if (s.byteSize() > 0) s.get(ValueLayout.JAVA_BYTE, s.byteSize() - 1); // the slice lies inside the map
            }
        } catch (WeightsException expected) {
            // a clear one-line refusal is the allowed outcome
        }
    }
}
