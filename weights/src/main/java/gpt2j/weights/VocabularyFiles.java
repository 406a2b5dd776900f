package gpt2j.weights;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Hugging Face vocabulary files to {@link TokenizerData}: vocab.json with merges.txt, or tokenizer.json (BPE model,
 * ByteLevel pre-tokenizer). Every failure is a one-line {@link WeightsException}; the tokenizer module builds the
 * tokenizer from the lists.
 */
public final class VocabularyFiles {
    /** vocab.json nests 1 deep, tokenizer.json 4: a deeper file is refused before it costs stack or memory. */
    static final int MAX_DEPTH = 64;

    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxNestingDepth(MAX_DEPTH)
                            .build())
                    .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private VocabularyFiles() {}

    /** vocab.json (token -> id) and merges.txt (one "a b" merge per line, optional "#version" header). */
    public static TokenizerData read(Path vocabJson, Path mergesTxt) {
        String where = vocabJson.toString();
        Map<String, Integer> vocab = vocab(parse(read(vocabJson), where), where);
        return build(vocab, mergeLines(read(mergesTxt)), new LinkedHashMap<>());
    }

    /** A Hugging Face tokenizer.json with a BPE model and the ByteLevel pre-tokenizer. */
    public static TokenizerData readTokenizerJson(Path path) {
        String where = path.toString();
        JsonNode root = parse(read(path), where);
        if (!root.isObject()) {
            throw new WeightsException(where + ": expected a JSON object");
        }
        JsonNode model = root.get("model");
        if (model == null || !model.isObject()) {
            throw new WeightsException(where + ": no \"model\" object");
        }
        JsonNode type = model.get("type");
        if (type != null && !type.isNull() && !"BPE".equals(type.asText())) {
            throw new WeightsException(where + ": model type is " + type.asText() + ", only BPE is supported");
        }
        requireByteLevel(root.get("pre_tokenizer"), where);
        JsonNode normalizer = root.get("normalizer");
        if (normalizer != null && !normalizer.isNull()) {
            throw new WeightsException(where + ": a normalizer is not supported (GPT-2's tokenizer.json has none)");
        }
        Map<String, Integer> vocab = vocab(model.get("vocab"), where + " model.vocab");
        JsonNode mergeList = model.get("merges");
        if (mergeList == null || !mergeList.isArray()) {
            throw new WeightsException(where + ": model.merges is not an array");
        }
        List<String> merges = new ArrayList<>(mergeList.size());
        for (JsonNode m : mergeList) {
            // Older files write "a b", newer ones ["a", "b"].
            if (m.isTextual()) {
                merges.add(m.textValue());
            } else if (m.isArray()
                    && m.size() == 2
                    && m.get(0).isTextual()
                    && m.get(1).isTextual()) {
                merges.add(m.get(0).textValue() + " " + m.get(1).textValue());
            } else {
                throw new WeightsException(
                        where + ": merge " + (merges.size() + 1) + " is neither \"a b\" nor [\"a\", \"b\"]");
            }
        }
        Map<String, Integer> specials = new LinkedHashMap<>();
        JsonNode added = root.get("added_tokens");
        if (added != null && added.isArray()) {
            for (JsonNode t : added) {
                JsonNode content = t.get("content");
                JsonNode id = t.get("id");
                if (content == null || !content.isTextual() || id == null || !id.isIntegralNumber()) {
                    throw new WeightsException(where + ": an added_tokens entry lacks \"content\" or \"id\"");
                }
                String text = content.textValue();
                if (!id.canConvertToInt() || id.intValue() < 0) {
                    throw new WeightsException(
                            where + ": added token '" + text + "' has id " + id.asText() + ", not an index");
                }
                Integer known = vocab.putIfAbsent(text, id.intValue());
                if (known != null && known != id.intValue()) {
                    throw new WeightsException(where + ": added token '" + text + "' has id " + id.intValue()
                            + " but the vocabulary says " + known);
                }
                JsonNode special = t.get("special");
                if (special != null && special.isBoolean() && special.booleanValue()) {
                    specials.put(text, id.intValue());
                }
            }
        }
        return build(vocab, merges, specials);
    }

    /** ByteLevel directly; other pre-tokenizers would split text differently. */
    private static void requireByteLevel(JsonNode pre, String where) {
        if (pre != null && pre.isObject() && "ByteLevel".equals(pre.path("type").textValue())) {
            JsonNode prefix = pre.get("add_prefix_space");
            if (prefix != null && prefix.isBoolean() && prefix.booleanValue()) {
                throw new WeightsException(
                        where + ": ByteLevel add_prefix_space=true is not supported (GPT-2 uses false)");
            }
            JsonNode regex = pre.get("use_regex");
            if (regex != null && regex.isBoolean() && !regex.booleanValue()) {
                throw new WeightsException(
                        where + ": ByteLevel use_regex=false is not supported (GPT-2 splits with its pattern)");
            }
            return;
        }
        String found = pre == null
                ? "null"
                : pre.isObject() ? String.valueOf(pre.path("type").textValue()) : pre.toString();
        throw new WeightsException(where + ": pre_tokenizer must be ByteLevel (GPT-2 style), found " + found);
    }

    private static TokenizerData build(Map<String, Integer> vocab, List<String> merges, Map<String, Integer> specials) {
        String[] tokens = new String[vocab.size()];
        for (Map.Entry<String, Integer> e : vocab.entrySet()) {
            int id = e.getValue();
            if (id < 0 || id >= tokens.length) {
                throw new WeightsException("token '" + e.getKey() + "' has id " + id + ", outside 0.."
                        + (tokens.length - 1) + " (ids must be contiguous from 0)");
            }
            if (tokens[id] != null) {
                throw new WeightsException(
                        "id " + id + " is used by both '" + tokens[id] + "' and '" + e.getKey() + "'");
            }
            tokens[id] = e.getKey();
        }
        return new TokenizerData(Arrays.asList(tokens), merges, specials);
    }

    private static Map<String, Integer> vocab(JsonNode json, String where) {
        if (json == null || !json.isObject()) {
            throw new WeightsException(where + ": expected a JSON object of token -> id");
        }
        Map<String, Integer> vocab = new LinkedHashMap<>(json.size() * 2);
        for (Iterator<Map.Entry<String, JsonNode>> it = json.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode id = e.getValue();
            if (!id.isIntegralNumber() || !id.canConvertToInt() || id.intValue() < 0) {
                throw new WeightsException(
                        where + ": token '" + e.getKey() + "' has a non-integer or negative id " + id);
            }
            vocab.put(e.getKey(), id.intValue());
        }
        return vocab;
    }

    /** merges.txt lines: a "#version" header and blank lines are skipped (as Hugging Face does). */
    private static List<String> mergeLines(String text) {
        List<String> merges = new ArrayList<>();
        for (String line : text.split("\r?\n")) {
            if (!line.isEmpty() && !line.startsWith("#version")) {
                merges.add(line);
            }
        }
        return merges;
    }

    private static JsonNode parse(String text, String where) {
        try {
            JsonNode node = JSON.readTree(text);
            if (node == null || node.isMissingNode()) {
                throw new WeightsException(where + ": invalid JSON at character 0: unexpected end of input");
            }
            return node;
        } catch (StreamConstraintsException e) {
            throw new WeightsException(where + ": invalid JSON: nesting deeper than " + MAX_DEPTH + " levels");
        } catch (JsonProcessingException e) {
            long at = e.getLocation() == null ? -1 : e.getLocation().getCharOffset();
            String what = e.getOriginalMessage().replaceAll("\\s+", " ");
            throw new WeightsException(where + ": invalid JSON at character " + at + ": " + what);
        }
    }

    private static String read(Path path) {
        try {
            return Files.readString(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new WeightsException("cannot read " + path + ": " + describe(e));
        }
    }

    private static String describe(IOException e) {
        return switch (e) {
            case java.nio.file.NoSuchFileException x -> "no such file";
            case java.nio.file.AccessDeniedException x -> "permission denied";
            case java.nio.charset.CharacterCodingException x -> "not UTF-8 text";
            default -> e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage());
        };
    }
}
