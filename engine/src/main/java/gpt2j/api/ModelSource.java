package gpt2j.api;

import java.nio.file.Files;
import java.nio.file.Path;

/** Turns what {@link Model#open(String)} was given into a local path: the one place hub ids are resolved. */
final class ModelSource {

    private ModelSource() {
    }

    /**
     * An existing file or directory as it is; anything else is a hub id ({@code org/name}) to resolve to a local
     * snapshot directory. Until the hub resolver (weights) is plugged in here, ids are refused with a one-line message.
     */
    static Path resolve(String pathOrId) {
        if (pathOrId == null || pathOrId.isBlank()) throw new IllegalArgumentException("no model path or id given");
        Path path = Path.of(pathOrId);
        if (Files.exists(path)) return path;
        if (pathOrId.matches("[A-Za-z0-9][\\w.-]*/[\\w.-]+") && !pathOrId.startsWith(".")) {
            throw new IllegalArgumentException("no such file or directory: " + pathOrId
                    + " (Hugging Face hub ids are not supported yet)");
        }
        throw new IllegalArgumentException("no such file or directory: " + pathOrId);
    }
}
