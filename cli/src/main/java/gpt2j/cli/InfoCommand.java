package gpt2j.cli;

import gpt2j.api.Model;
import gpt2j.api.ModelInfo;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(
        name = "info",
        mixinStandardHelpOptions = true,
        description = "Show a model's format, shape, the config fields that change its math (MLP width, activation, "
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
        ModelInfo m = Model.inspect(path);
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("path", path.toString());
        info.put("format", m.format());
        info.put("file_bytes", m.fileBytes());
        info.put("layers", m.layers());
        info.put("heads", m.heads());
        info.put("embedding", m.embedding());
        info.put("context", m.context());
        info.put("vocab", m.vocab());
        info.put("parameters", m.parameters());
        // The config fields that change the math (GPT-2's own: 4 x embedding, gelu_new, 1e-5, true, false).
        info.put("feed_forward", m.feedForward());
        info.put("activation", m.activation());
        info.put("layer_norm_epsilon", m.layerNormEpsilon());
        info.put("scale_attn_weights", m.scaleAttnWeights());
        info.put("scale_attn_by_inverse_layer_idx", m.scaleAttnByInverseLayerIdx());
        info.put("matrix_types", m.matrixTypes());
        info.put("embedding_type", m.embeddingType());
        info.put("stored_types", m.storedTypes());
        info.put("tensor_types", m.tensorTypes());
        info.put("bits_per_weight", m.bitsPerWeight());
        PrintStream out = root.out();
        if (json) {
            out.println(Json.write(info));
        } else {
            info.remove("tensor_types"); // stored types says the same in words
            info.forEach((k, v) -> out.printf(
                    "%-16s %s%n",
                    k.replace('_', ' ') + ":",
                    k.equals("file_bytes")
                            ? v + " (" + Units.bytes((Long) v) + ")"
                            : k.equals("bits_per_weight")
                                    ? String.format("%.2f", (Double) v)
                                    : v instanceof List<?> list
                                            ? String.join(
                                                    ", ",
                                                    list.stream()
                                                            .map(String::valueOf)
                                                            .toList())
                                            : v));
        }
        return 0;
    }
}
