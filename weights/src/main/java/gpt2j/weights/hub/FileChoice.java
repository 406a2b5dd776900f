package gpt2j.weights.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Which files of a repository gpt2j needs, and only those: config.json, the tokenizer files and {@code model.safetensors}
 * (or its shards through the index), else {@code pytorch_model.bin} (or its shards), else one GGUF file.
 *
 * @param files     the files to fetch first, in order
 * @param index     an index whose {@code weight_map} names the shards to fetch next, or null
 * @param gguf      the chosen GGUF file (the model is that file, not the directory), or null
 * @param note      a line worth telling the user (which GGUF was chosen, and how to choose another), or null
 */
record FileChoice(List<String> files, String index, String gguf, String note) {

    static final String CONFIG = "config.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    // Best first: what keeps the most of the model among the types gpt2j reads; Q8_0 leads (the default).
    private static final List<String> GGUF_PREFERENCE = List.of(
            "Q8_0", "F16", "BF16", "F32", "Q6_K", "Q5_K_M", "Q5_K_S", "Q5_1", "Q5_0", "Q4_K_M", "Q4_K_S", "Q4_1",
            "Q4_0", "IQ4_NL", "IQ4_XS", "Q3_K_L", "Q3_K_M", "Q3_K_S", "Q2_K");

    /** Chooses among {@code available} (a repository's file names); fails with one line naming what is missing. */
    static FileChoice choose(String repo, Collection<String> available, String quant) {
        TreeSet<String> names = new TreeSet<>(available);
        List<String> ggufs = names.stream()
                .filter(n -> n.toLowerCase(Locale.ROOT).endsWith(".gguf")
                        && !n.toLowerCase(Locale.ROOT).contains("mmproj"))
                .toList();
        if (quant != null) {
            if (ggufs.isEmpty()) {
                throw new HubException(repo + ": :" + quant + " asks for a GGUF file but the repository has none");
            }
            String file = withTag(ggufs, quant);
            if (file == null) {
                throw new HubException(repo + ": no GGUF file carries the tag " + quant + "; it has " + tags(ggufs));
            }
            return new FileChoice(List.of(file), null, file, null);
        }
        String weights = null;
        String index = null;
        for (String w : new String[] {"model.safetensors", "pytorch_model.bin"}) {
            if (names.contains(w)) {
                weights = w;
                break;
            }
            if (names.contains(w + ".index.json")) {
                index = w + ".index.json";
                break;
            }
        }
        if ((weights != null || index != null) && names.contains(CONFIG)) {
            List<String> files = new ArrayList<>();
            files.add(CONFIG);
            if (names.contains("vocab.json") && names.contains("merges.txt")) {
                files.add("vocab.json");
                files.add("merges.txt");
            } else if (names.contains("tokenizer.json")) {
                files.add("tokenizer.json");
            }
            files.add(weights != null ? weights : index);
            return new FileChoice(List.copyOf(files), index, null, null);
        }
        if (!ggufs.isEmpty()) {
            for (String tag : GGUF_PREFERENCE) {
                String file = withTag(ggufs, tag);
                if (file != null) {
                    String note = repo + ": using " + file + " (" + tag + "); name another type with " + repo
                            + ":TYPE, one of " + tags(ggufs);
                    return new FileChoice(List.of(file), null, file, note);
                }
            }
            String file = ggufs.getFirst();
            return new FileChoice(
                    List.of(file), null, file, repo + ": using " + file + "; the repository has " + ggufs);
        }
        throw new HubException(repo + ": no GPT-2 weights gpt2j can read (config.json with model.safetensors or "
                + "pytorch_model.bin, or a .gguf file); the repository has " + abbreviated(names));
    }

    /** The first GGUF whose name carries {@code tag} as a whole word, case-insensitively, as llama.cpp's -hf picks. */
    static String withTag(List<String> ggufs, String tag) {
        Pattern p = Pattern.compile("(?i)(?:^|[^A-Za-z0-9])" + Pattern.quote(tag) + "(?:[^A-Za-z0-9_]|$)");
        for (String name : ggufs) {
            String base = name.substring(name.lastIndexOf('/') + 1);
            if (p.matcher(base).find()) return name;
        }
        return null;
    }

    private static String tags(List<String> ggufs) {
        List<String> found = new ArrayList<>();
        for (String tag : GGUF_PREFERENCE) {
            if (withTag(ggufs, tag) != null) found.add(tag);
        }
        return found.isEmpty() ? ggufs.toString() : String.join(", ", found);
    }

    private static String abbreviated(Collection<String> names) {
        List<String> first = names.stream().limit(12).toList();
        return names.isEmpty() ? "no files" : String.join(", ", first) + (names.size() > first.size() ? ", ..." : "");
    }

    /** The shard files an index's {@code weight_map} names, each once, in order; they must stay inside the snapshot. */
    static List<String> shards(String repo, Path indexFile) {
        byte[] json;
        try {
            json = Files.readAllBytes(indexFile);
        } catch (IOException e) {
            throw new HubException(repo + ": unreadable " + indexFile.getFileName() + ": " + e.getMessage());
        }
        return shards(repo, indexFile.getFileName().toString(), json);
    }

    /** {@link #shards(String, Path)} of the index {@code name} holding {@code json}. */
    static List<String> shards(String repo, String name, byte[] json) {
        JsonNode map;
        try {
            JsonNode root = JSON.readTree(json);
            map = root == null ? null : root.get("weight_map");
        } catch (IOException e) {
            throw new HubException(repo + ": unreadable " + name + ": not JSON");
        }
        if (map == null || !map.isObject()) {
            throw new HubException(repo + ": " + name + " has no weight_map");
        }
        TreeSet<String> shards = new TreeSet<>();
        for (Iterator<JsonNode> it = map.elements(); it.hasNext(); ) {
            String s = it.next().asText();
            if (!isSafeName(s)) {
                throw new HubException(repo + ": " + name + " names a shard outside the repository: " + printable(s));
            }
            shards.add(s);
        }
        return List.copyOf(shards);
    }

    /**
     * A file name a repository may hold: a relative path of non-empty segments, none of them "." or "..", without
     * backslashes or control characters, so that resolving it in a snapshot stays inside the snapshot.
     */
    static boolean isSafeName(String name) {
        if (name.isEmpty() || name.length() > 1024 || name.startsWith("/") || name.contains("\\")) return false;
        for (int i = 0; i < name.length(); i++) {
            if (name.charAt(i) < 0x20 || name.charAt(i) == 0x7f) return false;
        }
        for (String segment : name.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) return false;
        }
        return true;
    }

    /** A name from a server, safe to print on one line. */
    static String printable(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().limit(200).forEach(c -> b.append(c < 0x20 || c == 0x7f ? "?" : Character.toString(c)));
        return b.toString();
    }
}
