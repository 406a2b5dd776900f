package gpt2j.cli.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs src/test/browser/attention-page.mjs: playwright-core (from npm, installed on first use into build-out/playwright,
 * which git ignores) driving Debian's Chromium at /usr/bin/chromium (CI installs it with .ci/chromium.sh). Neither is
 * optional: a missing browser or a failed install fails the test instead of skipping it.
 */
final class BrowserDriver {

    static final String PLAYWRIGHT = "playwright-core@1.65.2";
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path DIR =
            Path.of("..", "build-out", "playwright").toAbsolutePath().normalize();
    private static final Path SCRIPT =
            Path.of("src", "test", "browser", "attention-page.mjs").toAbsolutePath();

    private BrowserDriver() {}

    static synchronized void install() throws IOException, InterruptedException {
        assertTrue(
                Files.isExecutable(CHROMIUM),
                "/usr/bin/chromium is missing: install Debian's chromium (.ci/chromium.sh)");
        if (Files.isDirectory(DIR.resolve("node_modules").resolve("playwright-core"))) return;
        Files.createDirectories(DIR);
        Path log = DIR.resolve("npm-install.log");
        Process p = new ProcessBuilder(
                        "npm",
                        "install",
                        "--no-audit",
                        "--no-fund",
                        "--no-save",
                        "--prefix",
                        DIR.toString(),
                        PLAYWRIGHT)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("npm install " + PLAYWRIGHT + " took over 300 s");
        }
        assertEquals(0, p.exitValue(), "npm install " + PLAYWRIGHT + ": " + Files.readString(log));
    }

    /** Runs the script on {@code page} with {@code plan} (JSON) and returns what it printed, parsed. */
    static JsonNode run(Path page, String plan) throws Exception {
        install();
        Path out = Files.createTempFile("browser", ".json"), err = Files.createTempFile("browser", ".err");
        try {
            ProcessBuilder pb = new ProcessBuilder(List.of(
                            "node", SCRIPT.toString(), page.toAbsolutePath().toString(), plan))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            pb.environment().put("PLAYWRIGHT_DIR", DIR.toString());
            Process p = pb.start();
            if (!p.waitFor(240, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("the browser script ran over 240 s: " + Files.readString(err));
            }
            assertEquals(0, p.exitValue(), "browser script: " + Files.readString(err));
            return new ObjectMapper().readTree(Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
