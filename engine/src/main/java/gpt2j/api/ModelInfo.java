package gpt2j.api;

import java.util.List;

/**
 * What an opened model is.
 *
 * @param format        "safetensors" or "gguf" (the reader that opened it)
 * @param fileBytes     total size of the weight files
 * @param layers        transformer blocks
 * @param heads         attention heads per block
 * @param embedding     embedding width
 * @param context       longest sequence, in tokens
 * @param vocab         vocabulary size
 * @param parameters    parameters, the tied head counted once
 * @param matrixTypes   storage types of the large matrices as the engine runs them (e.g. "Q8_0"), after any conversion
 * @param embeddingType storage type of the token embeddings
 * @param storedTypes   the types stored in the files, most frequent first, e.g. "Q8_0 x50, F32 x98"
 * @param hasTokenizer  whether text can be encoded and decoded
 */
public record ModelInfo(String format, long fileBytes, int layers, int heads, int embedding, int context, int vocab,
                        long parameters, List<String> matrixTypes, String embeddingType, String storedTypes,
                        boolean hasTokenizer) {
}
