package gpt2j.testhub;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A loopback imitation of the Hugging Face hub, written from the protocol huggingface_hub speaks (file_download.py):
 * {@code GET /api/models/{repo}/revision/{rev}} with {@code sha} and {@code siblings}; {@code HEAD/GET
 * /{repo}/resolve/{rev}/{file}} answering small (git) files itself with {@code ETag} = git blob sha1 and
 * {@code X-Repo-Commit}, and LFS files with a 302 to a second loopback server (the "CDN") carrying
 * {@code X-Linked-Etag} (sha256) and {@code X-Linked-Size}; the CDN honours {@code Range}. Faults on demand: a gated
 * repository (401 GatedRepo without the token), unknown repositories and files (404 with X-Error-Code), bytes that
 * do not match their sha256, a connection cut halfway through a body, and a legacy id redirected relatively.
 */
public final class FakeHub implements AutoCloseable {

    /** One repository at one commit: its files, which of them are LFS, and the token it needs (null: public). */
    public record Repo(String commit, Map<String, byte[]> files, Set<String> lfs, String token) {}

    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-(\\d*)");

    private final HttpServer hub;
    private final HttpServer cdn;
    private final Map<String, Repo> repos = new ConcurrentHashMap<>();
    private final Map<String, String> aliases = new ConcurrentHashMap<>();
    private final Map<String, byte[]> blobs = new ConcurrentHashMap<>();
    private final Set<String> corrupt = ConcurrentHashMap.newKeySet();
    private final Set<String> cutOnce = ConcurrentHashMap.newKeySet();
    private volatile int failWith;
    /** Every request, in order: "HUB|CDN METHOD path range=... auth=...". */
    public final List<String> log = Collections.synchronizedList(new ArrayList<>());

    public FakeHub() {
        try {
            InetAddress loopback = InetAddress.getLoopbackAddress();
            hub = HttpServer.create(new InetSocketAddress(loopback, 0), 0);
            cdn = HttpServer.create(new InetSocketAddress(loopback, 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        hub.createContext("/", this::hub);
        cdn.createContext("/", this::cdn);
        hub.start();
        cdn.start();
    }

    public String url() {
        return "http://127.0.0.1:" + hub.getAddress().getPort();
    }

    public String cdnUrl() {
        return "http://127.0.0.1:" + cdn.getAddress().getPort();
    }

    /** Adds {@code repo}; files larger than 1 KiB or ending in .safetensors/.bin/.gguf are LFS, as on the hub. */
    public Repo add(String repo, String commit, Map<String, byte[]> files, String token) {
        Set<String> lfs = ConcurrentHashMap.newKeySet();
        files.forEach((name, bytes) -> {
            if (bytes.length > 1024 || name.matches(".*\\.(safetensors|bin|gguf)")) {
                lfs.add(name);
                blobs.put(sha256(bytes), bytes);
            }
        });
        Repo r = new Repo(commit, new LinkedHashMap<>(files), lfs, token);
        repos.put(repo, r);
        return r;
    }

    /** {@code legacy} (e.g. gpt2) redirects to {@code repo}, as the hub does for the old top-level ids. */
    public void alias(String legacy, String repo) {
        aliases.put(legacy, repo);
    }

    /** The CDN sends other bytes (same length) for this content. */
    public void corrupt(byte[] content) {
        corrupt.add(sha256(content));
    }

    /** The CDN's next GET for this content sends half of what it promised, then drops the connection. */
    public void cutNextDownload(byte[] content) {
        cutOnce.add(sha256(content));
    }

    /** The hub answers every request with {@code status} (0: as usual), as a hub in trouble does with 5xx. */
    public void failWith(int status) {
        failWith = status;
    }

    public void heal() {
        corrupt.clear();
        cutOnce.clear();
    }

    public List<String> cdnGets() {
        synchronized (log) {
            return log.stream().filter(l -> l.startsWith("CDN GET")).toList();
        }
    }

    private void record(String who, HttpExchange ex) {
        log.add(who + " " + ex.getRequestMethod() + " " + ex.getRequestURI().getRawPath()
                + " range=" + ex.getRequestHeaders().getFirst("Range")
                + " auth=" + ex.getRequestHeaders().getFirst("Authorization"));
    }

    private void hub(HttpExchange ex) throws IOException {
        try (ex) {
            record("HUB", ex);
            if (failWith != 0) {
                send(ex, failWith, null, null);
                return;
            }
            String path = ex.getRequestURI().getRawPath();
            if (path.startsWith("/api/models/")) {
                api(ex, path.substring("/api/models/".length()));
                return;
            }
            int at = path.indexOf("/resolve/");
            if (at < 0) {
                send(ex, 404, "RepoNotFound", null);
                return;
            }
            String repo = path.substring(1, at);
            String[] rest = path.substring(at + "/resolve/".length()).split("/", 2);
            if (aliases.containsKey(repo)) {
                ex.getResponseHeaders()
                        .set("Location", "/" + aliases.get(repo) + "/resolve/" + rest[0] + "/" + rest[1]);
                send(ex, 307, null, null);
                return;
            }
            Repo r = repos.get(repo);
            if (r == null) {
                send(ex, 404, "RepoNotFound", null);
                return;
            }
            if (!authorized(ex, r)) return;
            String revision = decode(rest[0]);
            if (!revision.equals("main") && !revision.equals(r.commit)) {
                send(ex, 404, "RevisionNotFound", null);
                return;
            }
            String file = decode(rest[1]);
            byte[] bytes = r.files.get(file);
            if (bytes == null) {
                send(ex, 404, "EntryNotFound", null);
                return;
            }
            var h = ex.getResponseHeaders();
            h.set("X-Repo-Commit", r.commit);
            if (r.lfs.contains(file)) {
                String sha = sha256(bytes);
                h.set("X-Linked-Etag", "\"" + sha + "\"");
                h.set("X-Linked-Size", String.valueOf(bytes.length));
                h.set("ETag", "W/\"not-the-content-hash\"");
                h.set("Location", cdnUrl() + "/repos/ab/cd/" + sha + "?X-Amz-Signature=fake");
                send(ex, 302, null, null);
            } else {
                h.set("ETag", "\"" + gitSha1(bytes) + "\"");
                serve(ex, bytes, false);
            }
        }
    }

    private void api(HttpExchange ex, String rest) throws IOException {
        int at = rest.indexOf("/revision/");
        String repo = rest.substring(0, at);
        String revision = decode(rest.substring(at + "/revision/".length()));
        if (aliases.containsKey(repo)) {
            ex.getResponseHeaders().set("Location", "/api/models/" + aliases.get(repo) + "/revision/" + revision);
            send(ex, 307, null, null);
            return;
        }
        Repo r = repos.get(repo);
        if (r == null) {
            send(ex, 404, "RepoNotFound", null);
            return;
        }
        if (!authorized(ex, r)) return;
        if (!revision.equals("main") && !revision.equals(r.commit)) {
            send(ex, 404, "RevisionNotFound", null);
            return;
        }
        StringBuilder json = new StringBuilder("{\"id\":\"" + repo + "\",\"sha\":\"" + r.commit + "\",\"siblings\":[");
        String sep = "";
        for (String f : r.files.keySet()) {
            json.append(sep).append("{\"rfilename\":\"").append(f).append("\"}");
            sep = ",";
        }
        ex.getResponseHeaders().set("Content-Type", "application/json");
        send(ex, 200, null, json.append("]}").toString().getBytes(StandardCharsets.UTF_8));
    }

    private static boolean authorized(HttpExchange ex, Repo r) throws IOException {
        if (r.token == null
                || ("Bearer " + r.token).equals(ex.getRequestHeaders().getFirst("Authorization"))) return true;
        send(ex, 401, "GatedRepo", null);
        return false;
    }

    private void cdn(HttpExchange ex) throws IOException {
        try (ex) {
            record("CDN", ex);
            String path = ex.getRequestURI().getRawPath();
            String sha = path.substring(path.lastIndexOf('/') + 1);
            byte[] bytes = blobs.get(sha);
            if (bytes == null) {
                send(ex, 404, null, null);
                return;
            }
            if (corrupt.contains(sha)) {
                bytes = bytes.clone();
                bytes[bytes.length / 2] ^= 0x55;
            }
            ex.getResponseHeaders().set("ETag", "\"" + sha + "\"");
            serve(ex, bytes, cutOnce.remove(sha));
        }
    }

    /** A body with Range support ("bytes=a-" and "bytes=a-b"); {@code cut} sends half of it, then drops the connection. */
    private static void serve(HttpExchange ex, byte[] bytes, boolean cut) throws IOException {
        int from = 0;
        int to = bytes.length - 1;
        String range = ex.getRequestHeaders().getFirst("Range");
        Matcher m = range == null ? null : RANGE.matcher(range);
        boolean partial = m != null && m.matches();
        if (partial) {
            from = Integer.parseInt(m.group(1));
            if (!m.group(2).isEmpty()) to = Math.min(to, Integer.parseInt(m.group(2)));
            if (from > to) {
                ex.getResponseHeaders().set("Content-Range", "bytes */" + bytes.length);
                send(ex, 416, null, null);
                return;
            }
            ex.getResponseHeaders().set("Content-Range", "bytes " + from + "-" + to + "/" + bytes.length);
        }
        int length = to - from + 1;
        if (ex.getRequestMethod().equals("HEAD")) {
            ex.getResponseHeaders()
                    .set("Content-Length", String.valueOf(length)); // the JDK server leaves a HEAD's to us
            send(ex, partial ? 206 : 200, null, null);
            return;
        }
        ex.sendResponseHeaders(partial ? 206 : 200, length == 0 ? -1 : length);
        OutputStream out = ex.getResponseBody();
        if (cut) {
            out.write(bytes, from, length / 2);
            out.flush();
            return; // closing with bytes missing makes the server drop the connection
        }
        out.write(bytes, from, length);
    }

    private static void send(HttpExchange ex, int code, String errorCode, byte[] body) throws IOException {
        if (errorCode != null) ex.getResponseHeaders().set("X-Error-Code", errorCode);
        ex.sendResponseHeaders(code, body == null ? -1 : body.length);
        if (body != null) ex.getResponseBody().write(body);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    public static String sha256(byte[] bytes) {
        return hex("SHA-256", new byte[0], bytes);
    }

    /** The git blob id of {@code bytes}: sha1 of "blob {length}\0" then the bytes. */
    public static String gitSha1(byte[] bytes) {
        return hex("SHA-1", ("blob " + bytes.length + "\0").getBytes(StandardCharsets.US_ASCII), bytes);
    }

    private static String hex(String algorithm, byte[] prefix, byte[] bytes) {
        try {
            MessageDigest d = MessageDigest.getInstance(algorithm);
            d.update(prefix);
            return HexFormat.of().formatHex(d.digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        hub.stop(0);
        cdn.stop(0);
    }
}
