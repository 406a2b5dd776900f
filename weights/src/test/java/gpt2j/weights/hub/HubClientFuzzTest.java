package gpt2j.weights.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

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
    private static final String[] NAMES = {
        "Location",
        "X-Repo-Commit",
        "X-Linked-Etag",
        "ETag",
        "X-Linked-Size",
        "Content-Length",
        "Content-Range",
        "X-Error-Code",
        "X-Error-Message"
    };
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
        String quant = data.consumeBoolean() ? data.consumeString(8) : null;
        byte[] body = data.consumeRemainingAsBytes();
        try {
            HubClient.RepoInfo info = CLIENT.repoInfo("openai-community/gpt2", "main", body);
            FileChoice choice = FileChoice.choose("openai-community/gpt2", info.files(), quant);
            for (String f : choice.files()) assertInsideTheSnapshot(f);
            if (choice.index() != null) assertInsideTheSnapshot(choice.index());
            if (choice.gguf() != null) assertInsideTheSnapshot(choice.gguf());
        } catch (HubException refused) {
            // a clear one-line refusal is the allowed outcome
        }
        try {
            for (String s : FileChoice.shards("openai-community/gpt2", "model.safetensors.index.json", body)) {
                assertInsideTheSnapshot(s);
            }
        } catch (HubException refused) {
            // a clear one-line refusal is the allowed outcome
        }
    }

    /** Every name the client downloads to becomes a link in the snapshot: it must resolve inside it. */
    private static void assertInsideTheSnapshot(String name) {
        Path snapshot = Path.of("/cache/models--o--n/snapshots/607a30d783dfa663caf39e06633721c8d4cfcd7e");
        Path p = snapshot.resolve(name).normalize();
        assertTrue(p.startsWith(snapshot) && !p.equals(snapshot), name);
    }

    // Findings of the audit for this target, kept as plain tests (their fuzz encodings would be unreadable).

    @Test
    void aMalformedLocationIsRefusedNotThrown() {
        HubException e = assertThrows(
                HubException.class, () -> HubClient.redirect(FILE, 302, location("http://[oops/x"), true, 0));
        assertTrue(e.getMessage().contains("malformed location"), e.getMessage());
    }

    @Test
    void aLocationWithoutAHostIsRefused() {
        HubException e =
                assertThrows(HubException.class, () -> HubClient.redirect(FILE, 302, location("http:///x"), true, 0));
        assertTrue(e.getMessage().contains("non-HTTP location"), e.getMessage());
        assertEquals(
                URI.create("https://cdn.example/blob"),
                HubClient.redirect(FILE, 307, location("https://cdn.example/blob"), true, 0));
        assertNull(HubClient.redirect(FILE, 302, location("https://cdn.example/blob"), false, 0)); // HEAD keeps it
    }

    @Test
    void aListingWithAFileOutsideTheRepositoryIsRefused() {
        for (String name :
                new String[] {"../../../../.bashrc-Q8_0.gguf", "/etc/x.gguf", "a/../../x.gguf", "a\\u0000.gguf"}) {
            byte[] body = ("{\"sha\":\"607a30d783dfa663caf39e06633721c8d4cfcd7e\",\"siblings\":[{\"rfilename\":\""
                            + name + "\"}]}")
                    .getBytes(StandardCharsets.UTF_8);
            HubException e = assertThrows(HubException.class, () -> CLIENT.repoInfo("o/n", "main", body), name);
            assertTrue(e.getMessage().contains("lists a file outside the repository"), e.getMessage());
            byte[] index = ("{\"weight_map\":{\"w\":\"" + name + "\"}}").getBytes(StandardCharsets.UTF_8);
            e = assertThrows(
                    HubException.class, () -> FileChoice.shards("o/n", "model.safetensors.index.json", index), name);
            assertTrue(e.getMessage().contains("names a shard outside the repository"), e.getMessage());
        }
    }

    private static HttpHeaders location(String value) {
        return HttpHeaders.of(Map.of("Location", List.of(value)), (k, v) -> true);
    }
}
