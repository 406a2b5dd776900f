package gpt2j.weights;

import java.nio.file.Files;
import java.nio.file.Path;

/** Opens a GPT-2 checkpoint in whichever format it is: a Hugging Face directory or a {@code .gguf} file. */
public final class Gpt2Checkpoint {

    private Gpt2Checkpoint() {}

    /**
     * {@code path} is a Hugging Face GPT-2 directory (config.json with model.safetensors, pytorch_model.bin
     * or a sharded index of either), a {@code .safetensors} or {@code .bin} file inside such a directory, or a {@code .gguf} file.
     */
    public static LoadedCheckpoint open(Path path) {
        if (Files.isDirectory(path)) return HfCheckpoint.load(path);
        if (!Files.exists(path)) throw new WeightsException(path + ": no such file or directory");
        String name = path.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        if (name.endsWith(".gguf")) return GgufCheckpoint.load(path);
        if (name.endsWith(".safetensors") || name.endsWith(".bin")) {
            return HfCheckpoint.load(path.toAbsolutePath().getParent(), java.util.List.of(path));
        }
        throw new WeightsException(path + ": expected a Hugging Face model directory or a .gguf file");
    }
}
