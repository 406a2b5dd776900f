package gpt2j.cli;

import java.io.OutputStream;
import java.io.PrintStream;

/**
 * The run the launcher records once per build into the JDK's AOT cache ({@code -XX:AOTCacheOutput}, JEP 483/514/515):
 * what a CLI start loads and links (picocli, the GGUF reader, the tokenizer, the kernels) and the kernels' profiles,
 * so that later starts skip class loading and linking and C2 compiles the kernels without profiling them first. It
 * runs on the embedded model.
 */
final class AotTraining {

    private AotTraining() {}

    /** With arguments: that one command instead (the launcher's GPT2J_AOT_TRAINING). */
    public static void main(String[] args) {
        PrintStream sink = new PrintStream(OutputStream.nullOutputStream());
        if (args.length > 0) {
            System.exit(Main.run(args, sink, sink));
        }
        String prompt = "The quick brown fox jumps over the lazy dog because";
        int failed = 0;
        // As stored (F16), then as Q8_0: the prompt and one-token kernels of the common types, a few seconds in all.
        for (String[] type : new String[][] {{}, {"--type", "q8_0"}}) {
            String[] generate = {"generate", "-p", prompt, "-n", "4", "--temp", "0", "--no-echo", "-t", "2"};
            String[] run = java.util.Arrays.copyOf(generate, generate.length + type.length);
            System.arraycopy(type, 0, run, generate.length, type.length);
            failed |= Main.run(run, sink, sink);
        }
        failed |= Main.run(new String[] {"tokenize", "--json", prompt}, sink, sink);
        failed |= Main.run(new String[] {"--help"}, sink, sink);
        System.exit(failed);
    }
}
