package gpt2j.weights.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import gpt2j.weights.ChunkedOutput;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The hub's HTTP protocol as huggingface_hub speaks it, through the JDK's HttpClient:
 * {@code HEAD/GET {endpoint}/{repo}/resolve/{revision}/{file}} and {@code GET {endpoint}/api/models/{repo}/revision/{rev}}.
 * Redirects are followed by hand so that the token is never sent to another host (a content server).
 */
final class HubClient {

    private static final int MAX_REDIRECTS = 10;
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern GIT_SHA1 = Pattern.compile("[0-9a-f]{40}");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI endpoint;
    private final String token;
    private final HttpClient http;

    HubClient(String endpoint, String token) {
        String e = endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint;
        try {
            this.endpoint = URI.create(e);
        } catch (IllegalArgumentException ex) {
            throw new HubException("HF_ENDPOINT is not a URL: " + endpoint);
        }
        if (this.endpoint.getScheme() == null || this.endpoint.getHost() == null) {
            throw new HubException("HF_ENDPOINT is not an http(s) URL: " + endpoint);
        }
        this.token = token;
        this.http = HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    String endpoint() {
        return endpoint.toString();
    }

    /** A revision's commit and the files in it. */
    record RepoInfo(String commit, List<String> files) {}

    /** What HEAD says of one file: the commit it was resolved at, its etag (the blob name) and size (-1 unknown). */
    record FileMeta(String commit, String etag, long size) {}

    RepoInfo repoInfo(String repo, String revision) {
        URI uri = URI.create(endpoint + "/api/models/" + repo + "/revision/" + encode(revision));
        HttpResponse<InputStream> r = send("GET", uri, null, true);
        byte[] body;
        try (InputStream in = r.body()) {
            check(r.statusCode(), r.headers(), repo, revision, null);
            body = in.readNBytes(64 << 20);
        } catch (IOException e) {
            throw unreachable(e);
        }
        return repoInfo(repo, revision, body);
    }

    /** The model query's answer: {@code {"sha": commit, "siblings": [{"rfilename": name}, ...]}}. */
    RepoInfo repoInfo(String repo, String revision, byte[] body) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            throw new HubException(
                    repo + ": " + endpoint + " answered the model query with something that is not JSON");
        }
        String sha = root == null ? "" : root.path("sha").asText("");
        if (!HubId.isCommit(sha)) {
            throw new HubException(repo + ": " + endpoint + " gave no commit for revision " + revision);
        }
        List<String> files = new ArrayList<>();
        for (JsonNode s : root.path("siblings")) {
            String name = s.path("rfilename").asText("");
            if (name.isEmpty()) continue;
            // A name like ../../x.gguf would put the download (a link to its blob) outside the snapshot.
            if (!FileChoice.isSafeName(name)) {
                throw new HubException(
                        repo + ": " + endpoint + " lists a file outside the repository: " + FileChoice.printable(name));
            }
            files.add(name);
        }
        return new RepoInfo(sha, List.copyOf(files));
    }

    FileMeta head(String repo, String revision, String file) {
        HttpResponse<InputStream> r = send("HEAD", resolveUri(repo, revision, file), null, false);
        try (InputStream ignored = r.body()) {
            if (!isRedirect(r.statusCode())) check(r.statusCode(), r.headers(), repo, revision, file);
        } catch (IOException e) {
            throw unreachable(e);
        }
        return fileMeta(repo, file, r.headers());
    }

    /** What a HEAD's headers say of {@code file}: huggingface_hub's X-Repo-Commit, X-Linked-Etag and X-Linked-Size. */
    FileMeta fileMeta(String repo, String file, HttpHeaders headers) {
        String commit = headers.firstValue("X-Repo-Commit").orElse(null);
        String etag = headers.firstValue("X-Linked-Etag")
                .or(() -> headers.firstValue("ETag"))
                .orElse(null);
        if (commit == null || etag == null) {
            throw new HubException(repo + ": " + endpoint + " sent no " + (commit == null ? "X-Repo-Commit" : "ETag")
                    + " for " + file + " (is HF_ENDPOINT a Hugging Face hub?)");
        }
        etag = normalizeEtag(etag);
        if (!HubId.isCommit(commit) || etag.isEmpty() || !etag.matches("[A-Za-z0-9_.-]{1,128}")) {
            throw new HubException(repo + ": " + endpoint + " sent a malformed commit or ETag for " + file);
        }
        long size = headers.firstValue("X-Linked-Size")
                .or(() -> headers.firstValue("Content-Length"))
                .map(HubClient::parseSize)
                .orElse(-1L);
        return new FileMeta(commit, etag, size);
    }

    /**
     * Downloads {@code file} at {@code commit} into {@code incomplete}, continuing what is already there with a Range
     * request, and checks it: size, and the sha256 (LFS) or git blob sha1 its etag names. A cut connection leaves the
     * part for the next run; bytes that do not match are deleted.
     */
    void download(String repo, String commit, String file, FileMeta meta, Path incomplete, DownloadProgress progress) {
        try {
            long have = Files.exists(incomplete) ? Files.size(incomplete) : 0;
            if (meta.size >= 0 && have > meta.size) {
                Files.delete(incomplete);
                have = 0;
            }
            if (meta.size < 0 || have < meta.size) {
                have = fetch(repo, commit, file, meta, incomplete, have, progress);
            }
            long got = Files.size(incomplete);
            if (meta.size >= 0 && got != meta.size) {
                Files.deleteIfExists(incomplete);
                throw new HubException(repo + ": " + file + " arrived with " + got + " bytes, expected " + meta.size
                        + "; the download was removed, run again");
            }
            verify(repo, file, meta, incomplete);
        } catch (IOException e) {
            throw new HubException(repo + ": cannot write " + incomplete + ": " + e.getMessage());
        }
    }

    private long fetch(
            String repo,
            String commit,
            String file,
            FileMeta meta,
            Path incomplete,
            long have,
            DownloadProgress progress)
            throws IOException {
        URI uri = resolveUri(repo, commit, file);
        HttpResponse<InputStream> r = send("GET", uri, have > 0 ? "bytes=" + have + "-" : null, true);
        if (r.statusCode() == 416 && have > 0) { // the part on disk is not a prefix the server knows: start over
            r.body().close();
            Files.delete(incomplete);
            have = 0;
            r = send("GET", uri, null, true);
        }
        try (InputStream in = r.body()) {
            check(r.statusCode(), r.headers(), repo, commit, file);
            have = resumedAt(repo, file, r.statusCode(), r.headers(), have);
            progress.start(repo, file, meta.size, have);
            StandardOpenOption mode = have > 0 ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING;
            long done = have;
            // In whole 2 MiB chunks, so that the page cache holds the model in huge pages (ChunkedOutput).
            try (FileChannel ch =
                            FileChannel.open(incomplete, StandardOpenOption.CREATE, StandardOpenOption.WRITE, mode);
                    Arena arena = Arena.ofConfined()) {
                ChunkedOutput out = new ChunkedOutput(
                        ch, have, arena.allocate(ChunkedOutput.CHUNK).asByteBuffer());
                byte[] buffer = new byte[1 << 16];
                while (true) {
                    int n;
                    try {
                        n = in.read(buffer);
                    } catch (IOException e) {
                        out.flush();
                        throw new HubException(repo + ": download of " + file + " cut off after " + done
                                + (meta.size >= 0 ? " of " + meta.size : "") + " bytes (" + message(e)
                                + "); run again to resume");
                    }
                    if (n < 0) break;
                    out.put(buffer, 0, n);
                    done += n;
                    progress.advance(n);
                }
                out.flush();
            }
            return done;
        }
    }

    /** Where the answer to a request for bytes from {@code have} on starts: there for a 206, else 0 (the whole file). */
    static long resumedAt(String repo, String file, int status, HttpHeaders headers, long have) {
        if (status != 206) return 0; // a full answer: the server ignored the Range header
        String range = headers.firstValue("Content-Range").orElse("");
        if (!range.startsWith("bytes " + have + "-")) {
            throw new HubException(
                    repo + ": " + file + ": asked for bytes from " + have + ", got '" + printable(range) + "'");
        }
        return have;
    }

    /** Checks the file against its etag: sha256 for an LFS file (64 hex), the git blob sha1 otherwise (40 hex). */
    private static void verify(String repo, String file, FileMeta meta, Path path) throws IOException {
        String algorithm;
        byte[] prefix = new byte[0];
        if (SHA256.matcher(meta.etag).matches()) {
            algorithm = "SHA-256";
        } else if (GIT_SHA1.matcher(meta.etag).matches()) {
            algorithm = "SHA-1";
            prefix = ("blob " + Files.size(path) + "\0").getBytes(StandardCharsets.US_ASCII);
        } else {
            return; // an etag that is no hash (not from the hub): the size was all there was to check
        }
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        digest.update(prefix);
        try (InputStream in = Files.newInputStream(path)) {
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) digest.update(buffer, 0, n);
        }
        String actual = HexFormat.of().formatHex(digest.digest());
        if (!actual.equals(meta.etag)) {
            Files.deleteIfExists(path);
            throw new HubException(
                    repo + ": " + file + " does not match its " + (prefix.length == 0 ? "sha256" : "git sha1") + " "
                            + meta.etag + " (got " + actual + "); the download was removed, run again");
        }
    }

    private URI resolveUri(String repo, String revision, String file) {
        StringBuilder path = new StringBuilder();
        for (String part : file.split("/")) {
            if (!path.isEmpty()) path.append('/');
            path.append(encode(part));
        }
        return URI.create(endpoint + "/" + repo + "/resolve/" + encode(revision) + "/" + path);
    }

    /**
     * Sends a request, following redirects: every one for GET, only those to the same host for HEAD (a HEAD's
     * cross-host redirect is the answer: it carries X-Linked-Etag and X-Linked-Size, as huggingface_hub reads them).
     * The token goes to the endpoint's host only.
     */
    private HttpResponse<InputStream> send(String method, URI uri, String range, boolean followAll) {
        for (int hop = 0; ; hop++) {
            HttpRequest.Builder b = HttpRequest.newBuilder(uri)
                    .method(method, HttpRequest.BodyPublishers.noBody())
                    .timeout(Duration.ofSeconds(60))
                    .header("User-Agent", "gpt2j/0.1 (huggingface_hub protocol)")
                    .header("Accept-Encoding", "identity");
            if (token != null && sameHost(uri, endpoint)) b.header("Authorization", "Bearer " + token);
            if (range != null) b.header("Range", range);
            HttpResponse<InputStream> r;
            try {
                r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (IOException e) {
                throw unreachable(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new HubException("interrupted while talking to " + uri.getHost());
            }
            URI next;
            try {
                next = redirect(uri, r.statusCode(), r.headers(), followAll, hop);
            } catch (HubException e) {
                closeQuietly(r);
                throw e;
            }
            if (next == null) return r;
            closeQuietly(r);
            uri = next;
        }
    }

    private static void closeQuietly(HttpResponse<InputStream> r) {
        try {
            r.body().close();
        } catch (IOException ignored) {
            // the redirect's body is of no interest
        }
    }

    /**
     * Where the answer at {@code uri} sends the request on, or null when it is the answer: not a redirect, or (unless
     * {@code followAll}) one to another host. {@code hop} redirects were followed before this one.
     */
    static URI redirect(URI uri, int status, HttpHeaders headers, boolean followAll, int hop) {
        String location = headers.firstValue("Location").orElse(null);
        if (!isRedirect(status) || location == null) return null;
        URI next;
        try {
            next = uri.resolve(new URI(location.strip()));
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw new HubException(uri + ": redirected to a malformed location " + printable(location));
        }
        if (!followAll && !sameHost(next, uri)) return null;
        if (hop >= MAX_REDIRECTS) throw new HubException(uri + ": more than " + MAX_REDIRECTS + " redirects");
        if (!"http".equals(next.getScheme()) && !"https".equals(next.getScheme()) || next.getHost() == null) {
            throw new HubException(uri + ": redirected to a non-HTTP location " + printable(location));
        }
        return next;
    }

    /** Text from a server, safe to print on one line: control characters dropped, at most 200 characters. */
    private static String printable(String s) {
        return s.codePoints()
                .limit(200)
                .filter(c -> c >= 0x20 && c != 0x7f)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append)
                .toString();
    }

    /** Refuses an answer that is not 2xx with what the hub's X-Error-Code says of it. */
    void check(int code, HttpHeaders headers, String repo, String revision, String file) {
        if (code >= 200 && code < 300) return;
        String error = headers.firstValue("X-Error-Code").orElse("");
        String what = file == null ? repo + "@" + revision : repo + "@" + revision + ": " + file;
        if (code == 401 || code == 403) {
            if (error.equals("GatedRepo")) {
                throw new HubException(repo + " is gated (" + code + "): accept its terms on the hub, then set HF_TOKEN"
                        + " to a token of that account" + (token != null ? " (the HF_TOKEN given has no access)" : ""));
            }
            throw new HubException(what + ": access denied (" + code
                    + "); the repository is private, gated or does not " + "exist"
                    + (token == null ? "; set HF_TOKEN to a token that can read it" : " for the HF_TOKEN given"));
        }
        if (code == 404) {
            throw new HubException(
                    switch (error) {
                        case "RepoNotFound" -> repo + ": no such model repository on " + endpoint + " (404)";
                        case "RevisionNotFound" -> repo + ": no revision " + revision + " (404)";
                        default ->
                            file == null
                                    ? repo + ": no such model or revision " + revision + " on " + endpoint + " (404)"
                                    : repo + ": no file " + file + " at revision " + revision + " (404)";
                    });
        }
        // A server error is the hub being down, as a refused connection is: the cache may answer instead.
        throw new HubException(
                what + ": " + endpoint.getHost() + " answered HTTP " + code
                        + headers.firstValue("X-Error-Message")
                                .map(m -> " (" + printable(m) + ")")
                                .orElse(""),
                code >= 500);
    }

    private HubException unreachable(IOException e) {
        return new HubException(
                "cannot reach " + endpoint + " (" + message(e) + "); models already in the cache run "
                        + "without it (HF_HUB_OFFLINE=1 skips the network)",
                true);
    }

    private static String message(IOException e) {
        String m = e.getMessage();
        if ((m == null || m.isBlank()) && e instanceof java.net.ConnectException) return "connection refused";
        return m == null || m.isBlank()
                ? e.getClass().getSimpleName()
                : m.strip().replaceAll("\\s*\\R\\s*", " ");
    }

    static String normalizeEtag(String etag) {
        String e = etag.strip();
        if (e.startsWith("W/")) e = e.substring(2);
        if (e.length() >= 2 && e.startsWith("\"") && e.endsWith("\"")) e = e.substring(1, e.length() - 1);
        return e;
    }

    private static long parseSize(String s) {
        try {
            long v = Long.parseLong(s.strip());
            return v >= 0 ? v : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static boolean isRedirect(int code) {
        return code == 301 || code == 302 || code == 303 || code == 307 || code == 308;
    }

    private static boolean sameHost(URI a, URI b) {
        return Objects.equals(a.getHost(), b.getHost())
                && a.getPort() == b.getPort()
                && Objects.equals(a.getScheme(), b.getScheme());
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
