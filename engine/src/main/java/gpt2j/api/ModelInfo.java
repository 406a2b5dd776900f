package gpt2j.api;

import java.util.List;
import java.util.Map;

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
 * @param feedForward   the MLP's width (n_inner; GPT-2's is 4 x embedding)
 * @param activation    the MLP activation as config.json names it, e.g. "gelu_new"
 * @param layerNormEpsilon           LayerNorm's epsilon
 * @param scaleAttnWeights           whether q·k is divided by sqrt(head size)
 * @param scaleAttnByInverseLayerIdx whether layer l's q·k is also divided by l + 1
 * @param tensorTypes   how many stored tensors have each type, most frequent first
 * @param bitsPerWeight bits per weight as llama.cpp counts them: 8 x bytes / values over every tensor once, as the
 *                      engine runs them (a tied head is the embedding itself; norms and biases count as F32)
 */
public record ModelInfo(
        String format,
        long fileBytes,
        int layers,
        int heads,
        int embedding,
        int context,
        int vocab,
        long parameters,
        List<String> matrixTypes,
        String embeddingType,
        String storedTypes,
        boolean hasTokenizer,
        int feedForward,
        String activation,
        double layerNormEpsilon,
        boolean scaleAttnWeights,
        boolean scaleAttnByInverseLayerIdx,
        Map<String, Integer> tensorTypes,
        double bitsPerWeight) {}
