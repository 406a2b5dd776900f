package gpt2j.cli;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The {@code gpt2j} root command. Subcommands reach the streams through {@code @ParentCommand Main}, so tests can run
 * the whole CLI in-process with {@link #run(String[], InputStream, PrintStream, PrintStream)}.
 */
@Command(name = "gpt2j", mixinStandardHelpOptions = true, version = "gpt2j 0.1.0",
        description = "GPT-2 inference on the CPU in pure Java.",
        subcommands = {GenerateCommand.class, PerplexityCommand.class, TokenizeCommand.class, DetokenizeCommand.class,
                InfoCommand.class, QuantizeCommand.class, BenchCommand.class, AttentionCommand.class, ServeCommand.class,
                PullCommand.class, ListCommand.class})
public final class Main implements Runnable {

    @Spec
    CommandSpec spec;

    private final InputStream in;
    private final PrintStream out;
    private final PrintStream err;
    private final Map<String, String> env;

    private Main(InputStream in, PrintStream out, PrintStream err, Map<String, String> env) {
        this.in = in;
        this.out = out;
        this.err = err;
        this.env = env;
    }

    InputStream in() {
        return in;
    }

    /** stdout: text and JSON only. */
    PrintStream out() {
        return out;
    }

    /** stderr: progress and statistics. */
    PrintStream err() {
        return err;
    }

    /** The environment (HF_HOME, HF_TOKEN, ...); tests pass their own. */
    Map<String, String> env() {
        return env;
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing subcommand");
    }

    public static void main(String[] args) {
        // UTF-8 whatever the locale: generated text and JSON must not turn into '?'.
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
        Terminal.registerStderr(err);
        int code = run(args, new FileInputStream(FileDescriptor.in), out, err);
        out.flush();
        err.flush();
        System.exit(code);
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, InputStream.nullInputStream(), out, err);
    }

    /** Runs the CLI and returns the exit code: 0 success, 1 failure, 2 bad usage. Never throws. */
    public static int run(String[] args, InputStream in, PrintStream out, PrintStream err) {
        return run(args, in, out, err, System.getenv());
    }

    /** As {@link #run(String[], InputStream, PrintStream, PrintStream)}, with {@code env} in place of the process's. */
    static int run(String[] args, InputStream in, PrintStream out, PrintStream err, Map<String, String> env) {
        try {
            CommandLine cl = new CommandLine(new Main(in, out, err, env));
            cl.setOut(new PrintWriter(out, true));
            cl.setErr(new PrintWriter(err, true));
            cl.setCaseInsensitiveEnumValuesAllowed(true);
            cl.setExecutionExceptionHandler((ex, cmd, parsed) -> Errors.report(ex, err));
            cl.setParameterExceptionHandler((ex, badArgs) -> Errors.reportUsage(ex, err));
            return cl.execute(args);
        } catch (Throwable t) { // OutOfMemoryError, StackOverflowError: still one line, never a crash dump
            out.flush();
            return Errors.report(t, err);
        } finally {
            out.flush();
        }
    }
}
