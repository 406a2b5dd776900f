package gpt2j.cli;

import java.io.PrintStream;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** {@code -t/--threads}: compute threads, by default one per available core. */
final class ThreadsOption {

    @Option(
            names = {"-t", "--threads"},
            paramLabel = "N",
            description = "Compute threads (default: the available cores).")
    Integer threads;

    /** The thread count; more than the cores is allowed but warned about on {@code err}, as it only slows things down. */
    int count(CommandSpec spec, PrintStream err) {
        int cores = Runtime.getRuntime().availableProcessors();
        if (threads == null) {
            return cores;
        }
        if (threads < 1) {
            throw new ParameterException(spec.commandLine(), "--threads must be at least 1, got " + threads);
        }
        warnAboveCores(threads, cores, err);
        return threads;
    }

    static void warnAboveCores(int threads, int cores, PrintStream err) {
        if (threads > cores) {
            err.println(
                    "gpt2j: warning: " + threads + " threads on " + cores + " available core" + (cores == 1 ? "" : "s")
                            + ": threads share cores and run slower; -t " + cores + " is usually fastest");
        }
    }
}
