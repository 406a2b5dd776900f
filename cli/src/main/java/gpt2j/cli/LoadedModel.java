package gpt2j.cli;

import gpt2j.tokenizer.Gpt2Tokenizer;
import gpt2j.weights.Gpt2Checkpoint;
import gpt2j.weights.Gpt2Weights;
import gpt2j.weights.LoadedCheckpoint;
import gpt2j.weights.ModelQuantizer;
import gpt2j.weights.TokenizerData;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A model opened for a command: its weights (converted on load when {@code --type} asks), its tokenizer when one can be
 * found, and how long loading took. Closing it unmaps everything.
 */
final class LoadedModel implements AutoCloseable {

    private static final int GPT2_VOCAB = 50257;

    private final LoadedCheckpoint checkpoint;
    private final Arena arena; // owns converted weights; null when the checkpoint's are used as they are
    private final Gpt2Weights weights;
    private final Gpt2Tokenizer tokenizer; // null when the model has none
    private final String noTokenizer;      // why, when tokenizer is null
    private final long loadNanos;

    private LoadedModel(LoadedCheckpoint checkpoint, Arena arena, Gpt2Weights weights,
                        Gpt2Tokenizer tokenizer, String noTokenizer, long loadNanos) {
        this.checkpoint = checkpoint;
        this.arena = arena;
        this.weights = weights;
        this.tokenizer = tokenizer;
        this.noTokenizer = noTokenizer;
        this.loadNanos = loadNanos;
    }

    /** Opens {@code path}; {@code type} null keeps the stored types. */
    static LoadedModel load(Path path, WeightType type) {
        long start = System.nanoTime();
        LoadedCheckpoint checkpoint = Gpt2Checkpoint.open(path);
        Arena arena = null;
        try {
            Gpt2Weights weights = checkpoint.weights();
            if (type != null) {
                arena = Arena.ofShared();
                weights = ModelQuantizer.quantize(weights, type.ggml, arena);
            }
            Gpt2Tokenizer tokenizer = null;
            String why = null;
            try {
                tokenizer = findTokenizer(path, checkpoint);
                if (tokenizer == null) {
                    why = path + " has no tokenizer (vocab.json + merges.txt or tokenizer.json) and its vocabulary of "
                            + weights.config().vocabSize() + " tokens is not GPT-2's";
                } else if (tokenizer.vocabSize() > weights.config().vocabSize()) {
                    why = path + ": the tokenizer has " + tokenizer.vocabSize() + " tokens but the model only "
                            + weights.config().vocabSize();
                    tokenizer = null;
                }
            } catch (RuntimeException e) {
                why = Errors.message(e); // a broken vocabulary only matters to commands that need text
            }
            return new LoadedModel(checkpoint, arena, weights, tokenizer, why, System.nanoTime() - start);
        } catch (RuntimeException | Error e) {
            if (arena != null) arena.close();
            checkpoint.close();
            throw e;
        }
    }

    /** GGUF metadata, else vocab.json + merges.txt or tokenizer.json beside the weights, else GPT-2's for its vocabulary. */
    private static Gpt2Tokenizer findTokenizer(Path path, LoadedCheckpoint checkpoint) {
        TokenizerData data = checkpoint.tokenizer();
        if (data != null) {
            return Gpt2Tokenizer.fromTokens(data.tokens(), data.merges());
        }
        Path dir = Files.isDirectory(path) ? path : path.toAbsolutePath().getParent();
        if (dir != null && !checkpoint.format().equals("gguf")) {
            Path vocab = dir.resolve("vocab.json");
            Path merges = dir.resolve("merges.txt");
            if (Files.isRegularFile(vocab) && Files.isRegularFile(merges)) {
                return Gpt2Tokenizer.fromFiles(vocab, merges);
            }
            Path json = dir.resolve("tokenizer.json");
            if (Files.isRegularFile(json)) {
                return Gpt2Tokenizer.fromTokenizerJson(json);
            }
        }
        return checkpoint.weights().config().vocabSize() == GPT2_VOCAB ? Gpt2Tokenizer.gpt2() : null;
    }

    LoadedCheckpoint checkpoint() {
        return checkpoint;
    }

    Gpt2Weights weights() {
        return weights;
    }

    boolean hasTokenizer() {
        return tokenizer != null;
    }

    /** The tokenizer, for commands that need text; fails with the reason when the model has none. */
    Gpt2Tokenizer tokenizer() {
        if (tokenizer == null) {
            throw new UserException(noTokenizer);
        }
        return tokenizer;
    }

    /** Why {@link #tokenizer()} would fail; null when there is a tokenizer. */
    String tokenizerProblem() {
        return noTokenizer;
    }

    /** The end-of-text id, or -1 (never sampled) for a model without a tokenizer. */
    int endOfTextId() {
        return tokenizer == null ? -1 : tokenizer.endOfTextId();
    }

    double loadMillis() {
        return loadNanos / 1e6;
    }

    @Override
    public void close() {
        if (arena != null) arena.close();
        checkpoint.close();
    }
}
