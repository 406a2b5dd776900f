package gpt2j.server;

import com.fasterxml.jackson.databind.JsonNode;
import gpt2j.api.Model;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A {@code POST /v1/completions} body, checked: OpenAI's legacy completions fields (plus llama.cpp's top_k, min_p and
 * repeat_penalty). Unknown fields are ignored; a field of the wrong type or out of range is a 400 naming it.
 *
 * @param prompts   each prompt as token ids (a string is tokenized; an empty prompt becomes {@code <|endoftext|>})
 * @param maxTokens tokens to generate per choice; 0 with echo scores the prompt only
 * @param logprobs  top alternatives per token to return, or -1 for no logprobs object
 */
record CompletionRequest(
        String model,
        List<int[]> prompts,
        int maxTokens,
        float temperature,
        float topP,
        int topK,
        float minP,
        float repeatPenalty,
        int n,
        boolean stream,
        boolean includeUsage,
        int logprobs,
        boolean echo,
        List<String> stop,
        Long seed,
        Map<Integer, Float> logitBias,
        float presencePenalty,
        float frequencyPenalty) {

    static final int MAX_LOGPROBS = 20;
    static final int MAX_N = 16;
    static final int MAX_STOPS = 4;

    static CompletionRequest parse(JsonNode body, Model model) {
        if (body == null || !body.isObject())
            throw ApiException.invalid(null, "the request body must be a JSON object");
        int vocabSize = model.vocabSize();
        List<int[]> prompts = prompts(body.get("prompt"), model, vocabSize);
        int maxTokens = integer(body, "max_tokens", 16, 0, Integer.MAX_VALUE);
        float temperature = number(body, "temperature", 1f, 0f, 2f);
        float topP = number(body, "top_p", 1f, 0f, 1f);
        if (topP == 0f) topP = Float.MIN_VALUE; // OpenAI accepts 0: only the most likely token survives
        int topK = integer(body, "top_k", 0, 0, Integer.MAX_VALUE);
        float minP = number(body, "min_p", 0f, 0f, 0.999f);
        float repeatPenalty = number(body, "repeat_penalty", 1f, 0.01f, 100f);
        int n = integer(body, "n", 1, 1, MAX_N);
        int bestOf = integer(body, "best_of", n, 1, MAX_N);
        if (bestOf != n) throw ApiException.invalid("best_of", "best_of other than n is not supported");
        boolean stream = bool(body, "stream", false);
        boolean includeUsage = false;
        JsonNode streamOptions = body.get("stream_options");
        if (streamOptions != null && !streamOptions.isNull()) {
            if (!streamOptions.isObject())
                throw ApiException.invalid("stream_options", "stream_options must be an object");
            includeUsage = bool(streamOptions, "include_usage", false);
        }
        int logprobs = body.hasNonNull("logprobs") ? integer(body, "logprobs", 0, 0, MAX_LOGPROBS) : -1;
        boolean echo = bool(body, "echo", false);
        List<String> stop = stops(body.get("stop"));
        Long seed = null;
        if (body.hasNonNull("seed")) {
            JsonNode s = body.get("seed");
            if (!s.canConvertToExactIntegral() || !s.canConvertToLong()) {
                throw ApiException.invalid("seed", "seed must be an integer, got " + s);
            }
            seed = s.asLong();
        }
        Map<Integer, Float> bias = logitBias(body.get("logit_bias"), vocabSize);
        float presence = number(body, "presence_penalty", 0f, -2f, 2f);
        float frequency = number(body, "frequency_penalty", 0f, -2f, 2f);
        if (body.hasNonNull("suffix")) throw ApiException.invalid("suffix", "suffix is not supported by GPT-2");
        String name = body.hasNonNull("model") && body.get("model").isTextual()
                ? body.get("model").asText()
                : null;
        return new CompletionRequest(
                name,
                prompts,
                maxTokens,
                temperature,
                topP,
                topK,
                minP,
                repeatPenalty,
                n,
                stream,
                includeUsage,
                logprobs,
                echo,
                stop,
                seed,
                bias,
                presence,
                frequency);
    }

    /** prompt: a string, an array of token ids, an array of strings, or an array of arrays of token ids. */
    private static List<int[]> prompts(JsonNode p, Model model, int vocabSize) {
        if (p == null || p.isNull()) throw ApiException.invalid("prompt", "prompt is required");
        List<int[]> out = new ArrayList<>();
        if (p.isTextual()) {
            out.add(encode(p.asText(), model));
        } else if (p.isArray()) {
            if (p.isEmpty()) throw ApiException.invalid("prompt", "prompt must not be an empty array");
            if (p.get(0).isNumber()) {
                out.add(ids(p, vocabSize));
            } else {
                for (JsonNode e : p) {
                    if (e.isTextual()) out.add(encode(e.asText(), model));
                    else if (e.isArray()) out.add(ids(e, vocabSize));
                    else throw ApiException.invalid("prompt", "prompt arrays hold strings or arrays of token ids");
                }
            }
        } else {
            throw ApiException.invalid(
                    "prompt", "prompt must be a string, an array of token ids, or an array of either");
        }
        if (out.size() > MAX_N) throw ApiException.invalid("prompt", "at most " + MAX_N + " prompts per request");
        return out;
    }

    private static int[] encode(String text, Model model) {
        return model.tokenize(text);
    }

    private static int[] ids(JsonNode array, int vocabSize) {
        int[] ids = new int[array.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode e = array.get(i);
            if (!e.canConvertToExactIntegral() || !e.canConvertToInt() || e.asInt() < 0 || e.asInt() >= vocabSize) {
                throw ApiException.invalid("prompt", "token ids must be integers in [0, " + vocabSize + "), got " + e);
            }
            ids[i] = e.asInt();
        }
        return ids;
    }

    private static List<String> stops(JsonNode s) {
        if (s == null || s.isNull()) return List.of();
        List<String> out = new ArrayList<>();
        if (s.isTextual()) {
            out.add(s.asText());
        } else if (s.isArray()) {
            for (JsonNode e : s) {
                if (!e.isTextual()) throw ApiException.invalid("stop", "stop must be a string or an array of strings");
                out.add(e.asText());
            }
        } else {
            throw ApiException.invalid("stop", "stop must be a string or an array of strings");
        }
        if (out.size() > MAX_STOPS) throw ApiException.invalid("stop", "at most " + MAX_STOPS + " stop strings");
        for (String e : out) {
            if (e.isEmpty()) throw ApiException.invalid("stop", "stop strings must not be empty");
        }
        return out;
    }

    private static Map<Integer, Float> logitBias(JsonNode b, int vocabSize) {
        if (b == null || b.isNull()) return Map.of();
        if (!b.isObject()) throw ApiException.invalid("logit_bias", "logit_bias must map token ids to numbers");
        Map<Integer, Float> out = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = b.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            int id;
            try {
                id = Integer.parseInt(e.getKey());
            } catch (NumberFormatException x) {
                throw ApiException.invalid(
                        "logit_bias", "logit_bias keys must be token ids, got \"" + e.getKey() + "\"");
            }
            if (id < 0 || id >= vocabSize) {
                throw ApiException.invalid(
                        "logit_bias", "token id " + id + " is outside the vocabulary [0, " + vocabSize + ")");
            }
            JsonNode v = e.getValue();
            if (!v.isNumber() || v.asDouble() < -100 || v.asDouble() > 100) {
                throw ApiException.invalid("logit_bias", "logit_bias values must be numbers in [-100, 100], got " + v);
            }
            out.put(id, (float) v.asDouble());
        }
        return out;
    }

    private static int integer(JsonNode body, String name, int dflt, int min, int max) {
        JsonNode v = body.get(name);
        if (v == null || v.isNull()) return dflt;
        if (!v.canConvertToExactIntegral() || !v.canConvertToInt() || v.asInt() < min || v.asInt() > max) {
            throw ApiException.invalid(
                    name,
                    name + " must be an integer in [" + min + ", " + (max == Integer.MAX_VALUE ? "inf" : max)
                            + "], got " + v);
        }
        return v.asInt();
    }

    private static float number(JsonNode body, String name, float dflt, float min, float max) {
        JsonNode v = body.get(name);
        if (v == null || v.isNull()) return dflt;
        if (!v.isNumber() || !(v.asDouble() >= min && v.asDouble() <= max)) {
            throw ApiException.invalid(name, name + " must be a number in [" + min + ", " + max + "], got " + v);
        }
        return (float) v.asDouble();
    }

    private static boolean bool(JsonNode body, String name, boolean dflt) {
        JsonNode v = body.get(name);
        if (v == null || v.isNull()) return dflt;
        if (!v.isBoolean()) throw ApiException.invalid(name, name + " must be true or false, got " + v);
        return v.asBoolean();
    }
}
