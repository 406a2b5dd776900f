package gpt2j.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real launcher ({@code ./gpt2j}) as a child process, on the classes Maven compiled (GPT2J_CLASSPATH) instead
 * of the jar, which the test phase has not built yet. Same JVM flags, same stream handling as a user gets.
 */
final class Launcher {

    static final Path SCRIPT = Path.of("..", "gpt2j").toAbsolutePath().normalize();

    private Launcher() {}

    /** stdin is /dev/null, as when run from a terminal-less script that gives it nothing. */
    static Cli run(Path dir, String... args) {
        return run(dir, null, args);
    }

    /** {@code stdin} null: /dev/null; else piped and closed after it is written. */
    static Cli run(Path dir, byte[] stdin, String... args) {
        return run(dir, Map.of(), stdin, args);
    }

    /** With {@code env} added to the environment (after the launcher's own variables are cleared). */
    static Cli run(Path dir, Map<String, String> env, byte[] stdin, String... args) {
        List<String> command = new ArrayList<>(List.of("bash", SCRIPT.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("GPT2J_CLASSPATH", System.getProperty("java.class.path"));
        pb.environment().remove("GPT2J_JAVA_OPTS");
        pb.environment().remove("GPT2J_DEBUG");
        pb.environment().putAll(env);
        if (stdin == null) {
            pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        }
        try {
            Process p = pb.start();
            CompletableFuture<byte[]> out = read(p.getInputStream());
            CompletableFuture<byte[]> err = read(p.getErrorStream());
            if (stdin != null) {
                try (OutputStream o = p.getOutputStream()) {
                    o.write(stdin);
                }
            }
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("gpt2j " + String.join(" ", args) + " did not finish in 120 s");
            }
            return new Cli(
                    p.exitValue(),
                    new String(out.join(), StandardCharsets.UTF_8),
                    new String(err.join(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Drains a stream on its own thread (the common pool may have one thread: stdout and stderr must not queue). */
    private static CompletableFuture<byte[]> read(InputStream in) {
        CompletableFuture<byte[]> f = new CompletableFuture<>();
        Thread.ofPlatform().daemon().start(() -> {
            try (in) {
                f.complete(in.readAllBytes());
            } catch (IOException e) {
                f.completeExceptionally(e);
            }
        });
        return f;
    }
}
