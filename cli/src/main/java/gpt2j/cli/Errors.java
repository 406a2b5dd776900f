package gpt2j.cli;

import gpt2j.tokenizer.TokenizerException;
import gpt2j.weights.WeightsException;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/** Turns any failure into one line on stderr ({@code gpt2j: ...}) and an exit code; stack traces only with GPT2J_DEBUG. */
final class Errors {

    static final int FAILURE = 1;

    private Errors() {}

    static int report(Throwable t, PrintStream err) {
        err.println("gpt2j: " + message(t));
        if (System.getenv("GPT2J_DEBUG") != null) {
            t.printStackTrace(err);
        }
        err.flush();
        return FAILURE;
    }

    /**
     * Bad arguments: one line saying what is wrong (with picocli's "did you mean" folded in), then where the full help
     * is; exit 2. The synopsis is left to --help: for generate it is five lines.
     */
    static int reportUsage(ParameterException ex, PrintStream err) {
        CommandLine cl = ex.getCommandLine();
        String line = "gpt2j: " + oneLine(ex.getMessage());
        if (ex instanceof CommandLine.UnmatchedArgumentException u
                && !u.getSuggestions().isEmpty()) {
            line += "; did you mean "
                    + String.join(" or ", u.getSuggestions().stream().limit(3).toList()) + "?";
        }
        err.println(line);
        err.println("Try '" + cl.getCommandSpec().qualifiedName() + " --help' for more information.");
        err.flush();
        return cl.getCommandSpec().exitCodeOnInvalidInput();
    }

    static String message(Throwable t) {
        if (t instanceof UncheckedIOException u && u.getCause() != null) {
            t = u.getCause();
        }
        if (t instanceof NoSuchFileException e) {
            return "no such file: " + e.getFile();
        }
        if (t instanceof AccessDeniedException e) {
            return "permission denied: " + e.getFile();
        }
        if (t instanceof FileSystemException e) {
            return oneLine(e.getMessage());
        }
        if (t instanceof UserException
                || t instanceof WeightsException
                || t instanceof IllegalArgumentException
                || t instanceof IOException
                || t instanceof TokenizerException) {
            return oneLine(t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage());
        }
        if (t instanceof OutOfMemoryError) {
            return "out of memory (raise the heap, e.g. GPT2J_JAVA_OPTS=-Xmx8g)";
        }
        String m = t.getMessage();
        return "unexpected error: " + t.getClass().getName() + (m == null ? "" : ": " + oneLine(m))
                + " (set GPT2J_DEBUG=1 for details)";
    }

    private static String oneLine(String s) {
        return s.strip().replaceAll("\\s*\\R\\s*", " ");
    }
}
