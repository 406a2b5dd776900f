package gpt2j.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * {@code -p/--prompt TEXT} and {@code -f/--file FILE}, where {@code -} means stdin, shared by the commands that take a
 * prompt. Bytes are used exactly as given (strict UTF-8, no trailing newline stripped).
 */
final class PromptInput {

    @Option(
            names = {"-p", "--prompt"},
            paramLabel = "TEXT",
            description = "The prompt text; '-' reads it from stdin.")
    String text;

    @Option(
            names = {"-f", "--file"},
            paramLabel = "FILE",
            description = "Read the prompt from FILE (UTF-8, bytes as they are); '-' is stdin.")
    String file;

    /** True when -p or -f was given. */
    boolean given() {
        return text != null || file != null;
    }

    /** The option(s) given, for messages. */
    String names() {
        return text != null && file != null ? "--prompt and --file" : text != null ? "--prompt" : "--file";
    }

    /**
     * The prompt from -p or -f, or, when neither is given and stdin is piped (not a terminal or /dev/null), stdin;
     * null when there is none of these.
     */
    String read(Main root, CommandSpec spec) {
        if (text != null && file != null) {
            throw new ParameterException(spec.commandLine(), "give either --prompt or --file, not both");
        }
        if ("-".equals(text) || "-".equals(file)) {
            return root.readStdin();
        }
        if (text != null) {
            return text;
        }
        if (file != null) {
            Path p = Path.of(file);
            try {
                return Text.utf8(Files.readAllBytes(p), file);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return root.stdinPiped() ? root.readStdin() : null;
    }
}
