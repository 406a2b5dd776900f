package gpt2j.cli;

import gpt2j.weights.GgmlType;
import gpt2j.weights.Gpt2Checkpoint;
import gpt2j.weights.Gpt2Config;
import gpt2j.weights.Gpt2Weights;
import gpt2j.weights.LoadedCheckpoint;
import gpt2j.weights.Tensor;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "info", mixinStandardHelpOptions = true, description = "Show a model's format, shape, the config fields that change its math (MLP width, activation, "
                + "LayerNorm epsilon, attention scaling), parameter count, types and file size.",
        footer = {"  gpt2j info -m gpt2.gguf --json"})
final class InfoCommand implements Callable<Integer> {

    @ParentCommand
    Main root;

    @Mixin
    ModelOption modelOption;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() {
        Path path = modelOption.path();
        try (LoadedCheckpoint checkpoint = Gpt2Checkpoint.open(path)) {
            Gpt2Weights w = checkpoint.weights();
            Gpt2Config c = w.config();
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("path", path.toString());
            info.put("format", checkpoint.format());
            info.put("file_bytes", checkpoint.fileBytes());
            info.put("layers", c.layerCount());
            info.put("heads", c.headCount());
            info.put("embedding", c.embeddingSize());
            info.put("context", c.contextLength());
            info.put("vocab", c.vocabSize());
            info.put("parameters", c.parameterCount());
            // The config fields that change the math (GPT-2's own: 4 x embedding, gelu_new, 1e-5, true, false).
            info.put("feed_forward", c.innerSize());
            info.put("activation", c.activation().configName());
            info.put("layer_norm_epsilon", c.layerNormEpsilon());
            info.put("scale_attn_weights", c.scaleAttnWeights());
            info.put("scale_attn_by_inverse_layer_idx", c.scaleAttnByInverseLayerIdx());
            info.put("matrix_types", matrixTypes(w).stream().map(Enum::name).toList());
            info.put("embedding_type", w.tokenEmbedding().type().name());
            info.put("stored_types", checkpoint.typeSummary());
            Map<String, Integer> counts = new LinkedHashMap<>();
            checkpoint.sourceTypes().forEach((t, n) -> counts.put(t.name(), n));
            info.put("tensor_types", counts);
            info.put("bits_per_weight", bitsPerWeight(w));
            PrintStream out = root.out();
            if (json) {
                out.println(Json.write(info));
            } else {
                info.remove("tensor_types"); // stored types says the same in words
                info.forEach((k, v) -> out.printf("%-16s %s%n", k.replace('_', ' ') + ":",
                        k.equals("file_bytes") ? v + " (" + Units.bytes((Long) v) + ")"
                                : k.equals("bits_per_weight") ? String.format("%.2f", (Double) v)
                                : v instanceof List<?> list ? String.join(", ", list.stream().map(String::valueOf).toList())
                                : v));
            }
        }
        return 0;
    }

    /**
     * Bits per weight of the tensors as loaded, as llama.cpp counts them: 8 * bytes / values over every tensor once
     * (a tied head is the embedding itself). For a GGUF file that is its tensor data; norms and biases count as F32.
     */
    static double bitsPerWeight(Gpt2Weights w) {
        Set<Tensor> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        seen.add(w.tokenEmbedding());
        seen.add(w.positionEmbedding());
        seen.add(w.finalNormWeight());
        seen.add(w.finalNormBias());
        seen.add(w.head().tensor());
        for (Gpt2Weights.Layer l : w.layers()) {
            seen.addAll(java.util.List.of(l.attnNormWeight(), l.attnNormBias(), l.qkv().tensor(), l.qkvBias(),
                    l.attnOut().tensor(), l.attnOutBias(), l.mlpNormWeight(), l.mlpNormBias(), l.mlpUp().tensor(),
                    l.mlpUpBias(), l.mlpDown().tensor(), l.mlpDownBias()));
        }
        long bytes = 0, values = 0;
        for (Tensor t : seen) {
            bytes += t.data().byteSize();
            values += t.size();
        }
        return 8.0 * bytes / values;
    }

    /** The types of the large matrices (attention, MLP, head), as the engine will use them. */
    static Set<GgmlType> matrixTypes(Gpt2Weights w) {
        Set<GgmlType> types = EnumSet.noneOf(GgmlType.class);
        for (Gpt2Weights.Layer l : w.layers()) {
            types.add(l.qkv().type());
            types.add(l.attnOut().type());
            types.add(l.mlpUp().type());
            types.add(l.mlpDown().type());
        }
        types.add(w.head().type());
        return types;
    }
}
