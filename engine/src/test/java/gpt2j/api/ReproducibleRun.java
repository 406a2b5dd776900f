package gpt2j.api;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A seeded generation through the public API that records the bits of every logit it saw: run in-process by
 * {@link ReproducibilityTest} and in fresh JVMs (interpreter only, C1 only) by its {@link #main}.
 */
final class ReproducibleRun {

    static final CompletionOptions OPTIONS =
            CompletionOptions.builder().seed(11).temperature(1.2f).maxTokens(8).build();

    private ReproducibleRun() {}

    /** Tokens and a digest of every logit's bits: the prompt's last logits and one set per generated token. */
    static String run(Model model, int[] prompt) {
        Session s = model.newSession();
        TokenSampler sampler = model.sampler(OPTIONS);
        s.append(prompt);
        sampler.accept(prompt);
        List<Integer> tokens = new ArrayList<>();
        long digest = 17;
        for (int i = 0; i < OPTIONS.maxTokens(); i++) {
            for (float f : s.logits()) digest = digest * 31 + Float.floatToRawIntBits(f);
            int id = s.sample(sampler);
            tokens.add(id);
            sampler.accept(id);
            s.append(id);
        }
        return tokens + " " + Long.toHexString(digest);
    }

    static int[] prompt(int length, int seed, int vocab) {
        int[] p = new int[length];
        for (int i = 0; i < length; i++) p[i] = Math.floorMod(seed * 7919 + i * 104729, vocab);
        return p;
    }

    static final String[] TYPES = {null, "q8_0", "q4_0"};
    static final int[] LENGTHS = {3, 40};

    /** One {@link #run} line per weight type and prompt length, each after a different prompt has run first. */
    static List<String> runAll(Path dir) {
        List<String> lines = new ArrayList<>();
        for (String type : TYPES) {
            try (Model model = Model.open(
                    dir, ModelOptions.builder().threads(2).weightType(type).build())) {
                for (int length : LENGTHS) {
                    run(model, prompt(5, 2, model.vocabSize()));
                    lines.add(type + " " + length + ": " + run(model, prompt(length, 1, model.vocabSize())));
                }
            }
        }
        return lines;
    }

    /** args: the model directory; prints {@link #runAll}'s lines. */
    public static void main(String[] args) {
        runAll(Path.of(args[0])).forEach(System.out::println);
    }
}
