package gpt2j.weights;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reads a Hugging Face GPT-2 {@code config.json} into a {@link Gpt2Config}. */
public final class HfConfig {

    private HfConfig() {
    }

    public static Gpt2Config read(Path configJson) {
        String text;
        try {
            text = Files.readString(configJson);
        } catch (NoSuchFileException e) {
            throw new WeightsException(configJson + ": file not found (a Hugging Face GPT-2 directory needs config.json)");
        } catch (IOException e) {
            throw new WeightsException(configJson + ": cannot read (" + e.getMessage() + ")", e);
        }
        return parse(configJson.toString(), text);
    }

    static Gpt2Config parse(String where, String json) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(json);
        } catch (JsonProcessingException e) {
            throw new WeightsException(where + ": not valid JSON (" + e.getOriginalMessage() + ")");
        }
        if (root == null || !root.isObject()) throw new WeightsException(where + ": not a JSON object");
        JsonNode modelType = root.get("model_type");
        if (modelType != null && !modelType.asText().equals("gpt2")) {
            throw new WeightsException(where + ": model_type is " + modelType.asText() + ", gpt2j only runs gpt2");
        }
        JsonNode act = root.get("activation_function");
        // Both names are the tanh GELU; anything else (relu, exact gelu) would silently give wrong logits.
        if (act != null && !act.asText().equals("gelu_new") && !act.asText().equals("gelu_pytorch_tanh")) {
            throw new WeightsException(where + ": activation_function " + act.asText()
                    + " is not supported (gelu_new or gelu_pytorch_tanh)");
        }
        int vocab = intField(where, root, "vocab_size", "n_vocab");
        int ctx = intField(where, root, "n_positions", "n_ctx");
        int embd = intField(where, root, "n_embd", null);
        int layers = intField(where, root, "n_layer", null);
        int heads = intField(where, root, "n_head", null);
        float eps = 1e-5f;
        JsonNode epsNode = root.get("layer_norm_epsilon");
        if (epsNode != null && !epsNode.isNull()) {
            if (!epsNode.isNumber()) throw new WeightsException(where + ": layer_norm_epsilon is not a number: " + epsNode);
            eps = (float) epsNode.asDouble();
        }
        return new Gpt2Config(vocab, ctx, embd, layers, heads, eps);
    }

    private static int intField(String where, JsonNode root, String name, String alias) {
        JsonNode n = root.get(name);
        String used = name;
        if ((n == null || n.isNull()) && alias != null) {
            n = root.get(alias);
            used = alias;
        }
        if (n == null || n.isNull()) {
            throw new WeightsException(where + ": missing " + name + (alias == null ? "" : " (or " + alias + ")"));
        }
        if (!n.canConvertToExactIntegral() || !n.canConvertToInt() || n.asInt() <= 0) {
            throw new WeightsException(where + ": " + used + " must be a positive integer, got " + n);
        }
        return n.asInt();
    }
}
