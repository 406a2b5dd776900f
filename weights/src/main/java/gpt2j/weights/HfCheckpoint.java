package gpt2j.weights;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Loads a Hugging Face GPT-2 directory. Both namings are accepted: the original OpenAI release ({@code wte.weight},
 * {@code h.0.attn.c_attn.weight}, ...) and save_pretrained's ({@code transformer.} prefix, optional {@code lm_head.weight}).
 * The {@code h.N.attn.bias}/{@code masked_bias} buffers (the causal mask) are ignored.
 * <p>
 * Conv1D weights are stored [in, out]; F32 ones are used in place as input-major matrices. F16 and BF16 tensors are
 * converted to F32 once, here, into memory owned by the returned checkpoint: the engine only sees F32 from safetensors
 * and pytorch_model.bin.
 */
final class HfCheckpoint {

    private HfCheckpoint() {}

    static LoadedCheckpoint load(Path dir) {
        Gpt2Config config = HfConfig.read(dir.resolve("config.json"));
        return load(dir, config, weightFiles(dir));
    }

    /** Reads {@code files}, the safetensors or pytorch_model.bin files (one, or every shard) of the model in {@code dir}. */
    static LoadedCheckpoint load(Path dir, List<Path> files) {
        return load(dir, HfConfig.read(dir.resolve("config.json")), files);
    }

    private static LoadedCheckpoint load(Path dir, Gpt2Config config, List<Path> files) {
        boolean tied = HfConfig.tiesWordEmbeddings(dir.resolve("config.json"));
        List<TensorFile> opened = new ArrayList<>();
        try {
            for (Path p : files) opened.add(open(p));
        } catch (RuntimeException e) {
            closeAll(new ArrayList<>(opened));
            throw e;
        }
        return load(dir, config, tied, files, opened, Arena.ofShared());
    }

    /**
     * The checkpoint in {@code opened} (the readers of {@code files}, in memory for the fuzz tests); converted tensors
     * go into {@code arena}. Closing it, or a failure here, closes the readers and the arena.
     */
    static LoadedCheckpoint load(
            Path dir, Gpt2Config config, boolean tied, List<Path> files, List<TensorFile> opened, Arena arena) {
        List<AutoCloseable> resources = new ArrayList<>(opened);
        resources.add(arena);
        try {
            Map<String, Tensor> tensors = new HashMap<>();
            long bytes = 0;
            String format = null;
            for (TensorFile f : opened) {
                bytes += f.fileBytes();
                format = format(f);
                for (String name : f.names()) {
                    if (name.endsWith(".attn.bias") || name.endsWith(".attn.masked_bias")) continue;
                    if (tensors.put(name, f.tensor(name)) != null) {
                        throw new WeightsException(dir + ": tensor " + name + " appears in more than one shard");
                    }
                }
            }
            Gpt2Weights weights = new Builder(dir, config, tied, tensors, arena).build();
            return new LoadedCheckpoint(weights, null, format, files, bytes, typeCounts(tensors), resources);
        } catch (RuntimeException e) {
            closeAll(resources);
            throw e;
        }
    }

    private static TensorFile open(Path file) {
        return file.getFileName().toString().endsWith(".bin") ? PytorchFile.open(file) : SafetensorsFile.open(file);
    }

    /** "safetensors", "pytorch-zip" or "pytorch-legacy". */
    private static String format(TensorFile f) {
        return f instanceof PytorchFile p ? "pytorch-" + p.container().name().toLowerCase(Locale.ROOT) : "safetensors";
    }

    /** The weight files of {@code dir}: safetensors wins over pytorch_model.bin when both are there. */
    private static List<Path> weightFiles(Path dir) {
        for (String single : List.of("model.safetensors", "pytorch_model.bin")) {
            Path p = dir.resolve(single);
            Path index = dir.resolve(single + ".index.json");
            if (Files.exists(p)) return List.of(p);
            if (Files.exists(index)) return shardFiles(dir, index, read(index));
        }
        throw new WeightsException(dir + ": no model.safetensors, pytorch_model.bin or their .index.json");
    }

    private static String read(Path index) {
        try {
            return Files.readString(index);
        } catch (IOException e) {
            throw new WeightsException(index + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    /** The shard files that {@code index} (the text {@code json}) names, each once, in the order first named. */
    static List<Path> shardFiles(Path dir, Path index, String json) {
        JsonNode map;
        try {
            map = new ObjectMapper().readTree(json).get("weight_map");
        } catch (JsonProcessingException e) {
            throw new WeightsException(index + ": not valid JSON (" + e.getOriginalMessage() + ")");
        }
        if (map == null || !map.isObject()) throw new WeightsException(index + ": no weight_map object");
        LinkedHashMap<String, Path> files = new LinkedHashMap<>();
        for (Iterator<JsonNode> it = map.elements(); it.hasNext(); ) {
            String shard = it.next().asText();
            // The index names files beside it; never follow it elsewhere.
            if (shard.isEmpty()
                    || shard.contains("/")
                    || shard.contains("\\")
                    || shard.equals("..")
                    || shard.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) { // a NUL is no path at all
                throw new WeightsException(index + ": shard name '" + shard.replaceAll("\\p{Cntrl}", "?")
                        + "' is not a file name in " + dir);
            }
            Path p = dir.resolve(shard);
            files.putIfAbsent(shard, p);
        }
        if (files.isEmpty()) throw new WeightsException(index + ": weight_map is empty");
        return List.copyOf(files.values());
    }

    private static Map<GgmlType, Integer> typeCounts(Map<String, Tensor> tensors) {
        Map<GgmlType, Integer> counts = new EnumMap<>(GgmlType.class);
        for (Tensor t : tensors.values()) counts.merge(t.type(), 1, Integer::sum);
        return counts;
    }

    private static void closeAll(List<AutoCloseable> resources) {
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception ignored) {
                // already failing; the original error is the one to report
            }
        }
    }

    /** Resolves names, checks every shape against the config, converts to F32 where needed. */
    private record Builder(Path dir, Gpt2Config c, boolean tied, Map<String, Tensor> tensors, Arena arena) {

        Gpt2Weights build() {
            String prefix = tensors.containsKey("transformer.wte.weight") ? "transformer." : "";
            int e = c.embeddingSize(), f = c.innerSize();
            Tensor wte = f32(prefix + "wte.weight", c.vocabSize(), e);
            Tensor wpe = f32(prefix + "wpe.weight", c.contextLength(), e);
            List<Gpt2Weights.Layer> layers = new ArrayList<>();
            for (int i = 0; i < c.layerCount(); i++) {
                String p = prefix + "h." + i + ".";
                layers.add(new Gpt2Weights.Layer(
                        f32(p + "ln_1.weight", e), f32(p + "ln_1.bias", e),
                        conv1d(p + "attn.c_attn.weight", 3 * e, e), f32(p + "attn.c_attn.bias", 3 * e),
                        conv1d(p + "attn.c_proj.weight", e, e), f32(p + "attn.c_proj.bias", e),
                        f32(p + "ln_2.weight", e), f32(p + "ln_2.bias", e),
                        conv1d(p + "mlp.c_fc.weight", f, e), f32(p + "mlp.c_fc.bias", f),
                        conv1d(p + "mlp.c_proj.weight", e, f), f32(p + "mlp.c_proj.bias", e)));
            }
            Tensor lnfW = f32(prefix + "ln_f.weight", e), lnfB = f32(prefix + "ln_f.bias", e);
            if (!tied && !tensors.containsKey("lm_head.weight")) {
                throw new WeightsException(
                        dir + ": config.json sets tie_word_embeddings to false but there is no " + "lm_head.weight");
            }
            Tensor head = tied ? wte : f32("lm_head.weight", c.vocabSize(), e);
            return new Gpt2Weights(
                    c, wte, wpe, List.copyOf(layers), lnfW, lnfB, new WeightMatrix(head, c.vocabSize(), e, false));
        }

        /** Conv1D weight: stored [in, out] = {cols, rows}. */
        WeightMatrix conv1d(String name, int rows, int cols) {
            return new WeightMatrix(f32(name, cols, rows), rows, cols, true);
        }

        Tensor f32(String name, long... shape) {
            Tensor t = tensors.get(name);
            if (t == null) {
                throw new WeightsException(
                        dir + ": missing tensor " + name + " (expected " + Arrays.toString(shape) + ")");
            }
            if (!Arrays.equals(t.shape(), shape)) {
                String inner = name.contains(".mlp.")
                        ? " (n_inner " + c.innerSize() + ", n_embd " + c.embeddingSize() + ")"
                        : "";
                throw new WeightsException(dir + ": tensor " + name + " has shape " + Arrays.toString(t.shape())
                        + " but config.json implies " + Arrays.toString(shape) + inner);
            }
            return Conversions.toF32(t, arena);
        }
    }
}
