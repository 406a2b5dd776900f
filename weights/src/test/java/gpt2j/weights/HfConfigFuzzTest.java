package gpt2j.weights;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Untrusted config.json text: parsing works or fails with a {@link WeightsException}; anything else is a finding.
 * Without JAZZER_FUZZ this replays HfConfigFuzzTestInputs/.
 */
class HfConfigFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void parse(FuzzedDataProvider data) {
        try {
            HfConfig.parse("config.json", data.consumeRemainingAsString());
        } catch (WeightsException expected) {
            // a clear one-line refusal is the allowed outcome
        }
    }
}
