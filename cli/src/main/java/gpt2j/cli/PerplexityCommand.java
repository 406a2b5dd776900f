package gpt2j.cli;

import gpt2j.api.Model;
import gpt2j.api.ModelOptions;
import gpt2j.api.ScoreOptions;
import gpt2j.api.Scores;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "perplexity", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Measure the model's perplexity on a text.", "",
                "Hugging Face's sliding-window method: windows of --context tokens advance by --stride; every "
                + "token after the first is scored once, from the tokens before it in its window. Prints the "
                + "perplexity to stdout, timings to stderr."})
final class PerplexityCommand implements Callable<Integer> {

    @ParentCommand
    Main root;

    @Spec
    CommandSpec spec;

    @Mixin
    ModelOption modelOption;

    static final class Input {
        @Option(names = {"-f", "--file"}, paramLabel = "FILE", required = true, description = "UTF-8 text to score.")
        Path text;

        @Option(names = "--ids-file", paramLabel = "FILE", required = true,
                description = "Token ids to score instead of text (JSON array or whitespace separated).")
        Path ids;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    @Option(names = {"-c", "--context"}, paramLabel = "N", description = "Window length in tokens (default: the model's context).")
    Integer context;

    @Option(names = "--stride", paramLabel = "S", description = "Window step in tokens (default: the window length).")
    Integer stride;

    @Mixin
    ThreadsOption threads;

    @Option(names = "--type", paramLabel = "TYPE", description = "Convert the weights on load: ${COMPLETION-CANDIDATES}.")
    WeightType type;

    @Option(names = "--json", description = "Print one JSON object: {\"tokens\": N, \"nll\": x, \"perplexity\": y}.")
    boolean json;

    @Override
    public Integer call() {
        if (context != null && context < 2) {
            throw new ParameterException(spec.commandLine(), "--context must be at least 2, got " + context);
        }
        if (stride != null && stride < 1) {
            throw new ParameterException(spec.commandLine(), "--stride must be at least 1, got " + stride);
        }
        int threadCount = threads.count(spec);
        PrintStream out = root.out();
        try (Model m = Model.open(modelOption.path(), ModelOptions.builder().threads(threadCount)
                .weightType(type == null ? null : type.name()).build())) {
            int modelContext = m.contextLength();
            int window = context != null ? context : modelContext;
            if (window > modelContext) {
                throw new UserException("--context " + window + " is longer than the model's context " + modelContext);
            }
            int step = stride != null ? stride : window;
            if (step > window) {
                throw new UserException("--stride " + step + " is longer than the window " + window);
            }
            int[] tokens = input.ids != null
                    ? TokenIds.checkRange(TokenIds.parse(read(input.ids)), m.vocabSize())
                    : Models.withTokenizer(m).tokenize(Text.utf8(readBytes(input.text), input.text.toString()));
            if (tokens.length < 2) {
                throw new UserException("need at least 2 tokens to score, got " + tokens.length);
            }
            long start = System.nanoTime();
            Scores r = m.score(tokens, ScoreOptions.builder().context(window).stride(step).build());
            double seconds = (System.nanoTime() - start) / 1e9;
            if (json) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("tokens", r.scored().size());
                o.put("nll", r.nll());
                o.put("perplexity", r.perplexity());
                out.println(Json.write(o));
            } else {
                out.printf(Locale.ROOT, "perplexity %.4f (mean NLL %.6f nats over %d scored tokens; context %d, stride %d)%n",
                        r.perplexity(), r.nll(), r.scored().size(), window, step);
            }
            root.err().printf(Locale.ROOT, "gpt2j: load %.0f ms | %d tokens in %.2f s, %.1f tokens/s | threads %d%n",
                    m.loadMillis(), tokens.length, seconds, tokens.length / seconds, threadCount);
        }
        return 0;
    }

    private static String read(Path p) {
        return Text.utf8(readBytes(p), p.toString());
    }

    private static byte[] readBytes(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
