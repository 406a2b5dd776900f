/*
 * What the grouped decode kernels' instruction mixes cost per 16 float FMAs on one core, next to FMAs alone: each
 * loop below is one column pair's instructions of a kernel shape (L lane groups x I inputs: 2L int8 widenings, each a
 * vpmovsxbd and a vcvtdq2ps, 2I broadcasts of an input value, 2LI FMAs; "one parity" is one column's, the even
 * or the odd columns of a block taken on their own), scaled to 48 FMAs on 16 chains, written in assembly so that no
 * compiler choice enters. AVX-512 only (x86-64).
 *
 *   gcc -O2 -mavx512f tools/perf/fmamix.c -o fmamix && ./fmamix
 * prints one line per mix: ns per 16 FMAs (best of 5) and the GFLOP/s that makes.
 */
#include <stdio.h>
#include <time.h>

#if !defined(__AVX512F__) || !defined(__x86_64__)
int main(void) {
    fprintf(stderr, "fmamix: needs x86-64 with AVX-512 (-mavx512f)\n");
    return 1;
}
#else
static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

#define F(d, w, x) "vfmadd231ps %%zmm" #w ", %%zmm" #x ", %%zmm" #d "\n"
/* 48 FMAs on accumulators zmm0-15, three each, reading zmm24-27 and zmm28-29 */
#define F16                                                                                                            \
    F(0, 24, 28) F(1, 25, 29) F(2, 26, 28) F(3, 27, 29) F(4, 24, 28) F(5, 25, 29) F(6, 26, 28) F(7, 27, 29)             \
    F(8, 24, 28) F(9, 25, 29) F(10, 26, 28) F(11, 27, 29) F(12, 24, 28) F(13, 25, 29) F(14, 26, 28) F(15, 27, 29)
#define FMA48 F16 F16 F16
/* one int8 widening, as C2 emits it: 16 bytes loaded and sign-extended, then converted in place (zmm16-23: no FMA
   reads them, so the widenings are independent of each other and of the FMAs) */
#define W(r) "vpmovsxbd 32(%%rsi), %%zmm" #r "\n vcvtdq2ps %%zmm" #r ", %%zmm" #r "\n"
#define W4 W(16) W(17) W(18) W(19)
#define W4B W(20) W(21) W(22) W(23)
#define B(o, r) "vbroadcastss " #o "(%%rsi), %%zmm" #r "\n"
#define B8 B(0, 30) B(4, 31) B(8, 30) B(12, 31) B(16, 30) B(20, 31) B(24, 30) B(28, 31)
#define LOOP(body)                                                                                                     \
    __asm__ volatile("mov %0, %%rcx\n 1:\n" body "dec %%rcx\n jnz 1b\n" : : "r"(n), "S"(buf) : "rcx", "memory")

static float buf[32] __attribute__((aligned(64)));

int main(void) {
    const long n = 20000000;
    const char *name[] = {
        "48 FMA alone",
        "L2 x I4 (group4x2): 48 FMA + 12 widenings + 24 broadcasts",
        "L1 x I8 (group8):   48 FMA + 6 widenings + 48 broadcasts",
        "L3 x I4:            48 FMA + 8 widenings + 16 broadcasts",
        "L2 x I4 without broadcasts: 48 FMA + 12 widenings",
        "L2 x I8 (one parity): 48 FMA + 6 widenings + 24 broadcasts",
    };
    enum { MIXES = 6 };
    double best[MIXES] = {1e9, 1e9, 1e9, 1e9, 1e9, 1e9};
    for (int round = 0; round < 5; round++) {
        for (int m = 0; m < MIXES; m++) {
            double t0 = now();
            switch (m) {
            case 0: LOOP(FMA48); break;
            case 1: LOOP(FMA48 W4 W4B W4 B8 B8 B8); break;
            case 2: LOOP(FMA48 W4 W(20) W(21) B8 B8 B8 B8 B8 B8); break;
            case 3: LOOP(FMA48 W4 W4B B8 B8); break;
            case 4: LOOP(FMA48 W4 W4B W4); break;
            case 5: LOOP(FMA48 W4 W(20) W(21) B8 B8 B8); break;
            }
            double t = (now() - t0) / n / 3; /* per 16 FMAs */
            if (t < best[m]) best[m] = t;
        }
    }
    for (int m = 0; m < MIXES; m++)
        printf("%-62s %.3f ns per 16 FMA, %6.1f GFLOP/s\n", name[m], best[m] * 1e9, 16 * 32 / best[m] / 1e9);
    return 0;
}
#endif
