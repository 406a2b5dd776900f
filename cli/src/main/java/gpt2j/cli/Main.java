package gpt2j.cli;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.UsageMessageSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The {@code gpt2j} root command. Subcommands reach the streams through {@code @ParentCommand Main}, so tests can run
 * the whole CLI in-process with {@link #run(String[], InputStream, PrintStream, PrintStream)}.
 */
@Command(
        name = "gpt2j",
        mixinStandardHelpOptions = true,
        version = "gpt2j 0.1.0",
        description = "GPT-2 inference on the CPU in pure Java.")
public final class Main implements Runnable {

    /**
     * The subcommands in the order --help lists them. Only the one being run is built: picocli reflects over every
     * option of every command it is given, and in a cold JVM building all twelve took longer than reading the
     * model's file (see {@link #commandLine}).
     */
    static final Map<String, Class<?>> SUBCOMMANDS = subcommands(
            "generate", GenerateCommand.class,
            "perplexity", PerplexityCommand.class,
            "tokenize", TokenizeCommand.class,
            "detokenize", DetokenizeCommand.class,
            "info", InfoCommand.class,
            "quantize", QuantizeCommand.class,
            "bench", BenchCommand.class,
            "attention", AttentionCommand.class,
            "serve", ServeCommand.class,
            "pull", PullCommand.class,
            "list", ListCommand.class,
            "completion", CompletionCommand.class);

    @Spec
    CommandSpec spec;

    private final InputStream in;
    private final boolean inPiped;
    private final PrintStream out;
    private final PrintStream err;
    private final Map<String, String> env;
    private boolean inRead;

    private Main(InputStream in, boolean inPiped, PrintStream out, PrintStream err, Map<String, String> env) {
        this.in = in;
        this.inPiped = inPiped;
        this.out = out;
        this.err = err;
        this.env = env;
    }

    InputStream in() {
        return in;
    }

    /** True when stdin is a pipe, a file or a socket, so reading it ends; false for a terminal or /dev/null. */
    boolean stdinPiped() {
        return inPiped;
    }

    /** All of stdin as strict UTF-8; stdin can be read once. */
    String readStdin() {
        if (inRead) {
            throw new UserException("stdin can be read only once");
        }
        inRead = true;
        try {
            return Text.utf8(in.readAllBytes(), "stdin");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
        StartUp.mark();
        // UTF-8 whatever the locale: generated text and JSON must not turn into '?'.
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(LauncherStderr.open(), true, StandardCharsets.UTF_8);
        System.setErr(err); // uncaught exceptions and the JVM's own Java-level messages, past the filter too
        Terminal.registerStderr(err);
        int code = run(args, new FileInputStream(FileDescriptor.in), Stdin.piped(), out, err, System.getenv());
        out.flush();
        err.flush();
        System.exit(code);
    }

    /**
     * Every command's --help as a man page: description, arguments, options, examples (the command's footer) and exit
     * status under headings, wrapped at 100 columns or the terminal's width when narrower.
     */
    private static void manPageSections(CommandLine cl) {
        Map<String, String> exitCodes = new LinkedHashMap<>();
        exitCodes.put("0", "success");
        exitCodes.put("1", "failure while running: one 'gpt2j: ...' line on stderr");
        exitCodes.put("2", "bad arguments: one line on stderr, then a pointer to --help");
        for (CommandLine c : tree(cl)) {
            UsageMessageSpec u = c.getCommandSpec().usageMessage();
            u.width(100).autoWidth(true);
            u.descriptionHeading("%nDescription:%n")
                    .parameterListHeading("%nArguments:%n")
                    .optionListHeading("%nOptions:%n")
                    .exitCodeListHeading("%nExit status:%n")
                    .exitCodeList(exitCodes);
            if (u.footer().length > 0) {
                u.footerHeading("%nExamples:%n");
            }
        }
    }

    private static List<CommandLine> tree(CommandLine cl) {
        List<CommandLine> all = new ArrayList<>(List.of(cl));
        cl.getSubcommands().values().forEach(sub -> all.addAll(tree(sub)));
        return all;
    }

    /** Names and classes, named here rather than read from each class's annotation: a cold JVM pays for reading it. */
    private static Map<String, Class<?>> subcommands(Object... nameThenClass) {
        Map<String, Class<?>> byName = new LinkedHashMap<>();
        for (int i = 0; i < nameThenClass.length; i += 2)
            byName.put((String) nameThenClass[i], (Class<?>) nameThenClass[i + 1]);
        return byName;
    }

    /**
     * The command line for {@code args}: the root with only the subcommand that {@code args[0]} names, or with all
     * of them when it names none (--help, a typo to suggest a name for) or the completion script (which lists all).
     */
    private static CommandLine commandLine(Main main, String[] args) {
        CommandLine cl = new CommandLine(main);
        Class<?> only = args.length > 0 ? SUBCOMMANDS.get(args[0]) : null;
        for (Map.Entry<String, Class<?>> e : SUBCOMMANDS.entrySet()) {
            if (only == null || only == CompletionCommand.class || e.getValue() == only) {
                cl.addSubcommand(e.getKey(), e.getValue());
            }
        }
        return cl;
    }

    /** Runs the CLI with stdin as a terminal would be: never read unless asked for with '-'. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, InputStream.nullInputStream(), false, out, err, System.getenv());
    }

    /** Runs the CLI with {@code in} as piped stdin and returns the exit code: 0 success, 1 failure, 2 bad usage. */
    public static int run(String[] args, InputStream in, PrintStream out, PrintStream err) {
        return run(args, in, true, out, err, System.getenv());
    }

    /** As {@link #run(String[], InputStream, PrintStream, PrintStream)}, with {@code env} in place of the process's. */
    static int run(String[] args, InputStream in, PrintStream out, PrintStream err, Map<String, String> env) {
        return run(args, in, true, out, err, env);
    }

    /** Runs the CLI and returns the exit code: 0 success, 1 failure, 2 bad usage. Never throws. */
    static int run(
            String[] args, InputStream in, boolean inPiped, PrintStream out, PrintStream err, Map<String, String> env) {
        try {
            CommandLine cl = commandLine(new Main(in, inPiped, out, err, env), args);
            cl.setExpandAtFiles(false); // "@name" is a prompt or a file name, never a file of arguments
            manPageSections(cl);
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
