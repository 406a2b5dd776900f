package gpt2j.api;

import gpt2j.tokenizer.Gpt2Tokenizer;
import gpt2j.weights.LoadedCheckpoint;
import gpt2j.weights.TokenizerData;
import gpt2j.weights.VocabularyFiles;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where a model's tokenizer comes from: the one place the lookup rules live (for {@link Model} and {@link GgufConversion}). */
final class Tokenizers {

    private static final int GPT2_VOCAB = 50257;

    private Tokenizers() {}

    /**
     * The tokenizer, or null with {@code why[0]} saying why there is none: the GGUF metadata, else vocab.json +
     * merges.txt or tokenizer.json beside the weights, else GPT-2's for a 50257-token vocabulary. A broken vocabulary
     * file is a reason, not a failure: it only matters to callers that need text.
     */
    static Gpt2Tokenizer find(Path path, LoadedCheckpoint checkpoint, String[] why) {
        int vocab = checkpoint.weights().config().vocabSize();
        try {
            Gpt2Tokenizer tokenizer = lookup(path, checkpoint);
            if (tokenizer == null) {
                why[0] = path + " has no tokenizer (vocab.json + merges.txt or tokenizer.json) and its vocabulary of "
                        + vocab + " tokens is not GPT-2's";
            } else if (tokenizer.vocabSize() > vocab) {
                why[0] = path + ": the tokenizer has " + tokenizer.vocabSize() + " tokens but the model only " + vocab;
                tokenizer = null;
            }
            return tokenizer;
        } catch (RuntimeException e) {
            why[0] = e.getMessage();
            return null;
        }
    }

    private static Gpt2Tokenizer lookup(Path path, LoadedCheckpoint checkpoint) {
        TokenizerData data = checkpoint.tokenizer();
        if (data != null) {
            return tokenizer(data);
        }
        Path dir = Files.isDirectory(path) ? path : path.toAbsolutePath().getParent();
        if (dir != null && !checkpoint.format().equals("gguf")) {
            Path vocab = dir.resolve("vocab.json");
            Path merges = dir.resolve("merges.txt");
            if (Files.isRegularFile(vocab) && Files.isRegularFile(merges)) {
                return tokenizer(VocabularyFiles.read(vocab, merges));
            }
            Path json = dir.resolve("tokenizer.json");
            if (Files.isRegularFile(json)) {
                return tokenizer(VocabularyFiles.readTokenizerJson(json));
            }
        }
        return checkpoint.weights().config().vocabSize() == GPT2_VOCAB ? Gpt2Tokenizer.gpt2() : null;
    }

    private static Gpt2Tokenizer tokenizer(TokenizerData data) {
        return Gpt2Tokenizer.fromTokens(data.tokens(), data.merges(), data.specials());
    }
}
