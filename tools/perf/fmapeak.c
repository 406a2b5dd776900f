/*
 * Float32 multiply-add peak: each OpenMP thread runs many independent FMA chains on register-resident vectors, so
 * neither memory nor latency limits it. A prompt pass is a matrix-matrix product, so this bounds its FLOP rate for
 * any engine that multiplies in float32 (llama.cpp's quantized paths multiply int8, whose peak is higher).
 *
 *   gcc -O3 -march=native -fopenmp tools/perf/fmapeak.c -o fmapeak && ./fmapeak THREADS
 * prints: {"threads": T, "best_gflops": x, "median_gflops": y}   (one FMA = 2 FLOP)
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

/* As wide as the machine's vectors (AVX-512: 16 floats); GCC turns the lane-wise loops into vector FMAs. */
#if defined(__AVX512F__)
enum { LANES = 16 };
#elif defined(__AVX__)
enum { LANES = 8 };
#else
enum { LANES = 4 };
#endif
enum { CHAINS = 12, PASSES = 9 };
typedef float vec __attribute__((vector_size(LANES * sizeof(float))));

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    int threads = argc > 1 ? atoi(argv[1]) : 1;
    long iters = 20000000;
    omp_set_num_threads(threads);
    double gflops[PASSES], sink = 0;
    for (int p = 0; p < PASSES; p++) {
        double t0 = omp_get_wtime(), total = 0;
#pragma omp parallel reduction(+:total)
        {
            vec acc[CHAINS];
            /* built by vector arithmetic, not lane by lane, so that they stay in registers: as a memory operand the
               addend held the loop to ~57% of the FMA rate on an Intel Xeon (Ice Lake: 100 against 175 GFLOP/s) */
            vec m = (vec){0} + 0.999999f, a = (vec){0} + 1e-7f * (float)(omp_get_thread_num() + 1);
            for (int c = 0; c < CHAINS; c++) acc[c] = a * (float)c;
            for (long i = 0; i < iters; i++)
                for (int c = 0; c < CHAINS; c++) acc[c] = acc[c] * m + a; /* contracted to one FMA (-ffp-contract) */
            for (int c = 0; c < CHAINS; c++)
                for (int j = 0; j < LANES; j++) total += acc[c][j];
        }
        double t = omp_get_wtime() - t0;
        sink += total;
        gflops[p] = 2.0 * LANES * CHAINS * (double)iters * threads / t / 1e9;
    }
    qsort(gflops, PASSES, sizeof(double), cmp);
    printf("{\"threads\": %d, \"lanes\": %d, \"best_gflops\": %.2f, \"median_gflops\": %.2f, \"checksum\": %.3g}\n",
           threads, LANES, gflops[PASSES - 1], gflops[PASSES / 2], sink);
    return 0;
}
