package gpt2j.weights.hub;

import gpt2j.weights.TempFiles;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Turns what a user passed as {@code -m} into a local model path: a path that exists is itself; a hub id
 * ({@link HubId}) is looked up in the Hugging Face cache and downloaded into it when needed. The answer is a snapshot
 * directory (config.json, tokenizer, safetensors or pytorch_model.bin) or a {@code .gguf} file inside one.
 * <p>
 * Environment, as huggingface_hub reads it: {@code HF_HUB_CACHE}/{@code HF_HOME} (where), {@code HF_ENDPOINT} (which
 * hub), {@code HF_TOKEN} (else the token file {@code huggingface-cli login} writes), {@code HF_HUB_OFFLINE=1} (never
 * touch the network).
 */
public final class HubResolver {

    public static final String DEFAULT_ENDPOINT = "https://huggingface.co";

    private final HubCache cache;
    private final String endpoint;
    private final String token;
    private final boolean offline;

    public HubResolver(HubCache cache, String endpoint, String token, boolean offline) {
        this.cache = cache;
        this.endpoint = endpoint;
        this.token = token;
        this.offline = offline;
    }

    public static HubResolver fromEnvironment(Map<String, String> env) {
        String endpoint = env.getOrDefault("HF_ENDPOINT", "");
        return new HubResolver(
                new HubCache(HubCache.defaultRoot(env)),
                endpoint.isBlank() ? DEFAULT_ENDPOINT : endpoint.strip(),
                token(env),
                isTrue(env.get("HF_HUB_OFFLINE")));
    }

    public HubCache cache() {
        return cache;
    }

    public boolean offline() {
        return offline;
    }

    /**
     * The local model {@code pathOrId} names: the path itself when it exists (a path always wins), else the hub id's
     * model from the cache or the hub. Text that is neither comes back as a path, for the caller's "no such file".
     */
    public Path resolve(String pathOrId, DownloadProgress progress) {
        Path path = null;
        try {
            path = Path.of(pathOrId);
            if (Files.exists(path)) return path;
        } catch (InvalidPathException e) {
            // not a path on this system; perhaps an id
        }
        HubId id = HubId.parse(pathOrId);
        if (id == null) {
            if (path == null) throw new HubException(pathOrId + ": neither a path nor a Hugging Face model id");
            return path;
        }
        return resolve(id, progress);
    }

    /** The model {@code id} names, from the cache when it is complete there, else downloaded into it. */
    public Path resolve(HubId id, DownloadProgress progress) {
        if (offline) {
            Path cached = fromCache(id, progress);
            if (cached == null) {
                throw new HubException(id + " is not in the Hugging Face cache at " + cache.root()
                        + " and HF_HUB_OFFLINE is set; unset it to download, or run gpt2j pull " + id
                        + " where the hub is reachable");
            }
            return cached;
        }
        if (id.pinned()) { // a commit never changes: a complete snapshot needs no network at all
            Path cached = fromCache(id, progress);
            if (cached != null) return cached;
        }
        HubClient client = new HubClient(endpoint, token);
        HubClient.RepoInfo info;
        try {
            info = client.repoInfo(id.repo(), id.revision());
        } catch (HubException e) {
            Path cached = e.unreachable() ? fromCache(id, progress) : null;
            if (cached == null) throw e;
            String why =
                    e.getMessage().startsWith("cannot reach") ? "cannot reach " + client.endpoint() : e.getMessage();
            progress.note(why + "; using " + id + " from the cache (" + cache.commit(id.repo(), id.revision()) + ")");
            return cached;
        }
        FileChoice choice = FileChoice.choose(id.repo(), info.files(), id.quant());
        if (choice.note() != null) progress.note(choice.note());
        String commit = info.commit();
        for (String file : choice.files()) fetch(client, id, commit, file, progress);
        if (choice.index() != null) {
            Path index = cache.snapshot(id.repo(), commit).resolve(choice.index());
            for (String shard : FileChoice.shards(id.repo(), index)) fetch(client, id, commit, shard, progress);
        }
        try {
            cache.writeRef(id.repo(), id.revision(), commit);
        } catch (IOException e) {
            throw new HubException(id.repo() + ": cannot write the ref for " + id.revision() + " in " + cache.root()
                    + ": " + e.getMessage());
        }
        Path snapshot = cache.snapshot(id.repo(), commit);
        return choice.gguf() != null ? snapshot.resolve(choice.gguf()) : snapshot;
    }

    /**
     * The model as the cache holds it, without the network, or null when the revision is unknown there or its snapshot
     * lacks a file gpt2j needs.
     */
    public Path fromCache(HubId id) {
        return fromCache(id, DownloadProgress.SILENT);
    }

    private Path fromCache(HubId id, DownloadProgress progress) {
        String commit = cache.commit(id.repo(), id.revision());
        if (commit == null) return null;
        Path snapshot = cache.snapshot(id.repo(), commit);
        List<String> present = filesIn(snapshot);
        FileChoice choice;
        try {
            choice = FileChoice.choose(id.repo(), present, id.quant());
            List<String> needed = new ArrayList<>(choice.files());
            if (choice.index() != null) needed.addAll(FileChoice.shards(id.repo(), snapshot.resolve(choice.index())));
            if (!present.containsAll(needed)) return null;
            if (choice.note() != null) progress.note(choice.note());
        } catch (gpt2j.weights.WeightsException e) {
            return null;
        }
        return choice.gguf() != null ? snapshot.resolve(choice.gguf()) : snapshot;
    }

    /** The files of a snapshot whose links lead to a blob (a dangling link is a file not there). */
    private static List<String> filesIn(Path snapshot) {
        List<String> files = new ArrayList<>();
        if (!Files.isDirectory(snapshot)) return files;
        try (Stream<Path> walk = Files.walk(snapshot)) {
            walk.filter(Files::isRegularFile)
                    .forEach(p -> files.add(snapshot.relativize(p).toString().replace('\\', '/')));
        } catch (IOException | java.io.UncheckedIOException e) {
            return List.of();
        }
        return files;
    }

    /** Makes {@code snapshots/{commit}/{file}} present: from its blob when the cache has it, else downloaded. */
    private void fetch(HubClient client, HubId id, String commit, String file, DownloadProgress progress) {
        String repo = id.repo();
        Path target = cache.snapshot(repo, commit).resolve(file);
        if (Files.isRegularFile(target)) return;
        HubClient.FileMeta meta = client.head(repo, commit, file);
        if (!meta.commit().equals(commit)) {
            throw new HubException(
                    repo + ": " + file + " resolved to commit " + meta.commit() + ", expected " + commit);
        }
        Path blob = cache.blob(repo, meta.etag());
        try {
            if (!Files.isRegularFile(blob)) {
                Path lock = cache.lockFile(repo, meta.etag());
                Files.createDirectories(lock.getParent());
                Files.createDirectories(blob.getParent());
                try (FileChannel channel = FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                        FileLock ignored = acquire(channel, repo, file, progress)) {
                    if (!Files.isRegularFile(blob)) { // another process may have finished it while we waited
                        Path incomplete = blob.resolveSibling(meta.etag() + ".incomplete");
                        client.download(repo, commit, file, meta, incomplete, progress);
                        TempFiles.moveOver(incomplete, blob);
                        progress.finish(file);
                    }
                }
            }
            cache.link(repo, commit, file, meta.etag());
        } catch (IOException e) {
            throw new HubException(repo + ": cannot store " + file + " in " + cache.root() + ": " + e.getMessage());
        }
    }

    /**
     * Waits for the download lock of one blob. Another process holding it makes tryLock return null; another thread of
     * this JVM makes it throw: both mean wait.
     */
    private static FileLock acquire(FileChannel channel, String repo, String file, DownloadProgress progress)
            throws IOException {
        boolean told = false;
        while (true) {
            try {
                FileLock lock = channel.tryLock();
                if (lock != null) return lock;
            } catch (OverlappingFileLockException e) {
                // held by another thread here
            }
            if (!told) {
                progress.note(repo + ": another download of " + file + " is under way; waiting for it");
                told = true;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new HubException(repo + ": interrupted while waiting for another download of " + file);
            }
        }
    }

    /** {@code HF_TOKEN}, else the token file ({@code HF_TOKEN_PATH}, else {@code $HF_HOME/token}); null when none. */
    static String token(Map<String, String> env) {
        String t = env.get("HF_TOKEN");
        if (t != null && !t.isBlank()) return t.strip();
        String path = env.get("HF_TOKEN_PATH");
        Path file = path != null && !path.isBlank()
                ? Path.of(path)
                : HubCache.hfHome(env).resolve("token");
        try {
            if (Files.isRegularFile(file)) {
                String s = Files.readString(file, StandardCharsets.UTF_8).strip();
                return s.isEmpty() ? null : s;
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }

    /** huggingface_hub's truth values for a flag: 1, ON, YES, TRUE, in any case. */
    static boolean isTrue(String value) {
        if (value == null) return false;
        return switch (value.strip().toUpperCase(Locale.ROOT)) {
            case "1", "ON", "YES", "TRUE" -> true;
            default -> false;
        };
    }
}
