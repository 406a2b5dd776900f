package gpt2j.weights;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The MLP's activation, as named by config.json's {@code activation_function} (Hugging Face's {@code ACT2FN} keys):
 * several names compute the same function, so the enum is the function and {@link #configName()} its usual name.
 */
public enum Activation {
    /** 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))): gelu_new, gelu_pytorch_tanh, gelu_fast, gelu_accurate. */
    GELU_TANH("gelu_new"),
    /** 0.5 x (1 + erf(x / sqrt 2)): gelu, gelu_python. */
    GELU_ERF("gelu"),
    /** x sigmoid(1.702 x). */
    QUICK_GELU("quick_gelu"),
    /** max(x, 0). */
    RELU("relu"),
    /** x sigmoid(x): silu, swish. */
    SILU("silu"),
    /** tanh(x). */
    TANH("tanh");

    private static final Map<String, Activation> NAMES = new LinkedHashMap<>();

    static {
        NAMES.put("gelu_new", GELU_TANH);
        NAMES.put("gelu_pytorch_tanh", GELU_TANH);
        NAMES.put("gelu_fast", GELU_TANH);
        NAMES.put("gelu_accurate", GELU_TANH);
        NAMES.put("gelu", GELU_ERF);
        NAMES.put("gelu_python", GELU_ERF);
        NAMES.put("quick_gelu", QUICK_GELU);
        NAMES.put("relu", RELU);
        NAMES.put("silu", SILU);
        NAMES.put("swish", SILU);
        NAMES.put("tanh", TANH);
    }

    private final String configName;

    Activation(String configName) {
        this.configName = configName;
    }

    /** The activation_function value that names this function (the first of its names above). */
    public String configName() {
        return configName;
    }

    /** The function an activation_function value names, or null when gpt2j does not compute it. */
    public static Activation forName(String name) {
        return NAMES.get(name);
    }

    /** Every activation_function value gpt2j accepts, for error messages. */
    public static String names() {
        return String.join(", ", NAMES.keySet());
    }
}
