package gpt2j.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code -m/--model}, shared by every command; without it, the embedded default model the launcher points to. */
final class ModelOption {

    static final String DEFAULT_MODEL_PROPERTY = "gpt2j.defaultModel";

    @Option(names = {"-m", "--model"}, paramLabel = "MODEL",
            description = "Hugging Face GPT-2 directory (config.json + *.safetensors) or .gguf file "
                    + "(default: the embedded model)")
    Path model;

    /** The model path to load: the one given, else the default model, which must exist. */
    Path path() {
        return model != null ? model : defaultModel();
    }

    /** The embedded default model, which must exist. */
    static Path defaultModel() {
        String property = System.getProperty(DEFAULT_MODEL_PROPERTY);
        if (property == null || property.isBlank()) {
            throw new UserException("no model given (-m) and no default model configured (-D"
                    + DEFAULT_MODEL_PROPERTY + "=PATH)");
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
