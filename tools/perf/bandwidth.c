/*
 * Memory read bandwidth, STREAM style: sum a buffer much larger than the caches, best of several passes.
 * Token generation streams every weight once per token, so read bandwidth bounds tokens/s.
 *
 *   gcc -O3 -march=native -fopenmp tools/perf/bandwidth.c -o bandwidth && ./bandwidth THREADS [MiB] [STREAMS]
 * prints: {"threads": T, "streams": S, "bytes": N, "best_gbs": x, "median_gbs": y}   (GB = 1e9 bytes)
 * STREAMS (default 1, at most 8): each thread reads its share as that many sequential streams side by side, one
 * 64-byte step of each in turn; one core keeps more lines in flight that way (docs/KERNELS.md, "Several streams").
 */
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    int threads = argc > 1 ? atoi(argv[1]) : 1;
    size_t mib = argc > 2 ? (size_t)atol(argv[2]) : 512;
    int streams = argc > 3 ? atoi(argv[3]) : 1;
    if (streams < 1 || streams > 8) { fprintf(stderr, "bandwidth: STREAMS must be 1 to 8\n"); return 1; }
    size_t n = mib * 1024 * 1024 / sizeof(float);
    enum { PASSES = 12 };
    omp_set_num_threads(threads);
    float *a = aligned_alloc(64, n * sizeof(float));
    if (!a) { fprintf(stderr, "bandwidth: cannot allocate %zu MiB\n", mib); return 1; }
    /* first touch by the threads that will read, as STREAM does */
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) a[i] = (float)(i & 1023) * 1e-3f;
    double gbs[PASSES], sink = 0;
    for (int p = 0; p < PASSES; p++) {
        double t0 = omp_get_wtime(), total = 0;
#pragma omp parallel reduction(+:total)
        {
            /* each thread sums its contiguous share into 16 lanes: lane-wise adds vectorize without reassociation */
            size_t per = n / 16 / (size_t)omp_get_num_threads() * 16, lo = per * (size_t)omp_get_thread_num();
            size_t span = per / 16 / (size_t)streams * 16;
            float acc[8][16] = {{0}};
            for (size_t i = lo; i < lo + span; i += 16)
                for (int s = 0; s < streams; s++)
                    for (int j = 0; j < 16; j++) acc[s][j] += a[i + (size_t)s * span + j];
            for (int s = 0; s < streams; s++)
                for (int j = 0; j < 16; j++) total += acc[s][j];
        }
        double t = omp_get_wtime() - t0;
        sink += total;
        gbs[p] = (double)(n / 16 / threads * 16 / 16 / streams * 16 * streams * threads) * sizeof(float) / t / 1e9;
    }
    qsort(gbs, PASSES, sizeof(double), cmp);
    printf("{\"threads\": %d, \"streams\": %d, \"bytes\": %zu, \"best_gbs\": %.3f, \"median_gbs\": %.3f, "
           "\"checksum\": %.1f}\n",
           threads, streams, n * sizeof(float), gbs[PASSES - 1], gbs[PASSES / 2], sink);
    free(a);
    return 0;
}
