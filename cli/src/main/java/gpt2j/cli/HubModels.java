package gpt2j.cli;

import gpt2j.weights.hub.HubResolver;
import java.nio.file.Path;

/** Models named by hub id: resolved in the Hugging Face cache, downloaded with progress on stderr when missing. */
final class HubModels {

    private HubModels() {}

    /** {@code pathOrId} as a local path: itself when it exists, else the hub id's cached (or downloaded) model. */
    static Path resolve(String pathOrId, Main root) {
        try (DownloadBar bar = DownloadBar.on(root.err())) {
            return resolver(root).resolve(pathOrId, bar);
        }
    }

    static HubResolver resolver(Main root) {
        return HubResolver.fromEnvironment(root.env());
    }
}
