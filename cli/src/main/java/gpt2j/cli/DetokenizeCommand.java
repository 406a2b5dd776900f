package gpt2j.cli;

import gpt2j.api.Model;
import gpt2j.tokenizer.Gpt2Tokenizer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(
        name = "detokenize",
        mixinStandardHelpOptions = true,
        description = {
            "Turn token ids into text.",
            "",
            "Ids come from the arguments, or from stdin when there are none, as a JSON array or separated by "
                    + "whitespace or commas. Writes the tokens' bytes exactly, with no newline added. Without -m, "
                    + "GPT-2's own tokenizer (the default model's)."
        },
        footer = {"  gpt2j detokenize 15496 995", "  gpt2j tokenize --json \"Hi\" | gpt2j detokenize"})
final class DetokenizeCommand implements Callable<Integer> {

    @ParentCommand
    Main root;

    @Mixin
    ModelOption modelOption;

    @Parameters(paramLabel = "IDS", description = "Token ids (default: stdin).")
    List<String> ids = List.of();

    @Override
    public Integer call() {
        String source = ids.isEmpty() ? new String(readAll(), StandardCharsets.UTF_8) : String.join(" ", ids);
        int[] parsed = TokenIds.parse(source);
        byte[] bytes;
        if (modelOption.given()) {
            try (Model m = modelOption.open(1, null)) {
                Models.withTokenizer(m);
                TokenIds.checkRange(parsed, m.tokenizerVocabSize());
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                for (int id : parsed) b.writeBytes(m.tokenBytes(id));
                bytes = b.toByteArray();
            }
        } else {
            bytes = decode(Gpt2Tokenizer.gpt2(), parsed);
        }
        root.out().write(bytes, 0, bytes.length);
        root.out().flush();
        return 0;
    }

    private static byte[] decode(Gpt2Tokenizer tokenizer, int[] ids) {
        TokenIds.checkRange(ids, tokenizer.vocabSize());
        return tokenizer.decodeBytes(ids);
    }

    private byte[] readAll() {
        try {
            return root.in().readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
