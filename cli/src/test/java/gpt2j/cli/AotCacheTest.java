package gpt2j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.EncodingType;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's AOT cache, as a user meets it: the first start records it, later starts map it (the JVM's own class
 * loading log says where each class came from), and a cache that cannot be written or that the JDK refuses costs
 * nothing but speed. The JDK archives classes from jars only, so the classes Maven compiled are packed into one.
 */
class AotCacheTest {

    private static final String TEXT = "And it came to pass";

    @TempDir
    static Path shared;

    private static String classpath;

    @TempDir
    Path dir;

    @BeforeAll
    static void jar() throws IOException {
        Path jar = shared.resolve("gpt2j-classes.jar");
        List<String> entries = new ArrayList<>(List.of(jar.toString()));
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
                Path p = Path.of(e);
                if (!Files.isDirectory(p)) {
                    entries.add(e);
                } else if (!p.getFileName().toString().equals("test-classes")) {
                    add(p, out);
                }
            }
        }
        classpath = String.join(File.pathSeparator, entries);
    }

    private static void add(Path root, JarOutputStream out) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                String name = root.relativize(f).toString().replace(File.separatorChar, '/');
                if (!name.startsWith("META-INF/") && !name.equals("module-info.class")) { // one per module
                    out.putNextEntry(new JarEntry(name));
                    Files.copy(f, out);
                    out.closeEntry();
                }
            }
        }
    }

    private Cli gpt2j(Path cache, String... extraEnv) {
        // The recording runs the command under test itself (the full training is a few seconds of CPU, twice at
        // once here); the classes it archives are what the later starts are checked for.
        Map<String, String> env = new java.util.HashMap<>(Map.of(
                "GPT2J_CLASSPATH",
                classpath,
                "GPT2J_CACHE_DIR",
                cache.toString(),
                "GPT2J_AOT_TRAINING",
                "tokenize --json hello"));
        for (int i = 0; i < extraEnv.length; i += 2) {
            env.put(extraEnv[i], extraEnv[i + 1]);
        }
        return Launcher.run(dir, env, null, "tokenize", "--json", TEXT);
    }

    private static void assertTokenized(Cli r) {
        assertEquals(0, r.code(), r.err());
        int[] expected = Encodings.newDefaultEncodingRegistry()
                .getEncoding(EncodingType.R50K_BASE)
                .encodeOrdinary(TEXT)
                .toArray();
        assertArrayEquals(expected, Fixtures.ints(Fixtures.parse(r.out())));
    }

    private static List<Path> caches(Path cache) throws IOException {
        try (Stream<Path> s = Files.list(cache)) {
            return s.sorted().toList();
        }
    }

    /** Where the JVM loaded the CLI's main class from, per -Xlog:class+load. */
    private String mainClassSource(Path cache) throws IOException {
        Path log = dir.resolve("classes-" + System.nanoTime() + ".log");
        assertTokenized(gpt2j(cache, "GPT2J_JAVA_OPTS", "-Xlog:class+load=info:file=" + log));
        return Files.readAllLines(log).stream()
                .filter(l -> l.contains(" gpt2j.cli.Main "))
                .findFirst()
                .orElseThrow(() -> new AssertionError("gpt2j.cli.Main not in the class loading log"));
    }

    /** One story, as recording the cache is the costly part. */
    @Test
    void firstStartsRecordTheCacheLaterStartsMapItAndABadOneCostsOnlySpeed() throws IOException {
        Path cache = dir.resolve("cache");
        CompletableFuture<Cli> other = CompletableFuture.supplyAsync(() -> gpt2j(cache));
        Cli first = gpt2j(cache);
        Cli second = other.join();
        for (Cli r : List.of(first, second)) { // two first uses at once: both record, the last rename wins
            assertTokenized(r);
            assertTrue(r.err().startsWith("gpt2j: recording the start-up cache"), r.err());
        }
        List<Path> files = caches(cache);
        assertEquals(1, files.size(), files.toString()); // no temporary files left, no failure marker
        assertTrue(files.get(0).getFileName().toString().matches("gpt2j-[0-9-]+\\.aot"), files.toString());

        Cli later = gpt2j(cache);
        assertTokenized(later);
        assertEquals("", later.err());
        assertTrue(mainClassSource(cache).contains("source: shared objects file"), "not from the cache");

        try (OutputStream o = Files.newOutputStream(files.get(0))) {
            o.write(new byte[4096]); // damaged: the JDK refuses it and starts as without one, in silence
        }
        Cli damaged = gpt2j(cache);
        assertTokenized(damaged);
        assertEquals("", damaged.err());
        assertFalse(mainClassSource(cache).contains("shared objects file"));
    }

    @Test
    void aCacheOlderThanTheJarsIsRecordedAgainInItsPlace() throws IOException {
        Path cache = dir.resolve("cache");
        assertTrue(gpt2j(cache).err().startsWith("gpt2j: recording the start-up cache"));
        Path recorded = caches(cache).get(0);
        // As after a rebuild: the jars are newer than the cache (the JDK itself would also refuse it).
        FileTime hourAgo = FileTime.from(Instant.now().minusSeconds(3600));
        Files.setLastModifiedTime(recorded, hourAgo);
        Cli again = gpt2j(cache);
        assertTokenized(again);
        assertTrue(again.err().startsWith("gpt2j: recording the start-up cache"), again.err());
        assertEquals(List.of(recorded), caches(cache));
        assertTrue(Files.getLastModifiedTime(recorded).compareTo(hourAgo) > 0);
        assertEquals("", gpt2j(cache).err());
    }

    @Test
    void aCacheDirectoryThatCannotBeMadeOnlyMeansNoCache() throws IOException {
        Path notADirectory = Files.writeString(dir.resolve("file"), "x");
        Cli r = gpt2j(notADirectory.resolve("cache"));
        assertTokenized(r);
        assertEquals("", r.err());
        Cli off = gpt2j(dir.resolve("cache"), "GPT2J_AOT", "0");
        assertTokenized(off);
        assertFalse(Files.exists(dir.resolve("cache")));
    }
}
