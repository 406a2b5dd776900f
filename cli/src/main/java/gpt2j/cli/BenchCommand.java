package gpt2j.cli;

import gpt2j.api.Model;
import gpt2j.api.Session;
import java.io.PrintStream;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(
        name = "bench",
        sortOptions = false,
        mixinStandardHelpOptions = true,
        description = {
            "Measure prompt and generation speed, like llama-bench.",
            "",
            "ppN processes N random tokens as one prompt batch; tgN generates N tokens one at a time from an "
                    + "empty context. Each test first runs untimed for --warmup seconds (at least once, longer while the "
                    + "JIT is still compiling), then --repetitions times; rows give the mean and "
                    + "standard deviation of tokens/s, one row per model x type x threads x test."
        })
final class BenchCommand implements Callable<Integer> {

    enum Format {
        md,
        json,
        csv
    }

    @ParentCommand
    Main root;

    @Spec
    CommandSpec spec;

    @Option(
            names = {"-m", "--model"},
            paramLabel = "MODEL",
            split = ",",
            description = "Models to measure (paths or hub ids), comma separated or repeated "
                    + "(default: the embedded model).")
    List<Path> models = new ArrayList<>();

    @Option(
            names = {"-p", "--n-prompt"},
            paramLabel = "N",
            split = ",",
            defaultValue = "128",
            description = "Prompt tokens for the pp tests, comma separated, e.g. 128,512; 0 skips them "
                    + "(default: ${DEFAULT-VALUE}).")
    List<Integer> nPrompt;

    @Option(
            names = {"-n", "--n-gen"},
            paramLabel = "N",
            split = ",",
            defaultValue = "64",
            description = "Generated tokens for the tg tests, comma separated, e.g. 64,512; 0 skips them "
                    + "(default: ${DEFAULT-VALUE}).")
    List<Integer> nGen;

    @Option(
            names = {"-t", "--threads"},
            paramLabel = "N",
            split = ",",
            description = "Thread counts, e.g. 1,2 (default: the available cores).")
    List<Integer> threads = new ArrayList<>();

    @Option(
            names = {"-r", "--repetitions"},
            paramLabel = "R",
            defaultValue = "5",
            description = "Timed runs per test (default: ${DEFAULT-VALUE}).")
    int repetitions;

    @Option(
            names = "--warmup",
            paramLabel = "SECONDS",
            defaultValue = "2",
            description = "Untimed runs of each test for at least this long, and at least one, so that the JIT has "
                    + "compiled the kernels before timing starts; then more while it is still compiling, up to 4x "
                    + "this long; 0 = one run, as llama-bench does (default: ${DEFAULT-VALUE}).")
    double warmupSeconds;

    @Option(
            names = "--type",
            paramLabel = "TYPE",
            split = ",",
            description =
                    "Convert the weights on load, comma separated: ${COMPLETION-CANDIDATES} (default: as stored).")
    List<WeightType> types = new ArrayList<>();

    @Option(
            names = {"-o", "--output"},
            paramLabel = "FORMAT",
            defaultValue = "md",
            description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Format format;

    record Row(
            String model,
            String type,
            int threads,
            String test,
            int nPrompt,
            int nGen,
            double avgTs,
            double stddevTs,
            double[] samplesTs) {}

    @Override
    public Integer call() {
        if (nPrompt.stream().anyMatch(n -> n < 0) || nGen.stream().anyMatch(n -> n < 0)) {
            throw new ParameterException(spec.commandLine(), "-p and -n must not be negative");
        }
        List<Integer> prompts = nPrompt.stream().filter(n -> n > 0).toList();
        List<Integer> gens = nGen.stream().filter(n -> n > 0).toList();
        if (prompts.isEmpty() && gens.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "nothing to measure: -p and -n are both 0");
        }
        int longest = Stream.concat(prompts.stream(), gens.stream())
                .mapToInt(Integer::intValue)
                .max()
                .orElse(0);
        if (repetitions < 1) {
            throw new ParameterException(spec.commandLine(), "--repetitions must be at least 1, got " + repetitions);
        }
        if (!(warmupSeconds >= 0 && warmupSeconds <= 600)) {
            throw new ParameterException(
                    spec.commandLine(), "--warmup must be between 0 and 600 seconds, got " + warmupSeconds);
        }
        for (int t : threads) {
            if (t < 1) {
                throw new ParameterException(spec.commandLine(), "--threads must be at least 1, got " + t);
            }
        }
        List<Path> paths = models.isEmpty()
                ? List.of(ModelOption.defaultModel())
                : models.stream()
                        .map(p -> HubModels.resolve(p.toString(), root))
                        .toList(); // hub ids too
        List<Integer> threadCounts =
                threads.isEmpty() ? List.of(Runtime.getRuntime().availableProcessors()) : threads;
        ThreadsOption.warnAboveCores(
                Collections.max(threadCounts), Runtime.getRuntime().availableProcessors(), root.err());
        List<WeightType> typeList = types.isEmpty() ? Arrays.asList((WeightType) null) : types;

        PrintStream out = root.out();
        List<Row> rows = new ArrayList<>();
        header(out);
        for (Path path : paths) {
            for (WeightType type : typeList) {
                for (int t : threadCounts) {
                    try (Model m = ModelOption.open(path, t, type)) {
                        int context = m.contextLength();
                        if (longest > context) {
                            throw new UserException(path + ": the model's context holds " + context
                                    + " tokens; lower -p/-n (got a test of " + longest + ")");
                        }
                        String name =
                                String.valueOf(path.toAbsolutePath().normalize().getFileName());
                        String typeName = type != null
                                ? type.name()
                                : m.info().matrixTypes().stream()
                                        .map(n -> n.toLowerCase(Locale.ROOT))
                                        .collect(Collectors.joining("+"));
                        // Sized for the longest test, as llama-bench sizes its context (n_prompt + n_gen).
                        Session session = m.newSession(longest);
                        for (int n : prompts) rows.add(print(out, measure(name, typeName, t, m, session, n, true)));
                        for (int n : gens) rows.add(print(out, measure(name, typeName, t, m, session, n, false)));
                    }
                }
            }
        }
        if (format == Format.json) {
            List<Map<String, Object>> objects = new ArrayList<>();
            for (Row r : rows) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("model", r.model());
                o.put("type", r.type());
                o.put("threads", r.threads());
                o.put("test", r.test());
                o.put("n_prompt", r.nPrompt());
                o.put("n_gen", r.nGen());
                o.put("avg_ts", r.avgTs());
                o.put("stddev_ts", r.stddevTs());
                o.put("samples_ts", r.samplesTs());
                objects.add(o);
            }
            out.println(Json.write(objects));
        }
        out.flush();
        return 0;
    }

    /**
     * One test: untimed warm-up runs, then the timed repetitions. The warm-up lasts at least --warmup seconds (and one
     * run), then goes on while the JIT is still compiling, up to four times that: a method called once per run, such as
     * the head's mat-vec in a pp test, can still be compiling after 2 s and slow the first timed runs.
     */
    private Row measure(String model, String type, int threads, Model m, Session session, int n, boolean prompt) {
        SplittableRandom random = new SplittableRandom(42);
        int vocab = m.vocabSize();
        long start = System.nanoTime();
        long warmupEnd = start + (long) (warmupSeconds * 1e9);
        long settleEnd = start + (long) (4 * warmupSeconds * 1e9);
        long compiling;
        do {
            compiling = jitMillis();
            run(session, random.ints(n, 0, vocab).toArray(), prompt);
        } while (keepWarming(System.nanoTime(), warmupEnd, settleEnd, compiling, jitMillis()));
        double[] ts = new double[repetitions];
        for (int rep = 0; rep < repetitions; rep++) {
            ts[rep] = n / run(session, random.ints(n, 0, vocab).toArray(), prompt);
        }
        return new Row(
                model,
                type,
                threads,
                (prompt ? "pp" : "tg") + n,
                prompt ? n : 0,
                prompt ? 0 : n,
                mean(ts),
                stddev(ts),
                ts);
    }

    /** After a warm-up run that ended at {@code now}: until warmupEnd always, then until settleEnd while the JIT worked. */
    static boolean keepWarming(long now, long warmupEnd, long settleEnd, long jitBefore, long jitAfter) {
        return now < warmupEnd || (now < settleEnd && jitAfter != jitBefore);
    }

    /** Milliseconds the JIT has spent compiling so far, or 0 where the JVM does not say. */
    private static long jitMillis() {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : 0;
    }

    /** Seconds for one prompt pass over tokens, or for decoding them one at a time, from an empty context. */
    private static double run(Session session, int[] tokens, boolean prompt) {
        session.reset();
        long start = System.nanoTime();
        if (prompt) {
            session.append(tokens);
        } else {
            for (int token : tokens) session.append(token);
        }
        return (System.nanoTime() - start) / 1e9;
    }

    private void header(PrintStream out) {
        switch (format) {
            case md -> {
                out.println("| model | type | threads | test | t/s |");
                out.println("| --- | --- | ---: | ---: | ---: |");
            }
            case csv -> out.println("model,type,threads,test,n_prompt,n_gen,avg_ts,stddev_ts");
            case json -> {}
        }
        out.flush();
    }

    /** md and csv rows appear as soon as they are measured; JSON is written whole at the end. */
    private Row print(PrintStream out, Row r) {
        switch (format) {
            case md ->
                out.printf(
                        Locale.ROOT,
                        "| %s | %s | %d | %s | %.2f ± %.2f |%n",
                        r.model(),
                        r.type(),
                        r.threads(),
                        r.test(),
                        r.avgTs(),
                        r.stddevTs());
            case csv ->
                out.printf(
                        Locale.ROOT,
                        "%s,%s,%d,%s,%d,%d,%.4f,%.4f%n",
                        csv(r.model()),
                        r.type(),
                        r.threads(),
                        r.test(),
                        r.nPrompt(),
                        r.nGen(),
                        r.avgTs(),
                        r.stddevTs());
            case json -> {}
        }
        out.flush();
        return r;
    }

    private static String csv(String s) {
        return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }

    static double mean(double[] x) {
        double sum = 0;
        for (double v : x) sum += v;
        return sum / x.length;
    }

    /** Sample standard deviation (n - 1), as llama-bench reports it; 0 for a single run. */
    static double stddev(double[] x) {
        if (x.length < 2) return 0;
        double m = mean(x);
        double sum = 0;
        for (double v : x) sum += (v - m) * (v - m);
        return Math.sqrt(sum / (x.length - 1));
    }
}
