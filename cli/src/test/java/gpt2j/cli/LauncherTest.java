package gpt2j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI as a user runs it: the launcher script as a child process, with real pipes, files and exit codes. Prompt
 * ids are checked against jtokkit's r50k_base (GPT-2's encoding), not against gpt2j's own tokenizer.
 */
class LauncherTest {

    private static final Encoding R50K = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.R50K_BASE);

    @TempDir
    Path dir;

    private static int[] r50k(String text) {
        return R50K.encodeOrdinary(text).toArray();
    }

    private static JsonNode json(Cli r) {
        assertEquals(0, r.code(), r.err());
        return Fixtures.parse(r.out());
    }

    @Test
    void pipedStdinIsThePromptWhenNoneIsGivenAndDashReadsIt() {
        String prompt = "In the beginning\n"; // echo's newline is part of the prompt: bytes exactly as given
        byte[] bytes = prompt.getBytes(StandardCharsets.UTF_8);
        Cli piped = Launcher.run(dir, bytes, "generate", "-n", "1", "--temp", "0", "--json");
        assertArrayEquals(r50k(prompt), Fixtures.ints(json(piped).get("prompt_tokens")));
        Cli dash = Launcher.run(dir, bytes, "generate", "-f", "-", "-n", "1", "--temp", "0", "--json");
        assertArrayEquals(r50k(prompt), Fixtures.ints(json(dash).get("prompt_tokens")));
    }

    @Test
    void atNamesArePassedLiterallyAndNoJvmWarningIsShown() throws IOException {
        Files.writeString(dir.resolve("jack"), "All work and no play");
        Cli t = Launcher.run(dir, "tokenize", "--json", "@jack");
        assertArrayEquals(r50k("@jack"), Fixtures.ints(json(t)));
        assertEquals("", t.err()); // not even "WARNING: Using incubator modules: jdk.incubator.vector"
    }

    @Test
    void minusOneGeneratesUntilTheContextIsFullAndTimingsCountFromTheProcessStart() {
        String prompt = "And it came to pass"; // the embedded model's context is 256 tokens
        long before = System.nanoTime();
        Cli r = Launcher.run(dir, "generate", "-p", prompt, "-n", "-1", "--temp", "0", "--json");
        double wallMillis = (System.nanoTime() - before) / 1e6;
        JsonNode full = json(r);
        assertEquals("context_full", full.get("stop_reason").asText());
        assertEquals(256, r50k(prompt).length + full.get("tokens").size());
        // The process's own clock against the test's: start-up and the first token fit inside the child's lifetime.
        JsonNode t = full.get("timings");
        double startUp = t.get("startup_ms").asDouble();
        double first = t.get("time_to_first_token_ms").asDouble();
        assertTrue(startUp > 0 && startUp < first && first < wallMillis + 20, t + " wall " + wallMillis);
        assertTrue(
                first
                        > startUp
                                + t.get("load_ms").asDouble()
                                + t.get("prompt_ms").asDouble()
                                - 20,
                t.toString());
        assertEquals(255 - r50k(prompt).length, t.get("rest_tokens").asInt());
        assertTrue(r.err().startsWith("gpt2j: " + full.get("tokens").size() + " tokens; first after "), r.err());
    }

    @Test
    void perplexityShowsProgressOnStderrAndOnlyTheResultOnStdout() throws IOException {
        Path text = dir.resolve("text.txt");
        Files.write(text, Arrays.copyOf(Files.readAllBytes(Path.of("model/kjv-heldout.txt")), 1200)); // ~290 tokens
        // Off a terminal a line at most every few seconds; 0 asks for one per chunk, so each one is seen.
        Cli r = Launcher.run(
                dir,
                Map.of("GPT2J_JAVA_OPTS", "-Dgpt2j.progress.seconds=0"),
                null,
                "perplexity",
                "-f",
                "text.txt",
                "-c",
                "128",
                "--json");
        assertEquals(0, r.code(), r.err());
        assertEquals(1, r.out().lines().count(), r.out());
        JsonNode result = json(r);
        int tokens = result.get("tokens").asInt();
        Matcher m = Pattern.compile("gpt2j: perplexity: (\\d+) of (\\d+) tokens \\(\\d+%\\).*, ppl (\\S+)\n")
                .matcher(r.err());
        List<Integer> counts = new ArrayList<>();
        while (m.find()) {
            counts.add(Integer.parseInt(m.group(1)));
            assertEquals(tokens, Integer.parseInt(m.group(2)));
        }
        // Three windows of 128 tokens, the first in two chunks; the last chunk's line is left to the result.
        assertTrue(counts.size() >= 3, r.err());
        for (int i = 1; i < counts.size(); i++) assertTrue(counts.get(i) > counts.get(i - 1), counts.toString());
        assertTrue(counts.getLast() < tokens, counts.toString());

        // On a terminal (as the launcher would say) one bar redrawn in place with \r, ending at the result.
        String last =
                String.format(Locale.ROOT, "%.4f", result.get("perplexity").asDouble());
        Cli bar = Launcher.run(
                dir,
                Map.of("GPT2J_JAVA_OPTS", "-Dgpt2j.stderr.terminal=true", "TERM", "xterm"),
                null,
                "perplexity",
                "-f",
                "text.txt",
                "-c",
                "128",
                "--json");
        assertEquals(0, bar.code(), bar.err());
        assertEquals(r.out(), bar.out());
        assertTrue(bar.err().contains("\r") && bar.err().contains(" " + tokens + "/" + tokens + " tokens"), bar.err());
        assertTrue(bar.err().contains(" ppl " + last), bar.err());
        assertFalse(bar.err().contains("gpt2j: perplexity: "), bar.err());
    }

    @Test
    void exitCodesAndOneLineErrors() {
        Cli usage = Launcher.run(dir, "generate", "--frobnicate");
        assertEquals(2, usage.code());
        assertEquals("gpt2j: Unknown option: '--frobnicate'", usage.failureLine());
        Cli missing = Launcher.run(dir, "perplexity", "-f", "no-such-file.txt");
        assertEquals("gpt2j: no such file: no-such-file.txt", missing.oneLineFailure());
    }
}
