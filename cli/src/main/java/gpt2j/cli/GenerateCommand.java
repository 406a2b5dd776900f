package gpt2j.cli;

import gpt2j.api.Completion;
import gpt2j.api.CompletionListener;
import gpt2j.api.CompletionOptions;
import gpt2j.api.Model;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
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
        name = "generate",
        sortOptions = false,
        mixinStandardHelpOptions = true,
        description = {
            "Continue a prompt, streaming text as it is generated.",
            "",
            "Prints the prompt, then the continuation token by token; timings go to stderr (the first "
                    + "token's wait, with the JVM's start-up, the model load and the prompt pass, then the steady rate; "
                    + "-v breaks them down). The prompt comes from -p, -f, or piped stdin when neither is given; '-' "
                    + "reads stdin. An empty prompt starts after <|endoftext|>, as GPT-2 documents do. Prompt plus "
                    + "continuation must fit in the context: a longer prompt is an error, and generation stops when the "
                    + "context is full. With --json, \"tokens\" holds every generated id, \"text\" the text cut at a "
                    + "--stop string."
        },
        footer = {
            "  gpt2j generate -p \"And it came to pass\" -n 32 --seed 1",
            "  echo \"In the beginning\" | gpt2j generate --temp 0",
            "  gpt2j generate -m gpt2.gguf -f prompt.txt -n -1 -c 512 --json"
        })
final class GenerateCommand implements Callable<Integer> {

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

    @Option(
            names = {"-n", "--max-tokens", "--n-predict"},
            paramLabel = "N",
            defaultValue = "64",
            description = "Tokens to generate at most; -1 = until the context is full (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(
            names = {"-c", "--ctx-size"},
            paramLabel = "N",
            description = "Context length in tokens, prompt included (default and maximum: the model's).")
    Integer ctxSize;

    @Option(
            names = {"--temperature", "--temp"},
            paramLabel = "T",
            defaultValue = "0.8",
            description = "Sampling temperature; 0 = greedy (default: ${DEFAULT-VALUE}).")
    float temperature;

    @Option(
            names = "--top-k",
            paramLabel = "K",
            defaultValue = "40",
            description = "Keep the K most likely tokens; 0 = off (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(
            names = "--top-p",
            paramLabel = "P",
            defaultValue = "0.95",
            description = "Nucleus sampling; 1 = off (default: ${DEFAULT-VALUE}).")
    float topP;

    @Option(
            names = "--min-p",
            paramLabel = "P",
            defaultValue = "0.05",
            description = "Drop tokens below P times the best one's probability; 0 = off (default: ${DEFAULT-VALUE}).")
    float minP;

    @Option(
            names = "--repeat-penalty",
            paramLabel = "R",
            defaultValue = "1.0",
            description = "Repetition penalty on tokens already seen; 1 = off (default: ${DEFAULT-VALUE}).")
    float repeatPenalty;

    @Option(
            names = {"-s", "--seed"},
            paramLabel = "S",
            description = "Random seed (default: a new one each run, shown on stderr).")
    Long seed;

    @Option(
            names = "--stop",
            paramLabel = "STR",
            description = "Stop before this text (repeatable); neither it nor anything after it is printed.")
    List<String> stops = new ArrayList<>();

    @Option(
            names = {"--no-echo", "--no-display-prompt"},
            description = "Print only the continuation, not the prompt.")
    boolean noEcho;

    @Mixin
    ThreadsOption threads;

    @Option(
            names = "--type",
            paramLabel = "TYPE",
            description = "Convert the weights on load: ${COMPLETION-CANDIDATES}.")
    WeightType type;

    @Option(
            names = {"-v", "--verbose"},
            description = "Break the timings down on stderr: start-up, load, prompt, first token, "
                    + "the steady rate after it and what JIT warm-up cost.")
    boolean verbose;

    @Option(
            names = "--json",
            description =
                    "Print one JSON object (prompt_tokens, tokens, text, stop_reason, seed, timings) instead of text.")
    boolean json;

    @Override
    public Integer call() {
        GenerationTimings clock = new GenerationTimings();
        if (promptInput.given() && promptIds != null) {
            throw new ParameterException(
                    spec.commandLine(), "give either " + promptInput.names() + " or --prompt-ids, not both");
        }
        if (maxTokens < -1) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--max-tokens must be -1 (until the context is full) or more, got " + maxTokens);
        }
        if (ctxSize != null && ctxSize < 1) {
            throw new ParameterException(spec.commandLine(), "--ctx-size must be at least 1, got " + ctxSize);
        }
        long seedValue = seed != null ? seed : System.nanoTime();
        int limit = maxTokens < 0 ? Integer.MAX_VALUE : maxTokens; // -1: the context decides
        CompletionOptions options;
        try {
            options = CompletionOptions.builder()
                    .temperature(temperature)
                    .topK(topK)
                    .topP(topP)
                    .minP(minP)
                    .repeatPenalty(repeatPenalty)
                    .seed(seedValue)
                    .maxTokens(limit)
                    .stop(stops)
                    .build();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage().replace("stop strings", "--stop strings"));
        }
        PrintStream out = root.out();
        PrintStream err = root.err();
        int threadCount = threads.count(spec, err);
        String prompt = promptIds != null ? null : promptInput.read(root, spec);
        try (Model m = modelOption.open(threadCount, type)) {
            int[] input = promptIds != null
                    ? TokenIds.checkRange(TokenIds.parse(promptIds), m.vocabSize())
                    : prompt == null || prompt.isEmpty()
                            ? new int[0]
                            : Models.withTokenizer(m).tokenize(prompt);
            if (input.length == 0 && m.endOfTextId() < 0) {
                throw new UserException(
                        "an empty prompt starts from <|endoftext|>, which this model has no tokenizer for; "
                                + "give --prompt-ids");
            }
            if (!json && !m.hasTokenizer()) {
                throw new UserException(m.tokenizerProblem() + "; without one, use --prompt-ids with --json");
            }
            m.checkPrompt(input.length); // before the echo, so a refused prompt prints nothing on stdout
            // -c: a context shorter than the model's, as llama.cpp's --ctx-size; the completion stops where it ends.
            boolean cappedByContext = false;
            if (ctxSize != null) {
                if (ctxSize > m.contextLength()) {
                    throw new UserException(
                            "--ctx-size " + ctxSize + " is longer than the model's context " + m.contextLength());
                }
                int promptLength = Math.max(input.length, 1);
                if (promptLength > ctxSize) {
                    throw new UserException("the prompt has " + promptLength + " tokens but --ctx-size is " + ctxSize);
                }
                if (ctxSize - promptLength < limit) {
                    limit = ctxSize - promptLength;
                    cappedByContext = true;
                    options = options.toBuilder().maxTokens(limit).build();
                }
            }
            if (!json && !noEcho) {
                out.print(prompt != null ? prompt : Models.withTokenizer(m).detokenize(input));
                out.flush();
            }
            Completion r = m.complete(input, options, new CompletionListener() {
                @Override
                public boolean onToken(int id, String text) {
                    clock.token();
                    emit(text, out);
                    return !out.checkError(); // a closed pipe (| head) ends generation
                }

                @Override
                public void onFinish(String text) {
                    emit(text, out);
                }
            });
            String stopReason = r.stopReason().name().toLowerCase(Locale.ROOT);
            if (cappedByContext && stopReason.equals("max_tokens")) {
                stopReason = "context_full";
            }
            Map<String, Object> timings = new LinkedHashMap<>();
            timings.put("load_ms", m.loadMillis());
            timings.put("prompt_ms", r.promptMillis());
            timings.put("prompt_tokens_per_s", r.promptTokensPerSecond());
            timings.put("generation_ms", r.generationMillis());
            timings.put("generated_tokens_per_s", r.generationTokensPerSecond());
            clock.addTo(timings);
            if (json) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("prompt_tokens", r.promptTokens());
                o.put("tokens", r.tokens());
                o.put("text", r.text());
                o.put("stop_reason", stopReason);
                o.put("seed", seedValue);
                o.put("timings", timings);
                out.println(Json.write(o));
            } else {
                out.println();
                out.flush();
            }
            int promptTokens = r.promptTokens().length;
            err.printf(
                    Locale.ROOT,
                    "gpt2j: %s | stop: %s | seed %d | threads %d%n",
                    clock.summary(m.loadMillis(), promptTokens, r.promptMillis()),
                    stopReason.replace('_', ' '),
                    seedValue,
                    threadCount);
            if (verbose) {
                clock.breakdown(err, m.loadMillis(), promptTokens, r.promptMillis());
            }
        }
        return 0;
    }

    private void emit(String piece, PrintStream out) {
        if (!json && !piece.isEmpty()) {
            out.print(piece);
            out.flush();
        }
    }
}
