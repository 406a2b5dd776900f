package gpt2j.cli;

import gpt2j.api.Model;
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
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(
        name = "perplexity",
        sortOptions = false,
        mixinStandardHelpOptions = true,
        description = {
            "Measure the model's perplexity on a text.",
            "",
            "Hugging Face's sliding-window method: windows of --context tokens advance by --stride; every "
                    + "token after the first is scored once, from the tokens before it in its window. The text comes "
                    + "from -f FILE (or -p TEXT, or --ids-file), else piped stdin; '-' is stdin. Prints the perplexity "
                    + "to stdout; progress with the running perplexity (a bar on a terminal) and timings to stderr."
        },
        footer = {
            "  gpt2j perplexity -f cli/model/kjv-heldout.txt -c 256",
            "  gpt2j perplexity -m gpt2.gguf -f wiki.test.raw -c 1024 --stride 512 --json"
        })
final class PerplexityCommand implements Callable<Integer> {

    @ParentCommand
    Main root;

    @Spec
    CommandSpec spec;

    @Mixin
    ModelOption modelOption;

    @Mixin
    PromptInput textInput;

    @Option(
            names = "--ids-file",
            paramLabel = "FILE",
            description = "Token ids to score instead of text (JSON array or whitespace separated); '-' is stdin.")
    String idsFile;

    @Option(
            names = {"-c", "--context", "--ctx-size"},
            paramLabel = "N",
            description = "Window length in tokens (default: the model's context).")
    Integer context;

    @Option(names = "--stride", paramLabel = "S", description = "Window step in tokens (default: the window length).")
    Integer stride;

    @Mixin
    ThreadsOption threads;

    @Option(
            names = "--type",
            paramLabel = "TYPE",
            description = "Convert the weights on load: ${COMPLETION-CANDIDATES}.")
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
        if (textInput.given() && idsFile != null) {
            throw new ParameterException(
                    spec.commandLine(), "give either " + textInput.names() + " or --ids-file, not both");
        }
        PrintStream out = root.out();
        String text = idsFile != null ? null : textInput.read(root, spec);
        if (text == null && idsFile == null) {
            throw new ParameterException(
                    spec.commandLine(),
                    "give the text to score: --file FILE, --prompt TEXT, --ids-file FILE, or pipe it into stdin");
        }
        int threadCount = threads.count(spec, root.err());
        try (Model m = modelOption.open(threadCount, type)) {
            int modelContext = m.contextLength();
            int window = context != null ? context : modelContext;
            if (window > modelContext) {
                throw new UserException("--context " + window + " is longer than the model's context " + modelContext);
            }
            int step = stride != null ? stride : window;
            if (step > window) {
                throw new UserException("--stride " + step + " is longer than the window " + window);
            }
            int[] tokens = idsFile != null
                    ? TokenIds.checkRange(TokenIds.parse(readIds()), m.vocabSize())
                    : Models.withTokenizer(m).tokenize(text);
            if (tokens.length < 2) {
                throw new UserException("need at least 2 tokens to score, got " + tokens.length);
            }
            long start = System.nanoTime();
            Scores r;
            try (StderrProgress bar = StderrProgress.start(root.err(), "perplexity", -1, StderrProgress.Unit.TOKENS)) {
                r = m.score(
                        tokens,
                        ScoreOptions.builder().context(window).stride(step).build(),
                        (scored, total, perplexity) -> {
                            bar.total(total);
                            bar.note(String.format(Locale.ROOT, "ppl %.4f", perplexity));
                            bar.stepTo(scored);
                        });
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            if (json) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("tokens", r.scored().size());
                o.put("nll", r.nll());
                o.put("perplexity", r.perplexity());
                out.println(Json.write(o));
            } else {
                out.printf(
                        Locale.ROOT,
                        "perplexity %.4f (mean NLL %.6f nats over %d scored tokens; context %d, stride %d)%n",
                        r.perplexity(),
                        r.nll(),
                        r.scored().size(),
                        window,
                        step);
            }
            root.err()
                    .printf(
                            Locale.ROOT,
                            "gpt2j: load %.0f ms | %d tokens in %.2f s, %.1f tokens/s | threads %d%n",
                            m.loadMillis(),
                            tokens.length,
                            seconds,
                            tokens.length / seconds,
                            threadCount);
        }
        return 0;
    }

    private String readIds() {
        if (idsFile.equals("-")) {
            return root.readStdin();
        }
        try {
            return Text.utf8(Files.readAllBytes(Path.of(idsFile)), idsFile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
