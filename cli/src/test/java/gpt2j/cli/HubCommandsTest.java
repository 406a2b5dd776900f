package gpt2j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import gpt2j.testhub.FakeHub;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** -m with hub ids, {@code pull} and {@code list}, against caches written here and a loopback hub; never the network. */
class HubCommandsTest {

    static final String COMMIT = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c";
    static final String NOWHERE = "http://127.0.0.1:1"; // nothing listens on port 1: connection refused

    @TempDir
    Path tmp;

    static Map<String, String> env(String... pairs) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("HOME", "/nonexistent");
        for (int i = 0; i < pairs.length; i += 2) env.put(pairs[i], pairs[i + 1]);
        return env;
    }

    /**
     * Lays out the f32-hf fixture as huggingface_hub's file_download.py stores a download, from its rules alone:
     * blobs named by sha256 (LFS) or git blob sha1 (the rest), snapshot entries as relative symlinks, refs/main.
     */
    static void writePythonCache(Path hubCache, String repo) throws IOException {
        Path repoDir = hubCache.resolve("models--" + repo.replace("/", "--"));
        Path snapshot = Files.createDirectories(repoDir.resolve("snapshots").resolve(COMMIT));
        Files.createDirectories(repoDir.resolve("blobs"));
        Files.createDirectories(repoDir.resolve("refs"));
        Files.writeString(repoDir.resolve("refs/main"), COMMIT); // no newline, as huggingface_hub writes it
        try (Stream<Path> files = Files.list(Fixtures.model("f32-hf"))) {
            for (Path f : files.toList()) {
                byte[] bytes = Files.readAllBytes(f);
                String name = f.getFileName().toString();
                String etag = name.endsWith(".safetensors") ? FakeHub.sha256(bytes) : FakeHub.gitSha1(bytes);
                Files.write(repoDir.resolve("blobs").resolve(etag), bytes);
                Files.createSymbolicLink(snapshot.resolve(name), Path.of("../../blobs/" + etag));
            }
        }
    }

    static String[] greedy(String model) {
        JsonNode f = Fixtures.manifest("f32-hf");
        return new String[] {
            "generate",
            "-m",
            model,
            "--prompt-ids",
            Fixtures.idList(Fixtures.ints(f.get("tokens"))),
            "-n",
            String.valueOf(f.get("greedy").get("new_tokens").size()),
            "--temperature",
            "0",
            "--json"
        };
    }

    static void assertReferenceContinuation(Cli r) {
        assertEquals(0, r.code(), r.err());
        assertArrayEquals(
                Fixtures.ints(Fixtures.manifest("f32-hf").get("greedy").get("new_tokens")),
                Fixtures.ints(Fixtures.parse(r.out()).get("tokens")));
    }

    @Test
    void aCacheLaidOutByThePythonClientRunsOffline() throws IOException {
        writePythonCache(tmp.resolve("hub"), "test-org/tiny-gpt2");
        Cli r = Cli.runWithEnv(
                env("HF_HUB_CACHE", tmp.resolve("hub").toString(), "HF_HUB_OFFLINE", "1", "HF_ENDPOINT", NOWHERE),
                greedy("test-org/tiny-gpt2"));
        assertReferenceContinuation(r);
        // HF_HOME/hub, and the commit named directly
        r = Cli.runWithEnv(
                env("HF_HOME", tmp.toString(), "HF_HUB_OFFLINE", "true", "HF_ENDPOINT", NOWHERE),
                greedy("test-org/tiny-gpt2@" + COMMIT));
        assertReferenceContinuation(r);
        // every command's -m, bench's list included
        Cli bench = Cli.runWithEnv(
                env("HF_HOME", tmp.toString(), "HF_HUB_OFFLINE", "1"),
                "bench",
                "-m",
                "test-org/tiny-gpt2",
                "-p",
                "4",
                "-n",
                "0",
                "-r",
                "1",
                "--warmup",
                "0",
                "-t",
                "1",
                "-o",
                "json");
        assertEquals(0, bench.code(), bench.err());
        assertEquals(1, Fixtures.parse(bench.out()).size(), bench.out());
    }

    @Test
    void aCachedModelRunsWhenTheHubCannotBeReached() throws IOException {
        writePythonCache(tmp.resolve("hub"), "test-org/tiny-gpt2");
        Cli r = Cli.runWithEnv(
                env("HF_HUB_CACHE", tmp.resolve("hub").toString(), "HF_ENDPOINT", NOWHERE),
                greedy("test-org/tiny-gpt2"));
        assertReferenceContinuation(r);
        assertTrue(
                r.err().startsWith("cannot reach " + NOWHERE + "; using test-org/tiny-gpt2 from the cache"), r.err());
    }

    @Test
    void offlineWithoutTheModelIsOneLine() {
        Cli r = Cli.runWithEnv(
                env("HF_HUB_CACHE", tmp.resolve("hub").toString(), "HF_HUB_OFFLINE", "1"),
                greedy("test-org/tiny-gpt2"));
        String line = r.oneLineFailure();
        assertTrue(line.contains("test-org/tiny-gpt2 is not in the Hugging Face cache at " + tmp.resolve("hub")), line);
    }

    @Test
    void pullThenRunThenList() throws IOException {
        try (FakeHub hub = new FakeHub()) {
            Map<String, byte[]> files = new LinkedHashMap<>();
            try (Stream<Path> s = Files.list(Fixtures.model("f32-hf"))) {
                for (Path p : s.toList()) files.put(p.getFileName().toString(), Files.readAllBytes(p));
            }
            hub.add("test-org/tiny-gpt2", COMMIT, files, null);
            hub.add(
                    "test-org/not-gpt2",
                    COMMIT.replace('0', '9'),
                    Map.of(
                            "config.json",
                            "{\"model_type\": \"bert\"}".getBytes(StandardCharsets.UTF_8),
                            "model.safetensors",
                            new byte[100]),
                    null);
            Map<String, String> env = env("HF_HUB_CACHE", tmp.resolve("hub").toString(), "HF_ENDPOINT", hub.url());

            Cli pull = Cli.runWithEnv(env, "pull", "test-org/tiny-gpt2");
            assertEquals(0, pull.code(), pull.err());
            Path snapshot = tmp.resolve("hub/models--test-org--tiny-gpt2/snapshots/" + COMMIT);
            assertEquals(snapshot.toString(), pull.out().strip());
            assertTrue(
                    pull.err().contains("downloading test-org/tiny-gpt2: model.safetensors (459.6 KiB)"), pull.err());
            assertTrue(pull.err().contains("model.safetensors: done"), pull.err());
            assertEquals(0, Cli.runWithEnv(env, "pull", "test-org/not-gpt2").code());

            env.put("HF_HUB_OFFLINE", "1");
            assertReferenceContinuation(Cli.runWithEnv(env, greedy("test-org/tiny-gpt2")));

            Cli list = Cli.runWithEnv(env, "list", "--json");
            assertEquals(0, list.code(), list.err());
            JsonNode rows = Fixtures.parse(list.out());
            assertEquals(1, rows.size(), "the BERT repository is not listed: " + rows);
            JsonNode row = rows.get(0);
            assertEquals("test-org/tiny-gpt2", row.get("id").asText());
            assertEquals("main", row.get("revisions").get(0).asText());
            assertEquals(COMMIT, row.get("commit").asText());
            long bytes = files.values().stream().mapToLong(b -> b.length).sum();
            assertEquals(bytes, row.get("size_bytes").asLong());
            assertEquals(files.size(), row.get("files").size());

            Cli table = Cli.runWithEnv(env, "list");
            assertEquals(0, table.code(), table.err());
            assertTrue(
                    table.out().lines().findFirst().orElseThrow().matches("ID\\s+REVISION\\s+COMMIT\\s+FILES\\s+SIZE"));
            assertTrue(
                    table.out()
                            .lines()
                            .skip(1)
                            .findFirst()
                            .orElseThrow()
                            .matches("test-org/tiny-gpt2\\s+main\\s+" + COMMIT.substring(0, 12) + "\\s+2\\s+"
                                    + String.format(java.util.Locale.ROOT, "%.1f", bytes / 1024.0) + " KiB"),
                    table.out());
        }
    }

    @Test
    void ggufRepositoriesByQuantTag() throws IOException {
        Map<String, byte[]> files = new LinkedHashMap<>();
        Path source = TestVocabulary.copyWithVocabulary("f16", tmp.resolve("source")); // GGUF needs a vocabulary
        for (String type : new String[] {"q8_0", "q4_0", "f16"}) {
            Path out = tmp.resolve("tiny-gpt2." + type.toUpperCase(java.util.Locale.ROOT) + ".gguf");
            Cli q = Cli.run("quantize", "-m", source.toString(), "--type", type, "-o", out.toString());
            assertEquals(0, q.code(), q.err());
            files.put(out.getFileName().toString(), Files.readAllBytes(out));
        }
        files.put("README.md", "# tiny".getBytes(StandardCharsets.UTF_8));
        try (FakeHub hub = new FakeHub()) {
            hub.add("test-org/tiny-gpt2-GGUF", COMMIT, files, null);
            Map<String, String> env = env("HF_HUB_CACHE", tmp.resolve("hub").toString(), "HF_ENDPOINT", hub.url());
            // info reads the matrix type from the file itself, so it shows which file was chosen
            Cli r = Cli.runWithEnv(env, "info", "--json", "-m", "test-org/tiny-gpt2-GGUF:q4_0");
            assertEquals(0, r.code(), r.err());
            assertEquals(
                    "Q4_0", Fixtures.parse(r.out()).get("matrix_types").get(0).asText());
            r = Cli.runWithEnv(env, "info", "--json", "-m", "test-org/tiny-gpt2-GGUF");
            assertEquals(0, r.code(), r.err());
            assertEquals(
                    "Q8_0", Fixtures.parse(r.out()).get("matrix_types").get(0).asText());
            assertTrue(r.err().contains("test-org/tiny-gpt2-GGUF: using tiny-gpt2.Q8_0.gguf (Q8_0)"), r.err());
            r = Cli.runWithEnv(env, "info", "--json", "-m", "test-org/tiny-gpt2-GGUF:F16");
            assertEquals(
                    "F16", Fixtures.parse(r.out()).get("matrix_types").get(0).asText());
            String line = Cli.runWithEnv(env, "info", "-m", "test-org/tiny-gpt2-GGUF:Q5_K_M")
                    .oneLineFailure();
            assertTrue(line.contains("no GGUF file carries the tag Q5_K_M; it has Q8_0, F16, Q4_0"), line);
        }
    }

    @Test
    void shardedPytorchWeightsThroughTheIndex() throws IOException {
        Path fixture = Fixtures.ROOT.resolve("pytorch/f32");
        Map<String, byte[]> files = new LinkedHashMap<>();
        try (Stream<Path> s = Files.list(fixture.resolve("zip-sharded"))) {
            for (Path p : s.toList()) files.put(p.getFileName().toString(), Files.readAllBytes(p));
        }
        files.put("tf_model.h5", new byte[2000]);
        try (FakeHub hub = new FakeHub()) {
            hub.add("test-org/tiny-pytorch", COMMIT, files, null);
            Map<String, String> env = env("HF_HUB_CACHE", tmp.resolve("hub").toString(), "HF_ENDPOINT", hub.url());
            JsonNode f = Fixtures.parse(Files.readString(fixture.resolve("fixture.json")));
            int[] expected = Fixtures.ints(f.get("greedy").get("new_tokens"));
            Cli r = Cli.runWithEnv(
                    env,
                    "generate",
                    "-m",
                    "test-org/tiny-pytorch",
                    "--prompt-ids",
                    Fixtures.idList(Fixtures.ints(f.get("tokens"))),
                    "-n",
                    String.valueOf(expected.length),
                    "--temperature",
                    "0",
                    "--json");
            assertEquals(0, r.code(), r.err());
            assertArrayEquals(expected, Fixtures.ints(Fixtures.parse(r.out()).get("tokens")));
            assertTrue(r.err().contains("pytorch_model-00002-of-00002.bin: done"), r.err());
            assertFalse(hub.log.stream().anyMatch(l -> l.contains("tf_model.h5")), hub.log.toString());
        }
    }

    @Test
    void hubFailuresAreOneLine() {
        try (FakeHub hub = new FakeHub()) {
            hub.add("test-org/gated", COMMIT, Map.of("config.json", new byte[10]), "hf_x");
            Map<String, String> env = env("HF_HUB_CACHE", tmp.resolve("hub").toString(), "HF_ENDPOINT", hub.url());
            String line = Cli.runWithEnv(env, greedy("test-org/nothing")).oneLineFailure();
            assertEquals("gpt2j: test-org/nothing: no such model repository on " + hub.url() + " (404)", line);
            line = Cli.runWithEnv(env, "pull", "test-org/gated").oneLineFailure();
            assertTrue(line.contains("gated (401)") && line.contains("HF_TOKEN"), line);
            Cli notAnId = Cli.runWithEnv(env, "pull", "./some/dir");
            assertEquals(2, notAnId.code());
            assertTrue(notAnId.failureLine().contains("not a Hugging Face model id: ./some/dir"), notAnId.err());
            // a path that does not exist and cannot be an id is still "no such file"
            line = Cli.runWithEnv(env, greedy("missing.gguf")).oneLineFailure();
            assertTrue(line.contains("missing.gguf"), line);
            assertFalse(Files.exists(tmp.resolve("hub/models--test-org--nothing")));
        }
    }
}
