package gpt2j.server;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import gpt2j.api.Model;
import gpt2j.api.ModelOptions;

/**
 * Untrusted request bodies, as the server reads them: the bytes as JSON (nesting limit), then as a
 * {@code /v1/completions} request (every field checked, prompts tokenized) and as {@code /detokenize}'s token ids.
 * Each works or fails with an {@link ApiException} (a 400 naming the field); anything else would be a 500 and is a
 * finding. Without JAZZER_FUZZ this replays CompletionRequestFuzzTestInputs/.
 */
class CompletionRequestFuzzTest {

    private static final Model MODEL =
            Model.open(TestServer.MODEL, ModelOptions.builder().threads(1).build());

    @FuzzTest(maxDuration = "10s")
    void parse(FuzzedDataProvider data) {
        JsonNode body;
        try {
            body = CompletionServer.json(data.consumeRemainingAsBytes());
        } catch (ApiException refused) {
            return; // not JSON, or nested too deep: a 400
        }
        try {
            CompletionRequest.parse(body, MODEL);
        } catch (ApiException refused) {
            // a 400 naming the field is the allowed outcome
        }
        try {
            CompletionServer.tokenIds(body, MODEL.vocabSize());
        } catch (ApiException refused) {
            // a 400 naming the field is the allowed outcome
        }
    }
}
