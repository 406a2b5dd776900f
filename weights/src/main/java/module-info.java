/**
 * Checkpoint files to named tensors: safetensors, pytorch_model.bin and GGUF readers, the GGUF writer and quantizer,
 * and the Hugging Face hub cache and client.
 */
module gpt2j.weights {
    requires com.fasterxml.jackson.databind;
    requires java.net.http;

    exports gpt2j.weights;
    exports gpt2j.weights.hub;
}
