package gpt2j.cli;

import gpt2j.weights.QuantPreset;
import java.util.Locale;

/** The presets {@code quantize --type} accepts, spelled as llama-quantize's (lower case). */
enum QuantizeType {
    f32, f16, q4_0, q4_1, q5_0, q5_1, q8_0, q2_k, q3_k_s, q3_k_m, q3_k_l, q4_k_s, q4_k_m, q5_k_s, q5_k_m, q6_k, iq4_nl,
    iq4_xs;

    final QuantPreset preset = QuantPreset.valueOf(name().toUpperCase(Locale.ROOT));
}
