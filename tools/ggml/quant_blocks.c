// Reference blocks for gpt2j's quantizer tests, written by ggml itself (ggml_quantize_chunk, the call
// llama-quantize makes; no importance matrix). Built and run by tools/ggml/quant_fixtures.sh against a local
// llama.cpp build; nothing of llama.cpp is committed, only this program's small outputs.
//
// Writes to the directory in argv[1]: input.f32 (ROWS rows of N little-endian floats) and, for each type,
// <type>.bin (those rows quantized, one after the other).
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ggml.h"

#define N 256
#define ROWS 40

static uint64_t state = 0x9E3779B97F4A7C15ull;

static double uniform(void) { // xorshift64*, in [0, 1)
    state ^= state >> 12; state ^= state << 25; state ^= state >> 27;
    return (double) ((state * 0x2545F4914F6CDD1Dull) >> 11) / 9007199254740992.0;
}

static double gauss(void) { // Box-Muller
    double u = uniform() + 1e-12, v = uniform();
    return sqrt(-2 * log(u)) * cos(6.283185307179586 * v);
}

static void fill(float * x, int row) {
    int kind = row < 12 ? row : 12 + row % 4;
    for (int i = 0; i < N; i++) {
        double g = gauss();
        switch (kind) {
            case 0: x[i] = 0; break;                                       // all zero
            case 1: x[i] = 0.375f; break;                                  // one repeated value
            case 2: x[i] = -1.25f; break;                                  // one repeated negative value
            case 3: x[i] = (float) (g * 0.02 + (i % 37 == 5 ? 3.0 : 0)); break; // outliers (weights-like)
            case 4: x[i] = (float) (g * 0.02 - (i % 53 == 7 ? 5.0 : 0)); break; // negative outliers
            case 5: x[i] = (float) (uniform() * 2 + 0.5); break;           // all positive (min > 0)
            case 6: x[i] = (float) (-uniform() * 3 - 0.1); break;          // all negative
            case 7: x[i] = (i / 16) % 3 == 0 ? 0 : (float) g; break;       // zero sub-blocks among others
            case 8: x[i] = (float) (g * 1e-17); break;                     // below GROUP_MAX_EPS
            case 9: x[i] = (float) ((int) (g * 4)); break;                 // small integers (ties in rounding)
            case 10: x[i] = i % 29 == 0 ? (float) g : 0; break;            // sparse
            case 11: x[i] = (float) (g * 1000); break;                     // large
            default: x[i] = (float) (g * (0.01 + 0.05 * (row % 7)));       // gaussian rows, GPT-2-like scales
        }
    }
}

int main(int argc, char ** argv) {
    if (argc != 2) { fprintf(stderr, "usage: %s OUTDIR\n", argv[0]); return 2; }
    struct ggml_init_params params = { 1 << 20, NULL, false };
    ggml_free(ggml_init(params)); // fills the fp16 tables the quantizers use

    static float x[ROWS * N];
    for (int r = 0; r < ROWS; r++) fill(x + r * N, r);
    char path[4096];
    snprintf(path, sizeof path, "%s/input.f32", argv[1]);
    FILE * f = fopen(path, "wb");
    if (!f || fwrite(x, sizeof(float), ROWS * N, f) != ROWS * N || fclose(f)) { perror(path); return 1; }

    const enum ggml_type types[] = { GGML_TYPE_Q4_0, GGML_TYPE_Q4_1, GGML_TYPE_Q5_0, GGML_TYPE_Q5_1, GGML_TYPE_Q8_0,
        GGML_TYPE_Q2_K, GGML_TYPE_Q3_K, GGML_TYPE_Q4_K, GGML_TYPE_Q5_K, GGML_TYPE_Q6_K, GGML_TYPE_IQ4_NL,
        GGML_TYPE_IQ4_XS };
    static uint8_t out[ROWS * N * 4];
    for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
        size_t size = ggml_quantize_chunk(types[t], x, out, 0, ROWS, N, NULL);
        char name[64];
        snprintf(name, sizeof name, "%s", ggml_type_name(types[t]));
        for (char * c = name; *c; c++) if (*c >= 'A' && *c <= 'Z') *c += 'a' - 'A';
        snprintf(path, sizeof path, "%s/%s.bin", argv[1], name);
        f = fopen(path, "wb");
        if (!f || fwrite(out, 1, size, f) != size || fclose(f)) { perror(path); return 1; }
    }
    return 0;
}
