package gpt2j.cli;

import gpt2j.api.AttentionMap;
import gpt2j.api.HeadStat;
import gpt2j.api.Model;
import gpt2j.api.ModelInfo;
import gpt2j.cli.attention.AtomicFile;
import gpt2j.cli.attention.AttentionData;
import gpt2j.cli.attention.AttentionJson;
import gpt2j.cli.attention.AttentionSteps;
import gpt2j.cli.attention.HtmlPage;
import gpt2j.cli.attention.PngImages;
import gpt2j.cli.attention.TerminalView;
import gpt2j.cli.attention.TokenText;
import java.io.Console;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(
        name = "attention",
        sortOptions = false,
        mixinStandardHelpOptions = true,
        description = {
            "Show where each attention head looks for a prompt.",
            "",
            "Captures the weights (after mask and softmax) of every layer and head, with per-head statistics: "
                    + "mean entropy; share of attention on the previous, the first and the same token; an induction score "
                    + "on a repeated random sequence. Clear previous-token and induction heads are labelled. With --layer "
                    + "and --head: that head's most-attended earlier tokens and a heatmap; otherwise a table of the "
                    + "selected heads. --png draws that one head, or else the grid of all; --html is always the full grid. "
                    + "With --steps: one query's scores q\u00b7k, the scale, the causal mask and the softmax, key by key."
        })
final class AttentionCommand implements Callable<Integer> {

    @ParentCommand
    Main root;

    @Spec
    CommandSpec spec;

    @Mixin
    ModelOption modelOption;

    @Mixin
    PromptInput promptInput;

    @Option(
            names = "--prompt-ids",
            paramLabel = "IDS",
            description = "The prompt as token ids, e.g. 15496,11 or \"[15496, 11]\" (for models without a tokenizer).")
    String promptIds;

    @Option(names = "--layer", paramLabel = "L", description = "Only this layer (from 0).")
    Integer layer;

    @Option(
            names = "--head",
            paramLabel = "H",
            description = "Only this head (from 0); with --layer, one head in detail.")
    Integer head;

    @Option(
            names = "--query",
            paramLabel = "N",
            description = "The query position (from 0) for --steps; default the last token.")
    Integer query;

    @Option(
            names = "--steps",
            description = "With --layer and --head: how the query's weights are made, key by key:"
                    + " the score q\u00b7k, the scale, the causal mask (-inf), the softmax.")
    boolean steps;

    @Option(
            names = "--top-k",
            paramLabel = "K",
            defaultValue = "5",
            description = "Next tokens to show at each position, with probabilities (default ${DEFAULT-VALUE}).")
    int topK;

    @Option(
            names = "--html",
            paramLabel = "FILE",
            description =
                    "Write one self-contained page: every layer x head, hover to read a weight, click to enlarge.")
    Path html;

    @Option(
            names = "--png",
            paramLabel = "FILE",
            description = "Write a PNG: the head given by --layer and --head, else the grid of every head.")
    Path png;

    @Option(
            names = "--json",
            description =
                    "Print {\"tokens\", \"layers\", \"heads\", \"attention\": [layer][head][query][key],"
                            + " \"heads_stats\", \"scales\", \"next\"} (and \"steps\" with --steps) instead of the terminal view.")
    boolean json;

    @Mixin
    ThreadsOption threads;

    @Option(
            names = "--type",
            paramLabel = "TYPE",
            description = "Convert the weights on load: ${COMPLETION-CANDIDATES}.")
    WeightType type;

    @Override
    public Integer call() throws IOException {
        if (promptInput.given() && promptIds != null) {
            throw new ParameterException(
                    spec.commandLine(), "give either " + promptInput.names() + " or --prompt-ids, not both");
        }
        if (layer != null && layer < 0 || head != null && head < 0 || query != null && query < 0) {
            throw new ParameterException(spec.commandLine(), "--layer, --head and --query count from 0");
        }
        if (steps && (layer == null || head == null)) {
            throw new ParameterException(spec.commandLine(), "--steps needs --layer and --head");
        }
        if (query != null && !steps) {
            throw new ParameterException(spec.commandLine(), "--query goes with --steps");
        }
        if (topK < 0) {
            throw new ParameterException(spec.commandLine(), "--top-k must be 0 or more");
        }
        PrintStream out = root.out();
        PrintStream err = root.err();
        String prompt = promptIds != null ? null : promptInput.read(root, spec);
        if (prompt == null && promptIds == null) {
            throw new ParameterException(
                    spec.commandLine(),
                    "give a prompt: --prompt TEXT, --file FILE, --prompt-ids IDS, or pipe it into stdin");
        }
        int threadCount = threads.count(spec, err);
        try (Model m = modelOption.open(threadCount, type)) {
            ModelInfo info = m.info();
            if (layer != null && layer >= info.layers()) {
                throw new UserException("--layer " + layer + ": the model has layers 0.." + (info.layers() - 1));
            }
            if (head != null && head >= info.heads()) {
                throw new UserException("--head " + head + ": the model has heads 0.." + (info.heads() - 1));
            }
            if (prompt != null && !m.hasTokenizer()) {
                throw new UserException(m.tokenizerProblem() + "; give --prompt-ids");
            }
            int[] ids = promptIds != null
                    ? TokenIds.checkRange(TokenIds.parse(promptIds), info.vocab())
                    : m.tokenize(prompt);
            if (ids.length == 0) {
                throw new UserException("the prompt has no tokens");
            }
            if (query != null && query >= ids.length) {
                throw new UserException("--query " + query + ": the prompt has tokens 0.." + (ids.length - 1));
            }
            long start = System.nanoTime();
            AttentionMap map = m.attention(ids, steps || html != null, topK);
            List<HeadStat> stats = m.headStats(map);
            double seconds = (System.nanoTime() - start) / 1e9;
            AttentionData data = new AttentionData(
                    tokenStrings(m, ids),
                    map.weights(),
                    stats,
                    map.scores(),
                    map.scales(),
                    info.embedding() / info.heads(),
                    next(m, map.next()));
            AttentionSteps querySteps =
                    steps ? AttentionSteps.of(data, layer, head, query != null ? query : ids.length - 1) : null;

            if (json) {
                AttentionJson.write(data, querySteps, out);
                out.println();
            } else {
                TerminalView view = new TerminalView(data, colour());
                if (querySteps != null) {
                    view.steps(querySteps, out);
                } else if (layer != null && head != null) {
                    view.head(layer, head, out);
                } else {
                    view.summary(selected(stats), out);
                }
            }
            out.flush();
            String title = prompt != null ? prompt : String.join("", data.tokens());
            if (html != null) {
                AtomicFile.write(html, o -> HtmlPage.write(data, title, o));
                err.println("gpt2j: wrote " + html);
            }
            if (png != null) {
                PngImages.write(
                        layer != null && head != null ? PngImages.head(data, layer, head) : PngImages.grid(data), png);
                err.println("gpt2j: wrote " + png);
            }
            err.printf(
                    Locale.ROOT,
                    "gpt2j: load %.0f ms | %d tokens, %d layers x %d heads captured in %.2f s"
                            + " (with the induction probe) | threads %d%n",
                    m.loadMillis(),
                    ids.length,
                    info.layers(),
                    info.heads(),
                    seconds,
                    threadCount);
        }
        return 0;
    }

    /**
     * Each token's text (byte tokens readable: {@link TokenText#readable}), or "[id]" where the model has no
     * tokenizer or the id is past its vocabulary.
     */
    private static List<String> tokenStrings(Model m, int[] ids) {
        List<byte[]> bytes = new ArrayList<>(ids.length);
        for (int id : ids) bytes.add(tokenBytes(m, id));
        return TokenText.readable(bytes);
    }

    private static byte[] tokenBytes(Model m, int id) {
        return id < m.tokenizerVocabSize() ? m.tokenBytes(id) : ("[" + id + "]").getBytes(StandardCharsets.UTF_8);
    }

    /** The next-token candidates with their text (one token alone, so a partial character shows its bytes). */
    private static List<List<AttentionData.Candidate>> next(Model m, List<List<AttentionMap.NextToken>> next) {
        List<List<AttentionData.Candidate>> out = new ArrayList<>(next.size());
        for (List<AttentionMap.NextToken> tokens : next) {
            List<AttentionData.Candidate> position = new ArrayList<>(tokens.size());
            for (AttentionMap.NextToken t : tokens) {
                String text = t.id() < m.tokenizerVocabSize()
                        ? TokenText.readable(List.of(m.tokenBytes(t.id()))).getFirst()
                        : "[" + t.id() + "]";
                position.add(new AttentionData.Candidate(t.id(), text, t.probability()));
            }
            out.add(position);
        }
        return out;
    }

    private List<HeadStat> selected(List<HeadStat> stats) {
        return stats.stream()
                .filter(s -> (layer == null || s.layer() == layer) && (head == null || s.head() == head))
                .toList();
    }

    /** 256-colour escapes only on an interactive terminal, and never when NO_COLOR is set (no-color.org). */
    private static boolean colour() {
        Console console = System.console();
        String term = System.getenv("TERM");
        return console != null && console.isTerminal() && System.getenv("NO_COLOR") == null && !"dumb".equals(term);
    }
}
