package gpt2j.weights;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Files for the fuzz tests: the readers take paths, so each input is written to a file in one directory per JVM
 * (a fresh temp file per execution would cost more than the parse). Deleted when the JVM exits.
 */
final class FuzzFiles {

    private static final Path DIR;

    static {
        try {
            // tmpfs where there is one: every execution writes its input to a file
            Path shm = Path.of("/dev/shm");
            DIR = Files.isDirectory(shm) && Files.isWritable(shm)
                    ? Files.createTempDirectory(shm, "gpt2j-fuzz")
                    : Files.createTempDirectory("gpt2j-fuzz");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try (Stream<Path> s = Files.walk(DIR)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // best effort: it is a temp directory
            }
        }));
    }

    private FuzzFiles() {}

    /** A directory of its own for one target (so targets in one JVM never share files). */
    static Path dir(String target) {
        try {
            return Files.createDirectories(DIR.resolve(target));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path write(Path file, byte[] bytes) {
        try {
            return Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] resource(String name) {
        try (var in = FuzzFiles.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("missing test resource " + name);
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
