package gpt2j.api;

import gpt2j.weights.hub.DownloadProgress;
import gpt2j.weights.hub.HubResolver;
import java.nio.file.Path;

/** Turns what {@link Model#open(String)} was given into a local path: the one place hub ids are resolved. */
final class ModelSource {

    private ModelSource() {}

    /**
     * An existing file or directory as it is; else a Hugging Face hub id ({@code org/name[@revision][:QUANT]}), from
     * the Hugging Face cache or downloaded into it (the environment as huggingface_hub reads it: HF_HOME, HF_TOKEN,
     * HF_HUB_OFFLINE, ...); else the path, for the reader's "no such file".
     */
    static Path resolve(String pathOrId) {
        if (pathOrId == null || pathOrId.isBlank()) throw new IllegalArgumentException("no model path or id given");
        return HubResolver.fromEnvironment(System.getenv()).resolve(pathOrId, DownloadProgress.SILENT);
    }
}
