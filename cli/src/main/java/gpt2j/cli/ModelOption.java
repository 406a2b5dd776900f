package gpt2j.cli;

import gpt2j.api.Model;
import gpt2j.api.ModelOptions;
import gpt2j.weights.hub.HubId;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code -m/--model}, shared by every command; without it, the embedded default model the launcher points to. */
final class ModelOption {

    static final String DEFAULT_MODEL_PROPERTY = "gpt2j.defaultModel";

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(
            names = {"-m", "--model"},
            paramLabel = "MODEL",
            description = "A Hugging Face GPT-2 directory (config.json and its safetensors), a GGUF file, or a hub "
                    + "id: org/name[@revision][:QUANT], e.g. openai-community/gpt2, downloaded into the Hugging Face "
                    + "cache when missing (default: the embedded model).")
    String model;

    /** The model path to load: the one given (a hub id resolved to its cached files), else the default model. */
    Path path() {
        if (model == null) return defaultModel();
        return HubModels.resolve(model, (Main) command.root().userObject());
    }

    /** Opens {@link #path()} on {@code threads} threads, its matrices converted to {@code type} unless it is null. */
    Model open(int threads, WeightType type) {
        return open(path(), threads, type);
    }

    /** Opens the model at {@code path} on {@code threads} threads, converted to {@code type} (--type) unless null. */
    static Model open(Path path, int threads, WeightType type) {
        return Model.open(
                path,
                ModelOptions.builder()
                        .threads(threads)
                        .weightType(type == null ? null : type.name())
                        .build());
    }

    /** What to call the model {@link #path()} gave: the hub id when -m named one, else the file or directory name. */
    String name(Path resolved) {
        if (model != null && !Files.exists(Path.of(model)) && HubId.parse(model) != null) return model;
        return resolved.getFileName().toString();
    }

    /** The embedded default model, which must exist. */
    static Path defaultModel() {
        String property = System.getProperty(DEFAULT_MODEL_PROPERTY);
        if (property == null || property.isBlank()) {
            throw new UserException(
                    "no model given (-m) and no default model configured (-D" + DEFAULT_MODEL_PROPERTY + "=PATH)");
        }
        Path p = Path.of(property);
        if (!Files.isRegularFile(p)) {
            throw new UserException("no model given and the default model is missing: " + p);
        }
        return p;
    }

    boolean given() {
        return model != null;
    }
}
