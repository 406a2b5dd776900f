package gpt2j.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(
        name = "completion",
        mixinStandardHelpOptions = true,
        description = {
            "Print a shell completion script for gpt2j.",
            "",
            "Completes commands, options and enum values (--type). The script is picocli's, which bash and zsh "
                    + "(through bashcompinit) both run. Load it for this shell with",
            "  source <(gpt2j completion bash)",
            "or save it for every shell, e.g. gpt2j completion bash > ~/.local/share/bash-completion/completions/gpt2j"
        },
        footer = {"  source <(gpt2j completion bash)"})
final class CompletionCommand implements Callable<Integer> {

    enum Shell {
        bash,
        zsh
    }

    @ParentCommand
    Main root;

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "SHELL", description = "bash or zsh.")
    Shell shell;

    @Override
    public Integer call() {
        // The same script serves both: it starts bashcompinit itself when it finds it is running in zsh.
        root.out().print(AutoComplete.bash("gpt2j", spec.root().commandLine()));
        root.out().flush();
        return 0;
    }
}
