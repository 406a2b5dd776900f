package gpt2j.weights;

import java.util.Set;

/** A file of named tensors a Hugging Face directory may hold: safetensors or pytorch_model.bin. */
interface TensorFile extends AutoCloseable {

    Set<String> names();

    /** The tensor {@code name} as F32, F16 or BF16 (a view of the file where possible), or null if absent. */
    Tensor tensor(String name);

    long fileBytes();

    @Override
    void close();
}
