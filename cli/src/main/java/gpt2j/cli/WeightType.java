package gpt2j.cli;

import gpt2j.weights.GgmlType;

/** The storage types {@code --type} accepts, spelled as llama.cpp spells them. */
enum WeightType {
    f32(GgmlType.F32), f16(GgmlType.F16), q8_0(GgmlType.Q8_0), q4_0(GgmlType.Q4_0);

    final GgmlType ggml;

    WeightType(GgmlType ggml) {
        this.ggml = ggml;
    }
}
