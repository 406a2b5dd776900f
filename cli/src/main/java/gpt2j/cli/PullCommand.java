package gpt2j.cli;

import gpt2j.weights.hub.HubId;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(
        name = "pull",
        mixinStandardHelpOptions = true,
        description = {
            "Download a model from the Hugging Face hub into the Hugging Face cache, without running it.",
            "",
            "Only what gpt2j needs: config.json, the tokenizer files and model.safetensors (or its shards), else "
                    + "pytorch_model.bin, else one GGUF file (org/name:QUANT picks which; by default Q8_0). Each file is "
                    + "checked against its sha256 before use; a cut download resumes on the next run. Prints the local "
                    + "path on stdout. Environment: HF_HUB_CACHE / HF_HOME, HF_ENDPOINT, HF_TOKEN, HF_HUB_OFFLINE."
        })
final class PullCommand implements Callable<Integer> {

    @ParentCommand
    Main root;

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "ID", description = "org/name[@revision][:QUANT], e.g. openai-community/gpt2 or gpt2")
    String id;

    @Override
    public Integer call() {
        HubId hubId = HubId.parse(id);
        if (hubId == null) {
            throw new ParameterException(spec.commandLine(), "not a Hugging Face model id: " + id);
        }
        Path path;
        try (DownloadBar bar = DownloadBar.on(root.err())) {
            path = HubModels.resolver(root).resolve(hubId, bar);
        }
        root.out().println(path);
        return 0;
    }
}
