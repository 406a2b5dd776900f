package gpt2j.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** {@code -t/--threads}: compute threads, by default one per available core. */
final class ThreadsOption {

    @Option(names = {"-t", "--threads"}, paramLabel = "N",
            description = "Compute threads (default: the available cores).")
    Integer threads;

    int count(CommandSpec spec) {
        if (threads == null) {
            return Runtime.getRuntime().availableProcessors();
        }
        if (threads < 1) {
            throw new ParameterException(spec.commandLine(), "--threads must be at least 1, got " + threads);
        }
        return threads;
    }
}
