package gpt2j.weights.hub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gpt2j.testhub.FakeHub;
import gpt2j.weights.ChunkedOutput;
import gpt2j.weights.Gpt2Checkpoint;
import gpt2j.weights.LoadedCheckpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Downloads from {@link FakeHub} into a temporary cache, checked against the layout huggingface_hub writes. */
class HubResolverTest {

    static final Path FIXTURES = Path.of("../engine/src/test/resources/fixtures");
    static final String COMMIT = "1234567890abcdef1234567890abcdef12345678";
    static final String REPO = "test-org/tiny-gpt2";

    @TempDir
    Path tmp;

    final FakeHub hub = new FakeHub();
    final List<String> notes = new ArrayList<>();
    final DownloadProgress progress = new DownloadProgress() {
        @Override
        public void note(String message) {
            notes.add(message);
        }

        @Override
        public void start(String repo, String file, long size, long resumedFrom) {}

        @Override
        public void advance(long bytes) {}

        @Override
        public void finish(String file) {}
    };

    @AfterEach
    void stop() {
        hub.close();
    }

    static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Map<String, byte[]> hfModel(String fixture) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        try (Stream<Path> s = Files.list(FIXTURES.resolve(fixture).resolve("model"))) {
            s.sorted().forEach(p -> files.put(p.getFileName().toString(), read(p)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return files;
    }

    HubResolver resolver(String token, boolean offline) {
        return new HubResolver(new HubCache(tmp.resolve("hub")), hub.url(), token, offline);
    }

    Path repoDir(String repo) {
        return tmp.resolve("hub").resolve("models--" + repo.replace("/", "--"));
    }

    @Test
    void downloadsOnlyWhatIsNeededIntoThePythonLayout() throws IOException {
        Map<String, byte[]> files = hfModel("f32-hf");
        files.put("vocab.json", "{\"a\": 0}".getBytes(StandardCharsets.UTF_8));
        files.put("merges.txt", "#version: 0.2\n".getBytes(StandardCharsets.UTF_8));
        files.put("tokenizer.json", "{}".getBytes(StandardCharsets.UTF_8)); // vocab + merges suffice
        files.put("pytorch_model.bin", new byte[3000]); // safetensors wins
        files.put("tf_model.h5", new byte[2000]);
        hub.add(REPO, COMMIT, files, null);

        Path got = resolver(null, false).resolve(REPO, progress);

        Path repo = repoDir(REPO);
        assertEquals(repo.resolve("snapshots").resolve(COMMIT), got);
        assertEquals(COMMIT, Files.readString(repo.resolve("refs/main")));
        List<String> wanted = List.of("config.json", "merges.txt", "model.safetensors", "vocab.json");
        try (Stream<Path> s = Files.list(got)) {
            assertEquals(wanted, s.map(p -> p.getFileName().toString()).sorted().toList());
        }
        for (String name : wanted) {
            Path link = got.resolve(name);
            byte[] bytes = files.get(name);
            // LFS files are named by their sha256, git files by their blob sha1, computed here from the bytes
            String etag = name.endsWith(".safetensors") ? FakeHub.sha256(bytes) : FakeHub.gitSha1(bytes);
            assertTrue(Files.isSymbolicLink(link), name);
            assertEquals(Path.of("../../blobs/" + etag), Files.readSymbolicLink(link), name);
            assertArrayEquals(bytes, Files.readAllBytes(link), name);
        }
        try (Stream<Path> s = Files.list(repo.resolve("blobs"))) {
            assertEquals(4, s.count(), "no .incomplete left, nothing unneeded");
        }
        for (String line : hub.log) {
            assertFalse(line.contains("tokenizer.json") || line.contains("pytorch_model") || line.contains("h5"), line);
        }
        try (LoadedCheckpoint c = Gpt2Checkpoint.open(got)) {
            assertEquals(2, c.weights().config().layerCount());
        }

        // Again: the cache is complete for this commit, so one API call and no file requests.
        int before = hub.log.size();
        assertEquals(got, resolver(null, false).resolve(REPO, progress));
        assertEquals(
                List.of("HUB GET /api/models/" + REPO + "/revision/main"),
                hub.log.subList(before, hub.log.size()).stream()
                        .map(l -> l.substring(0, l.indexOf(" range")))
                        .toList());
    }

    @Test
    void aCachedModelRunsOfflineAndWhenTheHubIsDown() {
        hub.add(REPO, COMMIT, hfModel("f32-hf"), null);
        Path got = resolver(null, false).resolve(REPO, progress);
        int before = hub.log.size();
        assertEquals(got, resolver(null, true).resolve(REPO, progress));
        assertEquals(got, resolver(null, true).resolve(REPO + "@" + COMMIT, progress));
        assertEquals(before, hub.log.size(), "HF_HUB_OFFLINE never touches the network");

        hub.failWith(503);
        assertEquals(got, resolver(null, false).resolve(REPO, progress));
        assertTrue(
                notes.getLast().contains("answered HTTP 503; using " + REPO + " from the cache (" + COMMIT + ")"),
                notes.toString());
        hub.failWith(0);

        hub.close();
        assertEquals(got, resolver(null, false).resolve(REPO, progress));
        assertTrue(notes.getLast().startsWith("cannot reach "), notes.toString());

        HubException e =
                assertThrows(HubException.class, () -> resolver(null, false).resolve("test-org/other", progress));
        assertTrue(e.getMessage().startsWith("cannot reach " + hub.url()), e.getMessage());
        e = assertThrows(HubException.class, () -> resolver(null, true).resolve("test-org/other", progress));
        assertTrue(
                e.getMessage().contains("not in the Hugging Face cache")
                        && e.getMessage().contains("HF_HUB_OFFLINE"),
                e.getMessage());
    }

    @Test
    void anExistingPathAlwaysWins() throws IOException {
        Path local = Files.createDirectories(tmp.resolve("test-org/tiny-gpt2"));
        String relative = Path.of("").toAbsolutePath().relativize(local).toString();
        // the id's form, but a directory of that name exists: no request at all
        assertEquals(Path.of(relative), resolver(null, false).resolve(relative, progress));
        assertEquals(Path.of("missing.gguf"), resolver(null, false).resolve("missing.gguf", progress));
        assertTrue(hub.log.isEmpty(), hub.log.toString());
    }

    @Test
    void shardsComeThroughTheIndexAndLegacyIdsFollowTheHubsRedirect() {
        hub.add("openai-community/gpt2", COMMIT, hfModel("f32-sharded"), null);
        hub.alias("gpt2", "openai-community/gpt2");
        Path got = resolver(null, false).resolve("gpt2", progress);
        // huggingface_hub keys the cache by the id as asked
        assertEquals(repoDir("gpt2").resolve("snapshots").resolve(COMMIT), got);
        assertTrue(Files.isRegularFile(got.resolve("model-00002-of-00002.safetensors")));
        try (LoadedCheckpoint c = Gpt2Checkpoint.open(got)) {
            assertEquals(2, c.files().size());
        }
    }

    @Test
    void pytorchWeightsWhenThereAreNoSafetensors() {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("config.json", "{}".getBytes(StandardCharsets.UTF_8));
        files.put("pytorch_model.bin", new byte[5000]);
        files.put("README.md", new byte[10]);
        hub.add(REPO, COMMIT, files, null);
        Path got = resolver(null, false).resolve(REPO, progress);
        assertTrue(Files.isRegularFile(got.resolve("pytorch_model.bin")));
        assertFalse(Files.exists(got.resolve("README.md")));
    }

    @Test
    void ggufQuantTagsChooseTheFileAsLlamaCppDoes() {
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (String f : List.of("gpt2.Q4_K_M.gguf", "gpt2.Q4_K_S.gguf", "gpt2-q8_0.gguf", "gpt2.f16.gguf")) {
            files.put(f, f.getBytes(StandardCharsets.UTF_8));
        }
        files.put("README.md", new byte[10]);
        hub.add("test-org/gpt2-GGUF", COMMIT, files, null);
        Path snap = repoDir("test-org/gpt2-GGUF").resolve("snapshots").resolve(COMMIT);

        assertEquals(
                snap.resolve("gpt2.Q4_K_M.gguf"), resolver(null, false).resolve("test-org/gpt2-GGUF:q4_k_m", progress));
        assertTrue(notes.isEmpty(), notes.toString());
        assertEquals(snap.resolve("gpt2-q8_0.gguf"), resolver(null, false).resolve("test-org/gpt2-GGUF", progress));
        assertTrue(
                notes.getFirst().contains("gpt2-q8_0.gguf") && notes.getFirst().contains(":TYPE"), notes.toString());
        // Q4_K is a tag of its own, not a prefix of Q4_K_M
        HubException e = assertThrows(
                HubException.class, () -> resolver(null, false).resolve("test-org/gpt2-GGUF:Q4_K", progress));
        assertTrue(
                e.getMessage().contains("no GGUF file carries the tag Q4_K")
                        && e.getMessage().contains("Q4_K_M"),
                e.getMessage());
        // offline, the cache alone answers the same way
        assertEquals(
                snap.resolve("gpt2.Q4_K_M.gguf"), resolver(null, true).resolve("test-org/gpt2-GGUF:Q4_K_M", progress));
        assertNull(resolver(null, true).fromCache(HubId.parse("test-org/gpt2-GGUF:F16")), "never downloaded");
    }

    @Test
    void aGatedRepositoryAsksForHfTokenAndTheTokenNeverReachesTheCdn() {
        hub.add(REPO, COMMIT, hfModel("f32-hf"), "hf_secret");
        HubException e =
                assertThrows(HubException.class, () -> resolver(null, false).resolve(REPO, progress));
        assertTrue(e.getMessage().contains("gated (401)") && e.getMessage().contains("set HF_TOKEN"), e.getMessage());
        assertFalse(Files.exists(repoDir(REPO)), "nothing written");

        int before = hub.log.size();
        Path got = resolver("hf_secret", false).resolve(REPO, progress);
        assertTrue(Files.isRegularFile(got.resolve("model.safetensors")));
        List<String> cdn = hub.cdnGets();
        assertEquals(1, cdn.size(), hub.log.toString());
        assertTrue(cdn.getFirst().endsWith("auth=null"), cdn.getFirst());
        List<String> hubRequests = hub.log.subList(before, hub.log.size()).stream()
                .filter(l -> l.startsWith("HUB"))
                .toList();
        assertFalse(hubRequests.isEmpty());
        assertTrue(hubRequests.stream().allMatch(l -> l.endsWith("auth=Bearer hf_secret")), hubRequests.toString());
    }

    @Test
    void notFoundNamesTheRepositoryOrTheFile() throws IOException {
        HubException e =
                assertThrows(HubException.class, () -> resolver(null, false).resolve("test-org/nothing", progress));
        assertEquals("test-org/nothing: no such model repository on " + hub.url() + " (404)", e.getMessage());
        e = assertThrows(HubException.class, () -> resolver(null, false).resolve(REPO + "@v9", progress));

        Map<String, byte[]> files = hfModel("f32-sharded");
        String index = new String(files.get("model.safetensors.index.json"), StandardCharsets.UTF_8);
        files.remove("model-00002-of-00002.safetensors"); // the index names a shard the repository lacks
        hub.add(REPO, COMMIT, files, null);
        e = assertThrows(HubException.class, () -> resolver(null, false).resolve(REPO, progress));
        assertEquals(
                REPO + ": no file model-00002-of-00002.safetensors at revision " + COMMIT + " (404)", e.getMessage());
        assertTrue(index.contains("model-00002-of-00002.safetensors"));
        assertFalse(Files.exists(repoDir(REPO).resolve("refs/main")), "an incomplete snapshot gets no ref");
        assertNull(resolver(null, true).fromCache(HubId.parse(REPO)));
    }

    @Test
    void bytesThatDoNotMatchTheirSha256AreNeverKept() throws IOException {
        Map<String, byte[]> files = hfModel("f32-hf");
        hub.add(REPO, COMMIT, files, null);
        hub.corrupt(files.get("model.safetensors"));
        HubException e =
                assertThrows(HubException.class, () -> resolver(null, false).resolve(REPO, progress));
        String sha = FakeHub.sha256(files.get("model.safetensors"));
        assertTrue(
                e.getMessage().startsWith(REPO + ": model.safetensors does not match its sha256 " + sha),
                e.getMessage());
        assertFalse(Files.exists(repoDir(REPO).resolve("blobs").resolve(sha)));
        assertFalse(Files.exists(repoDir(REPO).resolve("blobs").resolve(sha + ".incomplete")));
        assertFalse(
                Files.exists(repoDir(REPO).resolve("snapshots").resolve(COMMIT).resolve("model.safetensors")));
        assertNull(resolver(null, true).fromCache(HubId.parse(REPO)));

        hub.heal();
        Path got = resolver(null, false).resolve(REPO, progress);
        assertArrayEquals(files.get("model.safetensors"), Files.readAllBytes(got.resolve("model.safetensors")));
    }

    @Test
    void aCutDownloadResumesWithARangeRequest() throws IOException {
        Map<String, byte[]> files = hfModel("f32-hf");
        byte[] weights = files.get("model.safetensors");
        hub.add(REPO, COMMIT, files, null);
        hub.cutNextDownload(weights);
        HubException e =
                assertThrows(HubException.class, () -> resolver(null, false).resolve(REPO, progress));
        assertTrue(
                e.getMessage().contains("download of model.safetensors cut off after ")
                        && e.getMessage().endsWith("run again to resume"),
                e.getMessage());
        String sha = FakeHub.sha256(weights);
        Path part = repoDir(REPO).resolve("blobs").resolve(sha + ".incomplete");
        long have = Files.size(part);
        assertTrue(have > 0 && have < weights.length, "kept " + have);
        assertFalse(Files.exists(repoDir(REPO).resolve("blobs").resolve(sha)));
        assertNull(resolver(null, true).fromCache(HubId.parse(REPO)), "a part is never used");

        Path got = resolver(null, false).resolve(REPO, progress);
        List<String> gets = hub.cdnGets();
        assertEquals(2, gets.size(), gets.toString());
        assertTrue(gets.get(1).contains("range=bytes=" + have + "-"), gets.get(1));
        assertArrayEquals(weights, Files.readAllBytes(got.resolve("model.safetensors")));
        assertFalse(Files.exists(part));
    }

    @Test
    void aResumedDownloadOfSeveralChunksKeepsEveryByte() throws IOException {
        Map<String, byte[]> files = new java.util.HashMap<>(hfModel("f32-hf"));
        byte[] weights = new byte[5 * ChunkedOutput.CHUNK + 4321]; // cut at half: inside a chunk
        new java.util.Random(11).nextBytes(weights);
        files.put("model.safetensors", weights);
        hub.add(REPO, COMMIT, files, null);
        hub.cutNextDownload(weights);
        assertThrows(HubException.class, () -> resolver(null, false).resolve(REPO, progress));
        Path part = repoDir(REPO).resolve("blobs").resolve(FakeHub.sha256(weights) + ".incomplete");
        assertTrue(Files.size(part) % ChunkedOutput.CHUNK != 0, "kept " + Files.size(part));

        Path got = resolver(null, false).resolve(REPO, progress);
        assertArrayEquals(weights, Files.readAllBytes(got.resolve("model.safetensors")));
    }

    @Test
    void aSecondDownloadWaitsForTheLockHolder() throws Exception {
        Map<String, byte[]> files = hfModel("f32-hf");
        hub.add(REPO, COMMIT, files, null);
        String sha = FakeHub.sha256(files.get("model.safetensors"));
        Path lockFile = tmp.resolve("hub/.locks/models--test-org--tiny-gpt2/" + sha + ".lock");
        Files.createDirectories(lockFile.getParent());
        CompletableFuture<Path> download;
        try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock held = ch.lock()) {
            download = CompletableFuture.supplyAsync(() -> resolver(null, false).resolve(REPO, progress));
            Thread.sleep(700);
            assertFalse(download.isDone());
            assertTrue(hub.cdnGets().isEmpty(), "no download while another holds the lock");
        }
        Path got = download.get();
        assertArrayEquals(files.get("model.safetensors"), Files.readAllBytes(got.resolve("model.safetensors")));
        assertTrue(notes.stream().anyMatch(n -> n.contains("another download of model.safetensors")), notes.toString());
    }
}
