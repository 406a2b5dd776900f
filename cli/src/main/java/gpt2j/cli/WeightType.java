package gpt2j.cli;

/** The storage types {@code --type} accepts, spelled as llama.cpp spells them (the API takes the name). */
enum WeightType {
    f32,
    f16,
    q8_0,
    q4_0
}
