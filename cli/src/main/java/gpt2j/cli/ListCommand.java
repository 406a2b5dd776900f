package gpt2j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import gpt2j.weights.GgufFile;
import gpt2j.weights.hub.HubCache;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(
        name = "list",
        mixinStandardHelpOptions = true,
        description = {
            "List the GPT-2 models in the Hugging Face cache: id, revision, files and size on disk.",
            "",
            "The cache is $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub; it is shared with "
                    + "transformers and huggingface_hub. A model counts as GPT-2 when its config.json says model_type "
                    + "gpt2 or a GGUF file's general.architecture is gpt2."
        })
final class ListCommand implements Callable<Integer> {

    @ParentCommand
    Main root;

    @Option(names = "--json", description = "Print one JSON array of {id, revisions, commit, files, size_bytes, path}.")
    boolean json;

    @Override
    public Integer call() {
        HubCache cache = HubModels.resolver(root).cache();
        List<Map<String, Object>> rows = new ArrayList<>();
        for (HubCache.Snapshot s : cache.snapshots()) {
            if (!isGpt2(s)) continue;
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("id", s.repo());
            row.put("revisions", s.refs());
            row.put("commit", s.commit());
            row.put("files", s.files());
            row.put("size_bytes", s.bytes());
            row.put("path", s.dir().toString());
            rows.add(row);
        }
        PrintStream out = root.out();
        if (json) {
            out.println(Json.write(rows));
            return 0;
        }
        if (rows.isEmpty()) {
            root.err()
                    .println("no GPT-2 models in " + cache.root()
                            + " (fetch one with: gpt2j pull openai-community/gpt2)");
            return 0;
        }
        int width = Math.max(
                2,
                rows.stream()
                        .mapToInt(r -> ((String) r.get("id")).length())
                        .max()
                        .orElse(2));
        String format = "%-" + width + "s  %-12s  %-12s  %5s  %10s%n";
        out.printf(Locale.ROOT, format, "ID", "REVISION", "COMMIT", "FILES", "SIZE");
        for (Map<String, Object> r : rows) {
            @SuppressWarnings("unchecked")
            List<String> refs = (List<String>) r.get("revisions");
            out.printf(
                    Locale.ROOT,
                    format,
                    r.get("id"),
                    refs.isEmpty() ? "-" : String.join(",", refs),
                    ((String) r.get("commit")).substring(0, 12),
                    ((List<?>) r.get("files")).size(),
                    Units.bytes((Long) r.get("size_bytes")));
        }
        return 0;
    }

    /** config.json with model_type gpt2, or a GGUF file whose general.architecture is gpt2. */
    private static boolean isGpt2(HubCache.Snapshot s) {
        Path config = s.dir().resolve("config.json");
        if (Files.isRegularFile(config)) {
            try {
                JsonNode c = new ObjectMapper().readTree(config.toFile());
                if ("gpt2".equals(c.path("model_type").asText())) return true;
            } catch (IOException e) {
                // not JSON: not a model we know
            }
        }
        for (String f : s.files()) {
            if (!f.toLowerCase(Locale.ROOT).endsWith(".gguf")) continue;
            try (GgufFile g = GgufFile.open(s.dir().resolve(f))) {
                if ("gpt2".equals(g.string("general.architecture"))) return true;
            } catch (RuntimeException e) {
                // unreadable GGUF: not listed
            }
        }
        return false;
    }
}
