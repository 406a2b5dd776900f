package gpt2j.weights.hub;

import gpt2j.weights.TempFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The Hugging Face cache, laid out exactly as the Python client ({@code huggingface_hub}) writes it, so that files are
 * shared both ways with transformers:
 * <pre>
 * {root}/models--{org}--{name}/refs/{revision}            the commit hash the revision pointed to, no newline
 * {root}/models--{org}--{name}/blobs/{etag}                the file's bytes (sha256 for LFS files, git sha1 otherwise)
 * {root}/models--{org}--{name}/snapshots/{commit}/{file}   a relative symlink to ../../blobs/{etag}
 * {root}/.locks/models--{org}--{name}/{etag}.lock          held while {etag} downloads
 * </pre>
 */
public final class HubCache {

    private final Path root;

    public HubCache(Path root) {
        this.root = root;
    }

    /** {@code $HF_HUB_CACHE}, else {@code $HF_HOME/hub}, else {@code ~/.cache/huggingface/hub}, as huggingface_hub. */
    public static Path defaultRoot(Map<String, String> env) {
        String cache = nonBlank(env.get("HF_HUB_CACHE"));
        if (cache != null) return Path.of(expandHome(cache));
        return hfHome(env).resolve("hub");
    }

    /** {@code $HF_HOME}, else {@code $XDG_CACHE_HOME/huggingface}, else {@code ~/.cache/huggingface}. */
    static Path hfHome(Map<String, String> env) {
        String home = nonBlank(env.get("HF_HOME"));
        if (home != null) return Path.of(expandHome(home));
        String xdg = nonBlank(env.get("XDG_CACHE_HOME"));
        Path base = xdg != null ? Path.of(expandHome(xdg)) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("huggingface");
    }

    public Path root() {
        return root;
    }

    /** {@code models--org--name}: the folder name huggingface_hub gives a model repository. */
    static String folderName(String repo) {
        return "models--" + repo.replace("/", "--");
    }

    Path repoDir(String repo) {
        return root.resolve(folderName(repo));
    }

    public Path snapshot(String repo, String commit) {
        return repoDir(repo).resolve("snapshots").resolve(commit);
    }

    Path blob(String repo, String etag) {
        return repoDir(repo).resolve("blobs").resolve(etag);
    }

    Path lockFile(String repo, String etag) {
        return root.resolve(".locks").resolve(folderName(repo)).resolve(etag + ".lock");
    }

    /** The commit {@code revision} names in the cache: itself when it is a commit with a snapshot, else its ref; or null. */
    public String commit(String repo, String revision) {
        if (HubId.isCommit(revision) && Files.isDirectory(snapshot(repo, revision))) return revision;
        Path ref = repoDir(repo).resolve("refs").resolve(revision);
        if (!Files.isRegularFile(ref)) return null;
        try {
            String commit = Files.readString(ref, StandardCharsets.UTF_8).strip();
            return HubId.isCommit(commit) ? commit : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** Records that {@code revision} points to {@code commit} (temporary file, then rename). */
    void writeRef(String repo, String revision, String commit) throws IOException {
        if (revision.equals(commit)) return; // huggingface_hub writes no ref for a commit
        Path ref = repoDir(repo).resolve("refs").resolve(revision);
        Files.createDirectories(ref.getParent());
        Path tmp = Files.createTempFile(ref.getParent(), ".ref", ".tmp");
        try {
            Files.writeString(tmp, commit, StandardCharsets.UTF_8);
            TempFiles.moveOver(tmp, ref);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Makes {@code snapshots/{commit}/{file}} a relative symlink to {@code blobs/{etag}}, replacing what was there. */
    Path link(String repo, String commit, String file, String etag) throws IOException {
        Path target = snapshot(repo, commit).resolve(file);
        Files.createDirectories(target.getParent());
        Path relative = target.getParent().relativize(blob(repo, etag));
        Path tmp = target.resolveSibling("." + target.getFileName() + "."
                + ProcessHandle.current().pid() + "." + Thread.currentThread().threadId() + ".link");
        Files.deleteIfExists(tmp);
        try {
            Files.createSymbolicLink(tmp, relative);
        } catch (UnsupportedOperationException | IOException e) {
            // No symlinks on this file system: a copy, as huggingface_hub falls back to on Windows.
            Files.copy(blob(repo, etag), tmp, StandardCopyOption.REPLACE_EXISTING);
        }
        TempFiles.moveOver(tmp, target);
        return target;
    }

    /** One snapshot in the cache: its files and the bytes they take, and the refs that point to it. */
    public record Snapshot(String repo, String commit, List<String> refs, Path dir, List<String> files, long bytes) {}

    /** Every model snapshot in the cache, sorted by repository then commit. Unreadable entries are skipped. */
    public List<Snapshot> snapshots() {
        List<Snapshot> result = new ArrayList<>();
        if (!Files.isDirectory(root)) return result;
        for (Path repoDir : sorted(root)) {
            String name = repoDir.getFileName().toString();
            if (!name.startsWith("models--") || !Files.isDirectory(repoDir)) continue;
            String repo = name.substring("models--".length()).replace("--", "/");
            for (Path snap : sorted(repoDir.resolve("snapshots"))) {
                String commit = snap.getFileName().toString();
                if (!Files.isDirectory(snap)) continue;
                List<String> files = new ArrayList<>();
                long bytes = 0;
                try (Stream<Path> walk = Files.walk(snap)) {
                    for (Path p : walk.sorted().toList()) {
                        if (Files.isRegularFile(p)
                                && !p.getFileName().toString().startsWith(".")) {
                            files.add(snap.relativize(p).toString());
                            bytes += Files.size(p);
                        }
                    }
                } catch (IOException | UncheckedIOException e) {
                    continue;
                }
                result.add(new Snapshot(repo, commit, refsTo(repoDir.resolve("refs"), commit), snap, files, bytes));
            }
        }
        return result;
    }

    private static List<String> refsTo(Path refs, String commit) {
        List<String> names = new ArrayList<>();
        if (!Files.isDirectory(refs)) return names;
        try (Stream<Path> walk = Files.walk(refs)) {
            for (Path p : walk.sorted().toList()) {
                if (Files.isRegularFile(p)
                        && Files.readString(p, StandardCharsets.UTF_8).strip().equals(commit)) {
                    names.add(refs.relativize(p).toString());
                }
            }
        } catch (IOException | UncheckedIOException e) {
            // an unreadable ref names nothing
        }
        return names;
    }

    private static List<Path> sorted(Path dir) {
        List<Path> entries = new ArrayList<>();
        if (!Files.isDirectory(dir)) return entries;
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            s.forEach(entries::add);
        } catch (IOException e) {
            return entries;
        }
        entries.sort(null);
        return entries;
    }

    private static String nonBlank(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    private static String expandHome(String s) {
        return s.startsWith("~/") ? System.getProperty("user.home") + s.substring(1) : s;
    }
}
