package gpt2j.cli;

import gpt2j.engine.EngineException;
import gpt2j.engine.Forward;
import gpt2j.engine.GenerationResult;
import gpt2j.engine.Generator;
import gpt2j.engine.Gpt2Model;
import gpt2j.engine.Parallel;
import gpt2j.engine.Sampler;
import gpt2j.engine.SamplerConfig;
import gpt2j.tokenizer.StreamingDecoder;
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

@Command(name = "generate", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Continue a prompt, streaming text as it is generated.", "",
                "Prints the prompt, then the continuation token by token; load time and speeds go to stderr. An "
                + "empty prompt starts after <|endoftext|>, as GPT-2 documents do. Prompt plus continuation must "
                + "fit in the model's context: a longer prompt is an error, and generation stops when the context "
                + "is full. With --json, \"tokens\" holds every generated id, \"text\" the text cut at a --stop "
                + "string."})
final class GenerateCommand implements Callable<Integer> {

    @ParentCommand
    Main root;

    @Spec
    CommandSpec spec;

    @Mixin
    ModelOption modelOption;

    @Option(names = {"-p", "--prompt"}, paramLabel = "TEXT", description = "The prompt (default: empty).")
    String prompt;

    @Option(names = "--prompt-ids", paramLabel = "IDS",
            description = "The prompt as token ids, e.g. 15496,11 or \"[15496, 11]\" (for models without a tokenizer).")
    String promptIds;

    @Option(names = {"-n", "--max-tokens", "--n-predict"}, paramLabel = "N", defaultValue = "64",
            description = "Tokens to generate at most (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = {"--temperature", "--temp"}, paramLabel = "T", defaultValue = "0.8",
            description = "Sampling temperature; 0 = greedy (default: ${DEFAULT-VALUE}).")
    float temperature;

    @Option(names = "--top-k", paramLabel = "K", defaultValue = "40",
            description = "Keep the K most likely tokens; 0 = off (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--top-p", paramLabel = "P", defaultValue = "0.95",
            description = "Nucleus sampling; 1 = off (default: ${DEFAULT-VALUE}).")
    float topP;

    @Option(names = "--min-p", paramLabel = "P", defaultValue = "0.05",
            description = "Drop tokens below P times the best one's probability; 0 = off (default: ${DEFAULT-VALUE}).")
    float minP;

    @Option(names = "--repeat-penalty", paramLabel = "R", defaultValue = "1.0",
            description = "Repetition penalty on tokens already seen; 1 = off (default: ${DEFAULT-VALUE}).")
    float repeatPenalty;

    @Option(names = {"-s", "--seed"}, paramLabel = "S", description = "Random seed (default: a new one each run, shown on stderr).")
    Long seed;

    @Option(names = "--stop", paramLabel = "STR",
            description = "Stop before this text (repeatable); neither it nor anything after it is printed.")
    List<String> stops = new ArrayList<>();

    @Option(names = "--no-echo", description = "Print only the continuation, not the prompt.")
    boolean noEcho;

    @Mixin
    ThreadsOption threads;

    @Option(names = "--type", paramLabel = "TYPE", description = "Convert the weights on load: ${COMPLETION-CANDIDATES}.")
    WeightType type;

    @Option(names = "--json", description = "Print one JSON object (prompt_tokens, tokens, text, stop_reason, timings) instead of text.")
    boolean json;

    @Override
    public Integer call() {
        if (prompt != null && promptIds != null) {
            throw new ParameterException(spec.commandLine(), "give either --prompt or --prompt-ids, not both");
        }
        if (maxTokens < 0) {
            throw new ParameterException(spec.commandLine(), "--max-tokens must not be negative, got " + maxTokens);
        }
        long seedValue = seed != null ? seed : System.nanoTime();
        SamplerConfig config;
        try {
            config = new SamplerConfig(temperature, topK, topP, minP, repeatPenalty, seedValue);
        } catch (EngineException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        StopFilter filter;
        try {
            filter = new StopFilter(stops);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        int threadCount = threads.count(spec);

        PrintStream out = root.out();
        PrintStream err = root.err();
        try (LoadedModel m = LoadedModel.load(modelOption.path(), type); Parallel parallel = new Parallel(threadCount)) {
            int vocab = m.weights().config().vocabSize();
            int[] input = promptIds != null
                    ? TokenIds.checkRange(TokenIds.parse(promptIds), vocab)
                    : prompt == null || prompt.isEmpty() ? new int[0] : m.tokenizer().encode(prompt);
            if (input.length == 0 && m.endOfTextId() < 0) {
                throw new UserException("an empty prompt starts from <|endoftext|>, which this model has no tokenizer for; "
                        + "give --prompt-ids");
            }
            StreamingDecoder decoder = m.hasTokenizer() ? m.tokenizer().newStreamingDecoder() : null;
            if (!json && decoder == null) {
                throw new UserException(m.tokenizerProblem() + "; without one, use --prompt-ids with --json");
            }
            Gpt2Model model = new Gpt2Model(m.weights());
            // A cache for what this run can use, not the model's whole context: for a 16-token generation after a short
            // prompt on the 124M model that is ~2 MB instead of 75 MB of floats to allocate and have young GCs copy.
            int context = model.config().contextLength();
            int capacity = (int) Math.min(context, (long) Math.max(input.length, 1) + maxTokens);
            Generator generator = new Generator(new Forward(model, parallel, capacity));
            generator.checkPrompt(input.length); // before the echo, so a refused prompt prints nothing on stdout
            if (!json && !noEcho) {
                out.print(prompt != null ? prompt : m.tokenizer().decode(input));
                out.flush();
            }
            StringBuilder text = new StringBuilder();
            GenerationResult r = generator.generate(input, maxTokens, new Sampler(config, vocab), m.endOfTextId(), id -> {
                if (decoder == null) {
                    return true;
                }
                String piece = filter.accept(decoder.push(id));
                emit(piece, text, out);
                return !filter.stopped() && !out.checkError(); // a closed pipe (| head) ends generation
            });
            if (decoder != null && !filter.stopped()) {
                emit(filter.accept(decoder.flush()), text, out);
                emit(filter.finish(), text, out);
            }
            Map<String, Object> timings = new LinkedHashMap<>();
            timings.put("load_ms", m.loadMillis());
            timings.put("prompt_ms", r.promptMillis());
            timings.put("prompt_tokens_per_s", r.promptTokensPerSecond());
            timings.put("generation_ms", r.generationMillis());
            timings.put("generated_tokens_per_s", r.generationTokensPerSecond());
            if (json) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("prompt_tokens", input.length == 0 ? new int[] {m.endOfTextId()} : input);
                o.put("tokens", r.tokens());
                o.put("text", decoder == null ? null : text.toString());
                o.put("stop_reason", filter.stopped() ? "stop_string" : r.stopReason().name().toLowerCase(Locale.ROOT));
                o.put("seed", seedValue);
                o.put("timings", timings);
                out.println(Json.write(o));
            } else {
                out.println();
                out.flush();
            }
            err.printf(Locale.ROOT, "gpt2j: load %.0f ms | prompt %d tokens, %.1f ms, %.2f tokens/s | generated %d tokens,"
                            + " %.1f ms, %.2f tokens/s | stop: %s | seed %d | threads %d%n",
                    m.loadMillis(), r.promptTokens(), r.promptMillis(), r.promptTokensPerSecond(), r.tokens().length,
                    r.generationMillis(), r.generationTokensPerSecond(),
                    filter.stopped() ? "stop string" : r.stopReason().name().toLowerCase(Locale.ROOT).replace('_', ' '),
                    seedValue, threadCount);
        }
        return 0;
    }

    private void emit(String piece, StringBuilder text, PrintStream out) {
        if (piece.isEmpty()) {
            return;
        }
        text.append(piece);
        if (!json) {
            out.print(piece);
            out.flush();
        }
    }
}
