package gpt2j.cli;

import gpt2j.api.Model;
import gpt2j.tokenizer.Gpt2Tokenizer;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import java.util.function.IntFunction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(
        name = "tokenize",
        mixinStandardHelpOptions = true,
        description = {
            "Turn text into token ids.",
            "",
            "Prints each id with its text on a terminal (--show), bare ids one per line otherwise (--no-show), or "
                    + "a JSON array with --json. Reads TEXT, -p TEXT or -f FILE, else stdin; '-' is stdin. Bytes are "
                    + "taken exactly as given (UTF-8). Without -m, GPT-2's own tokenizer (the default model's)."
        },
        footer = {
            "  gpt2j tokenize \"Hello world\"",
            "  gpt2j tokenize -f text.txt --json",
            "  cat text.txt | gpt2j tokenize --no-show | wc -l"
        })
final class TokenizeCommand implements Callable<Integer> {

    @ParentCommand
    Main root;

    @Mixin
    ModelOption modelOption;

    @Option(names = "--json", description = "Print the ids as one JSON array.")
    boolean json;

    @Option(
            names = "--show",
            negatable = true,
            description = "Print each id with its text, e.g. 15496 -> 'Hello'; bytes that are not a whole character "
                    + "show as <0xF0> (default: on when stdout is a terminal; --no-show for bare ids).")
    Boolean show;

    @Option(
            names = "--specials",
            description = "Turn <|endoftext|> in the text into its special id instead of plain text.")
    boolean specials;

    @Mixin
    PromptInput textInput;

    @Parameters(arity = "0..1", paramLabel = "TEXT", description = "The text (default: stdin).")
    String text;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (text != null && textInput.given()) {
            throw new ParameterException(spec.commandLine(), "give either TEXT or " + textInput.names() + ", not both");
        }
        String fromOptions = text != null ? null : textInput.read(root, spec);
        String input = text != null ? text : fromOptions != null ? fromOptions : root.readStdin();
        PrintStream out = root.out();
        if (modelOption.given()) {
            try (Model m = modelOption.open(1, null)) {
                int[] ids = specials ? Models.withTokenizer(m).tokenizeWithSpecials(input) : m.tokenize(input);
                print(ids, m::tokenBytes, out);
            }
        } else {
            Gpt2Tokenizer tokenizer = Gpt2Tokenizer.gpt2();
            print(encode(tokenizer, input), tokenizer::tokenBytes, out);
        }
        return 0;
    }

    private void print(int[] ids, IntFunction<byte[]> tokenBytes, PrintStream out) {
        if (json) {
            out.println(Json.write(ids));
            return;
        }
        boolean withText = show != null ? show : Terminal.isStdout();
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            sb.append(id);
            if (withText) {
                sb.append(" -> '").append(TokenDisplay.of(tokenBytes.apply(id))).append('\'');
            }
            sb.append('\n');
        }
        out.print(sb);
    }

    private int[] encode(Gpt2Tokenizer tokenizer, String s) {
        return specials ? tokenizer.encodeWithSpecials(s) : tokenizer.encode(s);
    }
}
