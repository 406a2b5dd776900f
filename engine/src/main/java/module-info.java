/**
 * GPT-2 inference: the public API is {@code gpt2j.api} (open a model, sessions, complete, score, attention). The
 * forward pass ({@code gpt2j.engine}) and the Vector API kernels ({@code gpt2j.engine.kernels}) are not exported.
 */
module gpt2j.engine {
    // The API's errors include gpt2j.weights.WeightsException (a file that cannot be read), so readers of this
    // module read that one too.
    requires transitive gpt2j.weights;
    requires gpt2j.tokenizer;
    requires jdk.incubator.vector;

    exports gpt2j.api;
}
