package gpt2j.weights;

/**
 * A linear layer's weight, y = W x, with {@code rows} outputs and {@code cols} inputs.
 * Stored either output-major ({@code tensor.shape = {rows, cols}}, as GGUF and nn.Linear store it) or, for Hugging Face
 * GPT-2's Conv1D, input-major ({@code tensor.shape = {cols, rows}}). Input-major is only ever F32 (or converted to it);
 * the engine has a kernel for each layout so mapped F32 checkpoints need no transposed copy.
 */
public record WeightMatrix(Tensor tensor, int rows, int cols, boolean inputMajor) {

    public WeightMatrix {
        boolean matrix = tensor.rank() == 2;
        long r = !matrix ? -1 : inputMajor ? tensor.dim(1) : tensor.dim(0);
        long c = !matrix ? -1 : inputMajor ? tensor.dim(0) : tensor.dim(1);
        if (!matrix || r != rows || c != cols) {
            throw new WeightsException(
                    "tensor " + tensor.name() + " has shape " + java.util.Arrays.toString(tensor.shape())
                            + ", expected " + rows + " outputs x " + cols + " inputs");
        }
        if (inputMajor && tensor.type() != GgmlType.F32) {
            throw new IllegalArgumentException("input-major weights must be F32: " + tensor);
        }
    }

    public GgmlType type() {
        return tensor.type();
    }
}
