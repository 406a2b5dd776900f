package gpt2j.cli;

import gpt2j.api.Quantization;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(
        name = "quantize",
        mixinStandardHelpOptions = true,
        description = {
            "Write a model as a GGUF file, quantized.",
            "",
            "The file is one llama.cpp can load, each matrix stored as llama-quantize stores it for the preset "
                    + "TYPE (no importance matrix): most as TYPE's type, the head as Q6_K, some layers with more bits "
                    + "in the _M/_L presets; --pure gives every matrix the one type. Position embeddings, norms and "
                    + "biases stay F32. The vocabulary comes from the source. The output is "
                    + "written to a temporary file and renamed, so OUT is never left half-written; the source is never "
                    + "overwritten. Progress goes to stderr."
        },
        footer = {"  gpt2j quantize -m gpt2/ --type q8_0 -o gpt2-q8_0.gguf"})
final class QuantizeCommand implements Callable<Integer> {

    @ParentCommand
    Main root;

    @Spec
    CommandSpec spec;

    @Mixin
    ModelOption modelOption;

    @Option(
            names = "--type",
            paramLabel = "TYPE",
            required = true,
            completionCandidates = Presets.class,
            description = "Preset: ${COMPLETION-CANDIDATES}.")
    String type;

    /** The presets, as the API names them. */
    static final class Presets implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Quantization.presets().iterator();
        }
    }

    @Option(
            names = "--pure",
            description = "Store every matrix (token embeddings and head included) as TYPE's type, "
                    + "as llama-quantize --pure does.")
    boolean pure;

    @Option(
            names = {"-o", "--output"},
            paramLabel = "OUT.gguf",
            required = true,
            description = "The GGUF file to write.")
    Path output;

    @Option(
            names = "--omit-tied-output",
            description = "Leave out output.weight when the head is tied to the token embeddings: a smaller file, "
                    + "but llama.cpp's GPT-2 loader needs output.weight.")
    boolean omitTiedOutput;

    @Override
    public Integer call() {
        if (!output.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".gguf")) {
            throw new ParameterException(spec.commandLine(), "the output must be a .gguf file, got " + output);
        }
        Path source = modelOption.path();
        PrintStream err = root.err();
        long start = System.nanoTime();
        if (!Quantization.presets().contains(type)) {
            throw new ParameterException(
                    spec.commandLine(),
                    "Invalid value for option '--type': expected one of " + Quantization.presets() + " but was '" + type
                            + "'");
        }
        StderrProgress[] bar = {null};
        Quantization.Plan plan;
        try {
            plan = Quantization.write(source, output, type, pure, !omitTiedOutput, new Quantization.Listener() {
                @Override
                public void started(Quantization.Plan p) { // the export's own checks have passed
                    String headNote = !p.tiedHead()
                            ? ""
                            : omitTiedOutput
                                    ? "; the head is tied to the token embeddings and is left out (llama.cpp"
                                            + " cannot load this)"
                                    : "; the head is tied to the token embeddings: written again as output.weight, which"
                                            + " llama.cpp's GPT-2 loader needs (--omit-tied-output leaves it out)";
                    err.println(String.format(
                            Locale.ROOT,
                            "gpt2j: quantize %s (%s, %s) -> %s (%s, %s): llama-quantize's"
                                    + " %s preset%s, norms and biases F32%s",
                            source,
                            p.storedTypes(),
                            Units.bytes(p.sourceBytes()),
                            output,
                            p.outputTypes(),
                            Units.bytes(p.outputBytes()),
                            type,
                            pure ? " with every matrix one type (--pure)" : "",
                            headNote));
                }

                @Override
                public void tensorWritten(int done, int total, String name) {
                    if (bar[0] == null)
                        bar[0] = StderrProgress.start(err, "quantize", total, StderrProgress.Unit.TENSORS);
                    bar[0].stepTo(done);
                }
            });
        } finally {
            if (bar[0] != null) bar[0].close();
        }
        long written = size(output);
        long sourceBytes = plan.sourceBytes();
        String why = written <= sourceBytes
                ? ""
                : plan.tiedHead() && !omitTiedOutput
                        ? "; larger than the source because of the second copy of the tied head"
                        : "; larger than the source, which stores smaller types";
        err.printf(
                Locale.ROOT,
                "gpt2j: wrote %s (%s, %s; the source is %s%s) in %.1f s%n",
                output,
                type,
                Units.bytes(written),
                Units.bytes(sourceBytes),
                why,
                (System.nanoTime() - start) / 1e9);
        if (!plan.ownKeys().isEmpty()) {
            err.printf(
                    "gpt2j: warning: %s stores %s under gpt2j's own keys (llama.cpp's GPT-2 has none); gpt2j reads "
                            + "them back, but llama.cpp will ignore them and compute other logits%n",
                    output,
                    plan.ownKeys().entrySet().stream()
                            .map(e -> e.getKey() + "=" + e.getValue())
                            .collect(Collectors.joining(", ")));
        }
        return 0;
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
