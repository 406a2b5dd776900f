package gpt2j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a user reads: tokenize --show, info, progress, quantize's explanation, usage errors, --help, completion. */
class CliSurfaceTest {

    private static final Encoding R50K = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.R50K_BASE);
    private static final Path MODEL = Path.of("model", "default.gguf");

    @TempDir
    Path dir;

    @Test
    void eachSubcommandIsNamedAsItsAnnotationSaysAndEveryCommandClassIsListed() throws IOException {
        for (var e : Main.SUBCOMMANDS.entrySet()) {
            assertEquals(
                    e.getValue()
                            .getAnnotation(picocli.CommandLine.Command.class)
                            .name(),
                    e.getKey());
        }
        try (var files = Files.list(Path.of("src/main/java/gpt2j/cli"))) {
            List<String> commands = files.map(f -> f.getFileName().toString())
                    .filter(f -> f.endsWith("Command.java"))
                    .map(f -> f.substring(0, f.length() - ".java".length()))
                    .sorted()
                    .toList();
            List<String> listed = Main.SUBCOMMANDS.values().stream()
                    .map(Class::getSimpleName)
                    .sorted()
                    .toList();
            assertEquals(commands, listed);
        }
    }

    @Test
    void tokenizeShowPairsJtokkitsIdsWithTheirText() {
        String text = "Hello 👍🏽";
        int[] ids = R50K.encodeOrdinary(text).toArray();
        Cli r = Cli.run("tokenize", "--show", text);
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(ids.length, lines.size(), r.out());
        for (int i = 0; i < ids.length; i++) {
            IntArrayList one = new IntArrayList();
            one.add(ids[i]);
            byte[] bytes = R50K.decodeBytes(one);
            String decoded = new String(bytes, StandardCharsets.UTF_8);
            // jtokkit's bytes: a whole-character token shows as its text; in one holding a piece of a character (this
            // text has ASCII and emoji only), ASCII stays text and the other bytes show as <0xNN>
            StringBuilder expected = new StringBuilder();
            if (decoded.contains("\uFFFD")) {
                for (byte b : bytes) {
                    expected.append(b >= 0 ? String.valueOf((char) b) : String.format("<0x%02X>", b & 0xFF));
                }
            } else {
                expected.append(decoded);
            }
            assertEquals(ids[i] + " -> '" + expected + "'", lines.get(i));
        }
        assertEquals(
                ids.length,
                Cli.run("tokenize", text)
                        .out()
                        .lines()
                        .filter(l -> l.matches("\\d+"))
                        .count());
    }

    @Test
    void infoListsTypesPlainly() {
        Cli r = Cli.run("info", "-m", MODEL.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().lines().noneMatch(l -> l.contains("[")), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("matrix types: +[A-Z0-9_]+(, [A-Z0-9_]+)*")), r.out());
    }

    @Test
    void quantizeSaysWhatItWritesAndWhyItIsLarger() throws IOException {
        Path out = dir.resolve("q8.gguf");
        Cli r = Cli.run("quantize", "-m", MODEL.toString(), "--type", "q8_0", "-o", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("llama-quantize's q8_0 preset"), r.err());
        // The plan, said before writing, against the file as the reader sees it afterwards: its types and its size.
        Matcher stored = Pattern.compile("^stored types: +(.*)$", Pattern.MULTILINE)
                .matcher(Cli.run("info", "-m", out.toString()).out());
        assertTrue(stored.find());
        assertTrue(
                r.err()
                        .lines()
                        .findFirst()
                        .orElseThrow()
                        .contains(" -> " + out + " (" + stored.group(1) + ", " + Units.bytes(Files.size(out)) + "): "),
                r.err());
        assertTrue(r.err().contains("written again as output.weight"), r.err());
        assertTrue(r.err().contains("larger than the source because of the second copy of the tied head"), r.err());
        assertEquals(2, r.err().lines().count(), r.err()); // the plan and the result, no line per tensor
        Path omitted = dir.resolve("q8-omitted.gguf");
        Cli o = Cli.run(
                "quantize", "-m", MODEL.toString(), "--type", "q8_0", "-o", omitted.toString(), "--omit-tied-output");
        assertEquals(0, o.code(), o.err());
        assertTrue(!o.err().contains("larger than the source"), o.err());
    }

    @Test
    void usageErrorsAreOneLineAndAPointerToHelp() {
        Cli r = Cli.run("generate", "--temprature", "1");
        assertEquals(2, r.code());
        List<String> lines = r.err().lines().toList();
        assertEquals(2, lines.size(), r.err());
        assertTrue(lines.get(0).startsWith("gpt2j: Unknown option"), r.err());
        assertTrue(lines.get(0).contains("did you mean --temperature"), r.err());
        assertEquals("Try 'gpt2j generate --help' for more information.", lines.get(1));
    }

    @Test
    void everyHelpIsAManPage() {
        for (String c : new String[] {
            "generate",
            "perplexity",
            "tokenize",
            "detokenize",
            "info",
            "quantize",
            "bench",
            "attention",
            "serve",
            "completion"
        }) {
            Cli r = Cli.run(c, "--help");
            assertEquals(0, r.code(), c);
            for (String heading : new String[] {"Usage: gpt2j " + c, "Description:", "Options:", "Exit status:"}) {
                assertTrue(r.out().contains(heading), c + " --help lacks " + heading + ":\n" + r.out());
            }
            assertTrue(r.out().lines().allMatch(l -> l.length() <= 100), c + ":\n" + r.out());
        }
    }

    @Test
    void bashCompletionCompletesCommandsAndOptions() throws IOException, InterruptedException {
        Cli r = Cli.run("completion", "bash");
        assertEquals(0, r.code(), r.err());
        Path script = dir.resolve("gpt2j-completion.bash");
        Files.writeString(script, r.out());
        assertEquals("generate", complete(script, "gpt2j", "gen"));
        assertEquals("--ctx-size", complete(script, "gpt2j", "generate", "--ctx"));
        assertEquals(2, Cli.run("completion", "fish").code());
    }

    @Test
    void completionLoadsInBashAndZshThroughTheLauncher() throws IOException, InterruptedException {
        // What a user types: load the script into the running shell, then the shell completes "gpt2j quantize --type ".
        // zsh runs the bash function through bashcompinit, which turns ksharrays on and leaves prefix filtering to zsh.
        String bash = "source <(bash \"$GPT2J\" completion bash) || exit 1; complete -p gpt2j; compopt() { :; }; "
                + "COMP_WORDS=(gpt2j quantize --type q4_k); COMP_CWORD=3; _complete_gpt2j; printf '%s\\n' \"${COMPREPLY[@]}\"";
        assertEquals(List.of("complete -o default -F _complete_gpt2j gpt2j", "q4_k_s", "q4_k_m"), shell("bash", bash));
        String zsh =
                "source <(bash \"$GPT2J\" completion zsh) || exit 1; print -r -- ${_comps[gpt2j]}; setopt ksharrays; "
                        + "COMP_WORDS=(gpt2j quantize --type ''); COMP_CWORD=3; _complete_gpt2j 2>/dev/null; "
                        + "print -rl -- \"${COMPREPLY[@]}\"";
        List<String> z = shell("zsh", zsh);
        assertEquals("_bash_complete -F _complete_gpt2j -o default", z.getFirst(), z.toString());
        assertTrue(
                z.contains("q4_k_m") && z.contains("q8_0") && z.contains("iq4_xs") && !z.contains("generate"),
                z.toString());
    }

    /** Runs {@code command} in {@code shell} with $GPT2J the launcher (on Maven's classes); its output lines. */
    private List<String> shell(String shell, String command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(shell, "-c", command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().put("GPT2J", Launcher.SCRIPT.toString());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("GPT2J_CLASSPATH", System.getProperty("java.class.path"));
        pb.environment().put("ZDOTDIR", dir.toString()); // compinit's .zcompdump goes here, not into $HOME
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new AssertionError(
                    shell + " is not installed (apt-get install " + shell + "; CI's .ci/chromium.sh " + "installs it): "
                            + e.getMessage(),
                    e);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), shell + ":\n" + out);
        return out.lines().toList();
    }

    /** Runs the script's completion function in bash as the shell would for the words typed so far. */
    private String complete(Path script, String... words) throws IOException, InterruptedException {
        String command = String.format(
                Locale.ROOT,
                "source %s; compopt() { :; }; COMP_WORDS=(%s); COMP_CWORD=%d; COMP_LINE='%s'; "
                        + "COMP_POINT=${#COMP_LINE}; _complete_gpt2j; printf '%%s\\n' \"${COMPREPLY[@]}\"",
                script,
                String.join(" ", words),
                words.length - 1,
                String.join(" ", words));
        Process p = new ProcessBuilder("bash", "-c", command)
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        return out;
    }

    @Test
    void verboseBreaksTheTimingsDown() {
        Cli r = Cli.run(
                "generate",
                "-m",
                MODEL.toString(),
                "-p",
                "And it came to pass",
                "-n",
                "8",
                "--temp",
                "0",
                "-t",
                "1",
                "-v");
        assertEquals(0, r.code(), r.err());
        double sum = 0;
        for (String phase : new String[] {"model load", "prompt", "other"}) {
            Matcher m = Pattern.compile("^  " + phase + " +([0-9.]+) ms", Pattern.MULTILINE)
                    .matcher(r.err());
            assertTrue(m.find(), phase + " missing:\n" + r.err());
            sum += Double.parseDouble(m.group(1));
        }
        Matcher first = Pattern.compile("^  first token +([0-9.]+) ms", Pattern.MULTILINE)
                .matcher(r.err());
        assertTrue(first.find(), r.err());
        assertEquals(sum, Double.parseDouble(first.group(1)), 0.3);
        assertTrue(r.err().contains("  rest ") && r.err().contains("7 tokens"), r.err());
        JsonNode json = Fixtures.parse(Cli.run(
                        "generate",
                        "-m",
                        MODEL.toString(),
                        "-p",
                        "And it came to pass",
                        "-n",
                        "4",
                        "--temp",
                        "0",
                        "--json")
                .out());
        assertEquals(3, json.get("timings").get("rest_tokens").asInt());
        assertTrue(json.get("timings").get("startup_ms").isNull()); // in-process: main never ran
    }
}
