package gpt2j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import gpt2j.weights.GgufFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} in the middle of {@code gpt2j quantize}, through the real launcher: the file it was replacing stays
 * intact, nothing half-written lies where a later run would read it (only a hidden {@code .NAME.PID-HEX.tmp}), and the
 * next quantize of the same output removes that leftover.
 */
class QuantizeKillTest {

    @TempDir
    Path dir;

    @Test
    void killedMidWriteLeavesTheOldFileAndNoHalfFile() throws Exception {
        Path out = dir.resolve("model.gguf");
        byte[] old =
                "the model a user already has; a killed quantize must not touch it".getBytes(StandardCharsets.UTF_8);
        Files.write(out, old);
        Path partial = null;
        for (int attempt = 0; attempt < 3 && partial == null; attempt++) {
            Process p = start("quantize", "--type", "q4_k_m", "-o", out.toString());
            partial = awaitPartial(p);
            if (partial == null) {
                // it finished (or failed) before a byte of it was seen on disk: start over from the old file
                p.waitFor();
                Files.write(out, old);
                continue;
            }
            p.destroyForcibly(); // SIGKILL: no shutdown hook, no finally block runs
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            assertEquals(137, p.exitValue(), "killed by SIGKILL");
        }
        if (partial == null) fail("quantize never got killed mid-write in 3 tries");
        assertArrayEquals(old, Files.readAllBytes(out), "the old output is intact");
        List<Path> left = others(out);
        assertEquals(List.of(partial), left, "the only other file is the killed writer's temp file");
        assertTrue(
                partial.getFileName().toString().matches("\\.model\\.gguf\\.[0-9]+-[0-9a-f]+\\.tmp"),
                partial.toString());

        Cli again = Launcher.run(dir, "quantize", "--type", "q8_0", "-o", out.toString());
        assertEquals(0, again.code(), again.err());
        assertEquals(List.of(), others(out), "the next write removed the dead writer's leftover");
        try (GgufFile f = GgufFile.open(out)) {
            assertTrue(f.tensorInfos().size() > 10, "a complete model replaced the old file");
        }
    }

    /** The launcher on Maven's classes, as Launcher.run starts it, without waiting for it. */
    private Process start(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("bash", Launcher.SCRIPT.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("GPT2J_CLASSPATH", System.getProperty("java.class.path"));
        pb.environment().remove("GPT2J_JAVA_OPTS");
        return pb.start();
    }

    /** Polls until a temp file beside the output holds bytes (the writer is mid-way), or null when the process ends. */
    private Path awaitPartial(Process p) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (p.isAlive() && System.nanoTime() < deadline) {
            try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, ".model.gguf.*.tmp")) {
                for (Path t : s) {
                    try {
                        if (Files.size(t) > 0) return t;
                    } catch (java.nio.file.NoSuchFileException renamedMeanwhile) {
                        // it was complete and renamed: too late for this try
                    }
                }
            }
            Thread.sleep(1);
        }
        return null;
    }

    private List<Path> others(Path out) throws IOException {
        List<Path> found = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path p : s) if (!p.equals(out)) found.add(p);
        }
        return found;
    }
}
