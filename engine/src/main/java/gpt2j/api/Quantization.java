package gpt2j.api;

import gpt2j.tokenizer.Gpt2Tokenizer;
import gpt2j.weights.GgmlType;
import gpt2j.weights.GgufExport;
import gpt2j.weights.GgufWriter;
import gpt2j.weights.Gpt2Checkpoint;
import gpt2j.weights.Gpt2Weights;
import gpt2j.weights.LoadedCheckpoint;
import gpt2j.weights.QuantPreset;
import gpt2j.weights.TokenizerData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Writes a model as a GGUF file the way llama-quantize does: each matrix in the type a preset chooses for it (or one
 * type everywhere, {@code pure}), norms and biases F32, the vocabulary in the metadata, through a temporary file and an
 * atomic rename. The model's files are never overwritten.
 *
 * <pre>{@code
 * Quantization.write(Path.of("gpt2"), Path.of("gpt2-q8_0.gguf"), "q8_0", false, true, Quantization.Listener.NONE);
 * }</pre>
 */
public final class Quantization {

    /**
     * What is about to be written, reported once the export's own checks have passed.
     *
     * @param storedTypes the source's tensor types, most frequent first, e.g. "F32 x148"
     * @param sourceBytes the source's file size
     * @param outputTypes the output's tensor types, in the same form
     * @param outputBytes the output's file size
     * @param tiedHead    whether the head is the token embeddings (written again as output.weight, or left out)
     * @param ownKeys     settings stored under gpt2j's own metadata keys, which llama.cpp ignores (empty for GPT-2's own)
     */
    public record Plan(
            String storedTypes,
            long sourceBytes,
            String outputTypes,
            long outputBytes,
            boolean tiedHead,
            Map<String, Object> ownKeys) {}

    /** Hears how the writing goes; both calls come from the writing thread. */
    public interface Listener {
        Listener NONE = new Listener() {};

        /** Before the first tensor is written, with what the file will hold. */
        default void started(Plan plan) {}

        default void tensorWritten(int done, int total, String name) {}
    }

    private Quantization() {}

    /** The preset names {@link #write} takes, as llama-quantize spells them in lower case: "q8_0", "q4_k_m", ... */
    public static List<String> presets() {
        return Arrays.stream(QuantPreset.values())
                .map(p -> p.name().toLowerCase(Locale.ROOT))
                .toList();
    }

    /**
     * Writes {@code source} (a model directory or {@code .gguf} file) to {@code output} with {@code preset}'s types.
     * With {@code writeTiedHead} false a head tied to the token embeddings is left out: a smaller file that gpt2j reads
     * but llama.cpp's GPT-2 loader does not.
     *
     * @throws IllegalArgumentException for an unknown preset, an output that is the source, or a model without a
     *                                  vocabulary (GGUF needs one)
     */
    public static Plan write(
            Path source, Path output, String preset, boolean pure, boolean writeTiedHead, Listener listener) {
        QuantPreset p = preset(preset);
        try (LoadedCheckpoint checkpoint = Gpt2Checkpoint.open(source)) {
            for (Path f : checkpoint.files()) {
                if (sameFile(f, output)) {
                    throw new IllegalArgumentException(output + " is the model being read; choose another output file");
                }
            }
            TokenizerData vocabulary = checkpoint.tokenizer();
            if (vocabulary == null) {
                String[] why = {null};
                Gpt2Tokenizer t = Tokenizers.find(source, checkpoint, why);
                if (t == null) throw new IllegalArgumentException(why[0] + "; GGUF needs the vocabulary");
                vocabulary = new TokenizerData(t.tokenStrings(), t.mergeStrings());
            }
            Gpt2Weights w = checkpoint.weights();
            Plan[] plan = {null};
            GgufExport.write(checkpoint, vocabulary, p, pure, output, writeTiedHead, new GgufWriter.Progress() {
                @Override
                public void starting(Map<GgmlType, Integer> types, long fileBytes) {
                    plan[0] = new Plan(
                            checkpoint.typeSummary(),
                            checkpoint.fileBytes(),
                            summary(types),
                            fileBytes,
                            w.head().tensor() == w.tokenEmbedding(),
                            GgufExport.gpt2jKeys(w.config()));
                    listener.started(plan[0]);
                }

                @Override
                public void tensorWritten(int done, int total, String name) {
                    listener.tensorWritten(done, total, name);
                }
            });
            return plan[0];
        }
    }

    /** "F32 x35, Q8_0 x18": the most frequent type first, as the source's summary reads. */
    private static String summary(Map<GgmlType, Integer> types) {
        return types.entrySet().stream()
                .sorted(Map.Entry.<GgmlType, Integer>comparingByValue().reversed())
                .map(e -> e.getKey() + " x" + e.getValue())
                .collect(Collectors.joining(", "));
    }

    private static QuantPreset preset(String name) {
        try {
            return QuantPreset.valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "unknown preset '" + name + "'; use one of " + String.join(", ", presets()));
        }
    }

    /** True when both name the same existing file (through links, relative paths and all). */
    private static boolean sameFile(Path a, Path b) {
        try {
            return Files.exists(a) && Files.exists(b) && Files.isSameFile(a, b);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
