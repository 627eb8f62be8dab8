// The CPU's single-precision FMA peak, measured: each thread runs a loop of independent fused multiply-adds
// on registers only (no loads or stores), with the widest vector unit cpuid and the OS allow (AVX-512,
// else AVX2 + FMA, else SSE multiply + add). Functions for each ISA are compiled with target attributes and
// only called after the check, so the file builds and runs on any x86-64 CPU (and on others: returns 0).
#include "zoo_support.h"
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

static uint64_t xcr0(void) {
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}

// 2 = AVX-512F, 1 = AVX2 + FMA, 0 = SSE only.
static int best_isa(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    int osxsave = (c >> 27) & 1, fma = (c >> 12) & 1, avx = (c >> 28) & 1;
    if (!osxsave || !avx) return 0;
    uint64_t x = xcr0();
    if ((x & 6) != 6) return 0;  // XMM and YMM state
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    int avx2 = (b >> 5) & 1, avx512f = (b >> 16) & 1;
    if (avx512f && (x & 0xe6) == 0xe6) return 2;  // opmask, ZMM_Hi256, Hi16_ZMM state
    return avx2 && fma ? 1 : 0;
}

// Each kernel: `iterations` rounds of 12 independent accumulator chains; returns a value that depends on all
// of them so the loop cannot be dropped. Flops per round: 12 chains x lanes x 2.
__attribute__((target("avx512f"))) static float run_avx512(long iterations) {
    __m512 m = _mm512_set1_ps(0.999999f), k = _mm512_set1_ps(1e-7f);
    __m512 r0 = _mm512_set1_ps(1), r1 = r0, r2 = r0, r3 = r0, r4 = r0, r5 = r0, r6 = r0, r7 = r0, r8 = r0, r9 = r0,
           r10 = r0, r11 = r0;
    for (long i = 0; i < iterations; i++) {
        r0 = _mm512_fmadd_ps(r0, m, k); r1 = _mm512_fmadd_ps(r1, m, k); r2 = _mm512_fmadd_ps(r2, m, k);
        r3 = _mm512_fmadd_ps(r3, m, k); r4 = _mm512_fmadd_ps(r4, m, k); r5 = _mm512_fmadd_ps(r5, m, k);
        r6 = _mm512_fmadd_ps(r6, m, k); r7 = _mm512_fmadd_ps(r7, m, k); r8 = _mm512_fmadd_ps(r8, m, k);
        r9 = _mm512_fmadd_ps(r9, m, k); r10 = _mm512_fmadd_ps(r10, m, k); r11 = _mm512_fmadd_ps(r11, m, k);
        __asm__ volatile("" : "+v"(r0), "+v"(r1), "+v"(r2), "+v"(r3), "+v"(r4), "+v"(r5));
    }
    __m512 s = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(r0, r1), _mm512_add_ps(r2, r3)),
                             _mm512_add_ps(_mm512_add_ps(r4, r5), _mm512_add_ps(r6, r7)));
    s = _mm512_add_ps(s, _mm512_add_ps(_mm512_add_ps(r8, r9), _mm512_add_ps(r10, r11)));
    return _mm512_reduce_add_ps(s);
}

__attribute__((target("avx2,fma"))) static float run_avx2(long iterations) {
    __m256 m = _mm256_set1_ps(0.999999f), k = _mm256_set1_ps(1e-7f);
    __m256 r0 = _mm256_set1_ps(1), r1 = r0, r2 = r0, r3 = r0, r4 = r0, r5 = r0, r6 = r0, r7 = r0, r8 = r0, r9 = r0,
           r10 = r0, r11 = r0;
    for (long i = 0; i < iterations; i++) {
        r0 = _mm256_fmadd_ps(r0, m, k); r1 = _mm256_fmadd_ps(r1, m, k); r2 = _mm256_fmadd_ps(r2, m, k);
        r3 = _mm256_fmadd_ps(r3, m, k); r4 = _mm256_fmadd_ps(r4, m, k); r5 = _mm256_fmadd_ps(r5, m, k);
        r6 = _mm256_fmadd_ps(r6, m, k); r7 = _mm256_fmadd_ps(r7, m, k); r8 = _mm256_fmadd_ps(r8, m, k);
        r9 = _mm256_fmadd_ps(r9, m, k); r10 = _mm256_fmadd_ps(r10, m, k); r11 = _mm256_fmadd_ps(r11, m, k);
        __asm__ volatile("" : "+x"(r0), "+x"(r1), "+x"(r2), "+x"(r3), "+x"(r4), "+x"(r5));
    }
    __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(r0, r1), _mm256_add_ps(r2, r3)),
                             _mm256_add_ps(_mm256_add_ps(r4, r5), _mm256_add_ps(r6, r7)));
    s = _mm256_add_ps(s, _mm256_add_ps(_mm256_add_ps(r8, r9), _mm256_add_ps(r10, r11)));
    float out[8];
    _mm256_storeu_ps(out, s);
    return out[0] + out[1] + out[2] + out[3] + out[4] + out[5] + out[6] + out[7];
}

// SSE has no FMA: a multiply and an add per chain and round (2 flops, as an FMA counts).
static float run_sse(long iterations) {
    __m128 m = _mm_set1_ps(0.999999f), k = _mm_set1_ps(1e-7f);
    __m128 r0 = _mm_set1_ps(1), r1 = r0, r2 = r0, r3 = r0, r4 = r0, r5 = r0, r6 = r0, r7 = r0, r8 = r0, r9 = r0,
           r10 = r0, r11 = r0;
    for (long i = 0; i < iterations; i++) {
        r0 = _mm_add_ps(_mm_mul_ps(r0, m), k); r1 = _mm_add_ps(_mm_mul_ps(r1, m), k);
        r2 = _mm_add_ps(_mm_mul_ps(r2, m), k); r3 = _mm_add_ps(_mm_mul_ps(r3, m), k);
        r4 = _mm_add_ps(_mm_mul_ps(r4, m), k); r5 = _mm_add_ps(_mm_mul_ps(r5, m), k);
        r6 = _mm_add_ps(_mm_mul_ps(r6, m), k); r7 = _mm_add_ps(_mm_mul_ps(r7, m), k);
        r8 = _mm_add_ps(_mm_mul_ps(r8, m), k); r9 = _mm_add_ps(_mm_mul_ps(r9, m), k);
        r10 = _mm_add_ps(_mm_mul_ps(r10, m), k); r11 = _mm_add_ps(_mm_mul_ps(r11, m), k);
        __asm__ volatile("" : "+x"(r0), "+x"(r1), "+x"(r2), "+x"(r3), "+x"(r4), "+x"(r5));
    }
    __m128 s = _mm_add_ps(_mm_add_ps(_mm_add_ps(r0, r1), _mm_add_ps(r2, r3)), _mm_add_ps(_mm_add_ps(r4, r5), _mm_add_ps(r6, r7)));
    s = _mm_add_ps(s, _mm_add_ps(_mm_add_ps(r8, r9), _mm_add_ps(r10, r11)));
    float out[4];
    _mm_storeu_ps(out, s);
    return out[0] + out[1] + out[2] + out[3];
}

static int isa_level = -1;
static const int lanes[3] = {4, 8, 16};
static volatile float sink;

typedef struct { long iterations; double seconds; } job;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static void *worker(void *arg) {
    job *j = arg;
    double t0 = now();
    float r = isa_level == 2 ? run_avx512(j->iterations) : isa_level == 1 ? run_avx2(j->iterations) : run_sse(j->iterations);
    j->seconds = now() - t0;
    sink = r;
    return NULL;
}

// One timed run: `threads` threads, each `iterations` rounds; GFLOP/s from the slowest thread.
static double timed(int threads, long iterations) {
    pthread_t ids[64];
    job jobs[64];
    if (threads > 64) threads = 64;
    int created[64] = {0};
    for (int t = 0; t < threads; t++) {
        jobs[t] = (job){iterations, 0};
        if (t > 0) created[t] = pthread_create(&ids[t], NULL, worker, &jobs[t]) == 0;
    }
    worker(&jobs[0]);
    double slowest = jobs[0].seconds;
    int ran = 1;
    for (int t = 1; t < threads; t++) {
        if (!created[t]) continue;
        pthread_join(ids[t], NULL);
        ran++;
        if (jobs[t].seconds > slowest) slowest = jobs[t].seconds;
    }
    threads = ran;
    return (double)threads * iterations * 12 * lanes[isa_level] * 2 / slowest / 1e9;
}

const char *zoo_fma_isa(void) {
    if (isa_level < 0) isa_level = best_isa();
    return isa_level == 2 ? "avx512f" : isa_level == 1 ? "avx2+fma" : "sse (multiply + add)";
}

double zoo_fma_peak_gflops(int threads, double seconds) {
    zoo_fma_isa();
    if (threads < 1) threads = 1;
    // Each run ~20 ms; the best run over `seconds` (the machine may be shared).
    long iterations = 2000000;
    double best = 0, start = now();
    do {
        double rate = timed(threads, iterations);
        if (rate > best) best = rate;
    } while (now() - start < seconds);
    return best;
}
#else
const char *zoo_fma_isa(void) { return "unknown (not x86-64)"; }
double zoo_fma_peak_gflops(int threads, double seconds) { (void)threads; (void)seconds; return 0; }
#endif
