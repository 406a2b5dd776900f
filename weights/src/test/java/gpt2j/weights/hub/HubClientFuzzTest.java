package gpt2j.weights.hub;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import java.net.URI;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a hub (or anything posing as one) answers: status codes, headers (Location, X-Repo-Commit, ETag, sizes,
 * Content-Range, error codes) and the model query's JSON. Reading them works or fails with a {@link HubException}, and
 * a redirect the client follows is a request the JDK can send; anything else is a finding. The answers are built in
 * memory, not served, so a campaign reaches millions of executions (HubClientTest covers the wire against a loopback
 * hub). Without JAZZER_FUZZ this replays HubClientFuzzTestInputs/.
 */
class HubClientFuzzTest {

    private static final HubClient CLIENT = new HubClient("https://huggingface.co", "hf_token");
    private static final URI FILE = URI.create("https://huggingface.co/openai-community/gpt2/resolve/main/config.json");
    private static final String[] NAMES = {"Location", "X-Repo-Commit", "X-Linked-Etag", "ETag", "X-Linked-Size",
            "Content-Length", "Content-Range", "X-Error-Code", "X-Error-Message"};
    private static final int[] STATUSES = {200, 206, 301, 302, 303, 307, 308, 401, 403, 404, 416, 500, 503};

    @FuzzTest(maxDuration = "10s")
    void headers(FuzzedDataProvider data) {
        Map<String, List<String>> map = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (int i = data.consumeInt(0, 6); i > 0; i--) {
            map.computeIfAbsent(data.pickValue(NAMES), k -> new ArrayList<>()).add(data.consumeString(120));
        }
        HttpHeaders headers = HttpHeaders.of(map, (k, v) -> true);
        int status = data.consumeBoolean() ? data.pickValue(STATUSES) : data.consumeInt(100, 599);
        try {
            URI next = HubClient.redirect(FILE, status, headers, data.consumeBoolean(), data.consumeInt(0, 11));
            if (next != null) HttpRequest.newBuilder(next); // the next hop must be a request the client can send
        } catch (HubException refused) {
            // a clear one-line refusal is the allowed outcome
        }
        try {
            CLIENT.check(status, headers, "openai-community/gpt2", "main", "config.json");
            CLIENT.fileMeta("openai-community/gpt2", "config.json", headers);
            HubClient.resumedAt("openai-community/gpt2", "config.json", status, headers, data.consumeLong(0, 1L << 40));
        } catch (HubException refused) {
            // a clear one-line refusal is the allowed outcome
        }
        try {
            CLIENT.repoInfo("openai-community/gpt2", "main", data.consumeRemainingAsBytes());
        } catch (HubException refused) {
            // a clear one-line refusal is the allowed outcome
        }
    }
}
