package gpt2j.cli;

import gpt2j.tokenizer.Gpt2Tokenizer;
import gpt2j.weights.GgufExport;
import gpt2j.weights.TokenizerData;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "quantize", mixinStandardHelpOptions = true,
        description = {"Write a model as a GGUF file, quantized.", "",
                "The file is one llama.cpp can load, each matrix stored as llama-quantize stores it for the preset "
                + "TYPE (no importance matrix): most as TYPE's type, the head as Q6_K, some layers with more bits "
                + "in the _M/_L presets; --pure gives every matrix the one type. Position embeddings, norms and "
                + "biases stay F32. The vocabulary comes from the source. The output is "
                + "written to a temporary file and renamed, so OUT is never left half-written; the source is never "
                + "overwritten. Progress goes to stderr."},
        footer = {"  gpt2j quantize -m gpt2/ --type q8_0 -o gpt2-q8_0.gguf"})
final class QuantizeCommand implements Callable<Integer> {

    @ParentCommand
    Main root;

    @Spec
    CommandSpec spec;

    @Mixin
    ModelOption modelOption;

    @Option(names = "--type", paramLabel = "TYPE", required = true, description = "Preset: ${COMPLETION-CANDIDATES}.")
    QuantizeType type;

    @Option(names = "--pure", description = "Store every matrix (token embeddings and head included) as TYPE's type, "
            + "as llama-quantize --pure does.")
    boolean pure;

    @Option(names = {"-o", "--output"}, paramLabel = "OUT.gguf", required = true, description = "The GGUF file to write.")
    Path output;

    @Option(names = "--omit-tied-output",
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
        try (LoadedModel m = LoadedModel.load(source, null)) {
            for (Path p : m.checkpoint().files()) {
                if (sameFile(p, output)) {
                    throw new UserException(output + " is the model being read; choose another output file");
                }
            }
            TokenizerData vocabulary = m.checkpoint().tokenizer();
            if (vocabulary == null) {
                if (!m.hasTokenizer()) {
                    throw new UserException(m.tokenizerProblem() + "; GGUF needs the vocabulary");
                }
                Gpt2Tokenizer t = m.tokenizer();
                vocabulary = new TokenizerData(t.tokenStrings(), t.mergeStrings());
            }
            var w = m.weights();
            boolean tied = w.head().tensor() == w.tokenEmbedding();
            String headNote = !tied ? ""
                    : omitTiedOutput ? "; the head is tied to the token embeddings and is left out (llama.cpp cannot load this)"
                    : "; the head is tied to the token embeddings: written again as output.weight, which llama.cpp's GPT-2"
                    + " loader needs (--omit-tied-output leaves it out)";
            String plan = String.format(Locale.ROOT, "gpt2j: quantize %s (%s, %s) -> %s: llama-quantize's %s preset%s,"
                    + " norms and biases F32%s", source, m.checkpoint().typeSummary(), Units.bytes(m.checkpoint().fileBytes()),
                    output, type, pure ? " with every matrix one type (--pure)" : "", headNote);
            StderrProgress[] bar = {null};
            try {
                GgufExport.write(m.checkpoint(), vocabulary, type.preset, pure, output, !omitTiedOutput,
                        (done, total, name) -> {
                            if (bar[0] == null) { // the first tensor is written: the export's own checks have passed
                                err.println(plan);
                                bar[0] = StderrProgress.start(err, "quantize", total, StderrProgress.Unit.TENSORS);
                            }
                            bar[0].stepTo(done);
                        });
            } finally {
                if (bar[0] != null) bar[0].close();
            }
            long written = size(output);
            long sourceBytes = m.checkpoint().fileBytes();
            String why = written <= sourceBytes ? ""
                    : tied && !omitTiedOutput ? "; larger than the source because of the second copy of the tied head"
                    : "; larger than the source, which stores smaller types";
            err.printf(Locale.ROOT, "gpt2j: wrote %s (%s, %s; the source is %s%s) in %.1f s%n", output, type,
                    Units.bytes(written), Units.bytes(sourceBytes), why, (System.nanoTime() - start) / 1e9);
            Map<String, Object> own = GgufExport.gpt2jKeys(m.checkpoint().weights().config());
            if (!own.isEmpty()) {
                err.printf("gpt2j: warning: %s stores %s under gpt2j's own keys (llama.cpp's GPT-2 has none); gpt2j reads "
                        + "them back, but llama.cpp will ignore them and compute other logits%n", output,
                        own.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(", ")));
            }
        }
        return 0;
    }

    /** True when both name the same existing file (through links, relative paths and all). */
    private static boolean sameFile(Path a, Path b) {
        try {
            return Files.exists(a) && Files.exists(b) && Files.isSameFile(a, b);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
