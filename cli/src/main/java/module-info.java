/** The {@code gpt2j} command: arguments to API calls, text and JSON out. Exports nothing. */
module gpt2j.cli {
    requires gpt2j.engine;
    requires gpt2j.server;
    requires gpt2j.tokenizer;
    requires com.fasterxml.jackson.databind;
    requires info.picocli;
    requires me.tongfei.progressbar;
    requires java.desktop;
    requires java.management;

    // picocli sets the commands' @Option and @Mixin fields and calls their constructors by reflection.
    opens gpt2j.cli to
            info.picocli;
}
