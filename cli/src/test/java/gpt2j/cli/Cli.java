package gpt2j.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Runs the CLI in-process with captured streams. */
record Cli(int code, String out, String err) {

    /** stdin as a terminal: read only when an option says '-'. */
    static Cli run(String... args) {
        return run(System.getenv(), null, args);
    }

    /** stdin piped, holding these bytes. */
    static Cli runWithInput(byte[] stdin, String... args) {
        return run(System.getenv(), stdin, args);
    }

    /** Runs with {@code env} in place of the process's environment (HF_HOME, HF_ENDPOINT, ...); stdin as a terminal. */
    static Cli runWithEnv(Map<String, String> env, String... args) {
        return run(env, null, args);
    }

    private static Cli run(Map<String, String> env, byte[] stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, false, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = Main.run(
                    args,
                    stdin == null ? InputStream.nullInputStream() : new ByteArrayInputStream(stdin),
                    stdin != null,
                    o,
                    e,
                    env);
        }
        return new Cli(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** The failure contract: non-zero exit, the error as the first stderr line, no stack trace. */
    String failureLine() {
        if (code == 0) {
            throw new AssertionError("expected failure, got exit 0; stdout: " + out + " stderr: " + err);
        }
        if (err.contains("\tat ") || err.contains("Exception in thread")) {
            throw new AssertionError("stack trace on stderr:\n" + err);
        }
        String first = err.lines().findFirst().orElseThrow(() -> new AssertionError("nothing on stderr"));
        if (!first.startsWith("gpt2j: ")) {
            throw new AssertionError("error line does not start with 'gpt2j: ': " + first);
        }
        return first;
    }

    /** Runtime failures: exit 1 and exactly one line on stderr. */
    String oneLineFailure() {
        String line = failureLine();
        if (code != 1 || err.lines().count() != 1) {
            throw new AssertionError("expected exit 1 and one stderr line, got exit " + code + ":\n" + err);
        }
        return line;
    }
}
