package gpt2j.tokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads the vocabulary formats into token and merge lists; every failure is a one-line TokenizerException. */
final class VocabularyFiles {
    private VocabularyFiles() {}

    static Gpt2Tokenizer bundled() {
        String vocab = resource("vocab.json");
        String merges = resource("merges.txt");
        return build(
                vocabFromJson(parseJson(vocab, "bundled vocab.json"), "bundled vocab.json"),
                mergeLines(merges),
                new LinkedHashMap<>());
    }

    static Gpt2Tokenizer fromFiles(Path vocabJson, Path mergesTxt) {
        Map<String, Integer> vocab =
                vocabFromJson(parseJson(read(vocabJson), vocabJson.toString()), vocabJson.toString());
        return build(vocab, mergeLines(read(mergesTxt)), new LinkedHashMap<>());
    }

    static Gpt2Tokenizer fromTokenizerJson(Path path) {
        String where = path.toString();
        if (!(parseJson(read(path), where) instanceof Map<?, ?> root)) {
            throw new TokenizerException(where + ": expected a JSON object");
        }
        if (!(root.get("model") instanceof Map<?, ?> model)) {
            throw new TokenizerException(where + ": no \"model\" object");
        }
        Object type = model.get("type");
        if (type != null && !"BPE".equals(type)) {
            throw new TokenizerException(where + ": model type is " + type + ", only BPE is supported");
        }
        requireByteLevel(root.get("pre_tokenizer"), where);
        if (root.get("normalizer") != null) {
            throw new TokenizerException(where + ": a normalizer is not supported (GPT-2's tokenizer.json has none)");
        }
        Map<String, Integer> vocab = vocabFromJson(model.get("vocab"), where + " model.vocab");
        if (!(model.get("merges") instanceof List<?> mergeList)) {
            throw new TokenizerException(where + ": model.merges is not an array");
        }
        List<String> merges = new ArrayList<>(mergeList.size());
        for (Object m : mergeList) {
            // Older files write "a b", newer ones ["a", "b"].
            if (m instanceof String s) {
                merges.add(s);
            } else if (m instanceof List<?> pair
                    && pair.size() == 2
                    && pair.get(0) instanceof String a
                    && pair.get(1) instanceof String b) {
                merges.add(a + " " + b);
            } else {
                throw new TokenizerException(
                        where + ": merge " + (merges.size() + 1) + " is neither \"a b\" nor [\"a\", \"b\"]");
            }
        }
        Map<String, Integer> specials = new LinkedHashMap<>();
        if (root.get("added_tokens") instanceof List<?> added) {
            for (Object o : added) {
                if (o instanceof Map<?, ?> t
                        && t.get("content") instanceof String content
                        && t.get("id") instanceof Long id) {
                    if (id < 0 || id > Integer.MAX_VALUE) {
                        throw new TokenizerException(
                                where + ": added token '" + content + "' has id " + id + ", not an index");
                    }
                    Integer known = vocab.putIfAbsent(content, id.intValue());
                    if (known != null && known != id.intValue()) {
                        throw new TokenizerException(where + ": added token '" + content + "' has id " + id
                                + " but the vocabulary says " + known);
                    }
                    if (Boolean.TRUE.equals(t.get("special"))) {
                        specials.put(content, id.intValue());
                    }
                } else {
                    throw new TokenizerException(where + ": an added_tokens entry lacks \"content\" or \"id\"");
                }
            }
        }
        return build(vocab, merges, specials);
    }

    /** ByteLevel directly, or inside a Sequence; other pre-tokenizers would split text differently. */
    private static void requireByteLevel(Object pre, String where) {
        if (pre instanceof Map<?, ?> p && "ByteLevel".equals(p.get("type"))) {
            if (Boolean.TRUE.equals(p.get("add_prefix_space"))) {
                throw new TokenizerException(
                        where + ": ByteLevel add_prefix_space=true is not supported (GPT-2 uses false)");
            }
            if (Boolean.FALSE.equals(p.get("use_regex"))) {
                throw new TokenizerException(
                        where + ": ByteLevel use_regex=false is not supported (GPT-2 splits with its pattern)");
            }
            return;
        }
        throw new TokenizerException(where + ": pre_tokenizer must be ByteLevel (GPT-2 style), found "
                + (pre instanceof Map<?, ?> p ? p.get("type") : pre));
    }

    private static Gpt2Tokenizer build(Map<String, Integer> vocab, List<String> merges, Map<String, Integer> specials) {
        String[] tokens = new String[vocab.size()];
        for (Map.Entry<String, Integer> e : vocab.entrySet()) {
            int id = e.getValue();
            if (id < 0 || id >= tokens.length) {
                throw new TokenizerException("token '" + e.getKey() + "' has id " + id + ", outside 0.."
                        + (tokens.length - 1) + " (ids must be contiguous from 0)");
            }
            if (tokens[id] != null) {
                throw new TokenizerException(
                        "id " + id + " is used by both '" + tokens[id] + "' and '" + e.getKey() + "'");
            }
            tokens[id] = e.getKey();
        }
        Integer eot = vocab.get(Gpt2Tokenizer.END_OF_TEXT);
        if (eot != null) {
            specials.putIfAbsent(Gpt2Tokenizer.END_OF_TEXT, eot);
        }
        return new Gpt2Tokenizer(Arrays.asList(tokens), merges, specials);
    }

    private static Map<String, Integer> vocabFromJson(Object json, String where) {
        if (!(json instanceof Map<?, ?> map)) {
            throw new TokenizerException(where + ": expected a JSON object of token -> id");
        }
        Map<String, Integer> vocab = new LinkedHashMap<>(map.size() * 2);
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!(e.getValue() instanceof Long id) || id < 0 || id > Integer.MAX_VALUE) {
                throw new TokenizerException(
                        where + ": token '" + e.getKey() + "' has a non-integer or negative id " + e.getValue());
            }
            vocab.put((String) e.getKey(), id.intValue());
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

    private static Object parseJson(String text, String where) {
        try {
            return Json.parse(text);
        } catch (IllegalArgumentException e) {
            throw new TokenizerException(where + ": " + e.getMessage());
        }
    }

    private static String read(Path path) {
        try {
            return Files.readString(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new TokenizerException("cannot read " + path + ": " + describe(e));
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

    private static String resource(String name) {
        try (InputStream in = Gpt2Tokenizer.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new TokenizerException(
                        "bundled resource gpt2j/tokenizer/" + name + " is missing from the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new TokenizerException("cannot read bundled gpt2j/tokenizer/" + name + ": " + e.getMessage());
        }
    }
}
