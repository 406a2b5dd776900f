package gpt2j.cli;

import gpt2j.api.Model;
import gpt2j.api.ModelOptions;
import gpt2j.tokenizer.Gpt2Tokenizer;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = {"Turn text into token ids.", "",
                "Prints one id per line, or a JSON array with --json. Reads TEXT, or stdin (UTF-8, bytes exactly "
                + "as given) when TEXT is absent. Without -m, GPT-2's own tokenizer (the default model's)."})
final class TokenizeCommand implements Callable<Integer> {

    @ParentCommand
    Main root;

    @Mixin
    ModelOption modelOption;

    @Option(names = "--json", description = "Print the ids as one JSON array.")
    boolean json;

    @Option(names = "--specials", description = "Turn <|endoftext|> in the text into its special id instead of plain text.")
    boolean specials;

    @Parameters(arity = "0..1", paramLabel = "TEXT", description = "The text (default: stdin).")
    String text;

    @Override
    public Integer call() {
        String input = text != null ? text : Text.utf8(readAll(), "stdin");
        int[] ids;
        if (modelOption.given()) {
            try (Model m = Model.open(modelOption.path(), ModelOptions.builder().threads(1).build())) {
                ids = specials ? Models.withTokenizer(m).tokenizeWithSpecials(input) : m.tokenize(input);
            }
        } else {
            ids = encode(Gpt2Tokenizer.gpt2(), input);
        }
        PrintStream out = root.out();
        if (json) {
            out.println(Json.write(ids));
        } else {
            StringBuilder sb = new StringBuilder();
            for (int id : ids) {
                sb.append(id).append('\n');
            }
            out.print(sb);
        }
        return 0;
    }

    private int[] encode(Gpt2Tokenizer tokenizer, String s) {
        return specials ? tokenizer.encodeWithSpecials(s) : tokenizer.encode(s);
    }

    private byte[] readAll() {
        try {
            return root.in().readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
