package gpt2j.weights;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/** Reads a Hugging Face GPT-2 {@code config.json} into a {@link Gpt2Config}. */
public final class HfConfig {

    private HfConfig() {}

    public static Gpt2Config read(Path configJson) {
        String text;
        try {
            text = Files.readString(configJson);
        } catch (NoSuchFileException e) {
            throw new WeightsException(
                    configJson + ": file not found (a Hugging Face GPT-2 directory needs config.json)");
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
        refuseOtherMath(where, root);
        Gpt2Config.Builder b = Gpt2Config.builder()
                .vocabSize(intField(where, root, "vocab_size", "n_vocab"))
                .contextLength(intField(where, root, "n_positions", "n_ctx"))
                .embeddingSize(intField(where, root, "n_embd", null))
                .layerCount(intField(where, root, "n_layer", null))
                .headCount(intField(where, root, "n_head", null));
        JsonNode inner = root.get("n_inner");
        if (inner != null && !inner.isNull()) b.innerSize(intField(where, root, "n_inner", null));
        JsonNode act = root.get("activation_function");
        if (act != null && !act.isNull()) {
            Activation a = act.isTextual() ? Activation.forName(act.asText()) : null;
            if (a == null) {
                throw new WeightsException(where + ": activation_function " + act + " is not supported (gpt2j computes "
                        + Activation.names() + ")");
            }
            b.activation(a);
        }
        JsonNode epsNode = root.get("layer_norm_epsilon");
        if (epsNode != null && !epsNode.isNull()) {
            if (!epsNode.isNumber())
                throw new WeightsException(where + ": layer_norm_epsilon is not a number: " + epsNode);
            b.layerNormEpsilon((float) epsNode.asDouble());
        }
        b.scaleAttnWeights(flag(where, root, "scale_attn_weights", true));
        b.scaleAttnByInverseLayerIdx(flag(where, root, "scale_attn_by_inverse_layer_idx", false));
        // reorder_and_upcast_attn only makes the scores float32 in half-precision runs: gpt2j's always are.
        flag(where, root, "reorder_and_upcast_attn", false);
        return b.build();
    }

    /**
     * True unless config.json sets tie_word_embeddings to false: as in transformers, a tied model's head is the
     * token embedding matrix (an lm_head.weight in the file is then ignored), an untied one needs lm_head.weight.
     */
    static boolean tiesWordEmbeddings(Path configJson) {
        try {
            JsonNode root = new ObjectMapper().readTree(Files.readString(configJson));
            return flag(configJson.toString(), root, "tie_word_embeddings", true);
        } catch (IOException e) {
            throw new WeightsException(configJson + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    /** Configs whose weights are GPT-2's but whose model is not: one line naming the field, not a tensor error later. */
    private static void refuseOtherMath(String where, JsonNode root) {
        if (root.has("auto_map")) {
            throw new WeightsException(where + ": auto_map names custom model code " + root.get("auto_map")
                    + ", which gpt2j does not run (it computes Hugging Face's GPT2LMHeadModel only)");
        }
        JsonNode heads = root.get("attention_head_type");
        if (heads != null && !heads.isNull() && !heads.asText().equals("multihead")) {
            throw new WeightsException(
                    where + ": attention_head_type is " + heads + ", gpt2j runs multihead attention only (GPT-2's)");
        }
        JsonNode arch = root.get("architectures");
        if (arch != null && arch.isArray()) {
            for (JsonNode a : arch) {
                if (!LM_ARCHITECTURES.contains(a.asText())) {
                    throw new WeightsException(where + ": architectures names " + a + ", which is not a language-model "
                            + "head; gpt2j runs " + String.join(", ", LM_ARCHITECTURES));
                }
            }
        }
    }

    /** Architectures whose weights give next-token logits through the tied (or saved) LM head. */
    private static final List<String> LM_ARCHITECTURES =
            List.of("GPT2LMHeadModel", "GPT2Model", "GPT2DoubleHeadsModel");

    private static boolean flag(String where, JsonNode root, String name, boolean absent) {
        JsonNode n = root.get(name);
        if (n == null || n.isNull()) return absent;
        if (!n.isBoolean()) throw new WeightsException(where + ": " + name + " must be true or false, got " + n);
        return n.asBoolean();
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
