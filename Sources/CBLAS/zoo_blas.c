// See zoo_blas.h: cpuid-driven OPENBLAS_CORETYPE selection, then dlopen of OpenBLAS.
#define _GNU_SOURCE
#include "zoo_blas.h"
#include <cpuid.h>
#include <dlfcn.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float *, int, const float *, int,
                         float, float *, int);
typedef void (*dsyevd_fn)(const char *, const char *, const int *, double *, const int *, double *,
                          double *, const int *, int *, const int *, int *);
typedef char *(*str_fn)(void);
typedef int (*int_fn)(void);
typedef void (*setint_fn)(int);

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int load_status = -1;
static char error_text[512];
static char library_name[256];
static char coretype_source[8] = "none";
static char coretype_value[64];
static char recommended[32];
static char vendor[13];
static char features[256];
static sgemm_fn p_sgemm;
static dsyevd_fn p_dsyevd;
static str_fn p_corename, p_config;
static int_fn p_threads;
static setint_fn p_set_threads;

// XCR0 tells whether the OS saves AVX (bits 1,2) and AVX-512 (bits 5,6,7) state.
static unsigned long long read_xcr0(void) {
    unsigned int eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((unsigned long long)edx << 32) | eax;
}

static void add_feature(const char *name) {
    size_t used = strlen(features);
    snprintf(features + used, sizeof(features) - used, "%s%s", used ? " " : "", name);
}

static void detect_cpu(void) {
    unsigned int a, b, c, d;
    if (!__get_cpuid(0, &a, &b, &c, &d)) return;
    unsigned int max_leaf = a;
    memcpy(vendor, &b, 4); memcpy(vendor + 4, &d, 4); memcpy(vendor + 8, &c, 4); vendor[12] = 0;
    __get_cpuid(1, &a, &b, &c, &d);
    int osxsave = (c >> 27) & 1, avx = (c >> 28) & 1, fma = (c >> 12) & 1;
    unsigned long long xcr0 = osxsave ? read_xcr0() : 0;
    int os_avx = (xcr0 & 0x6) == 0x6, os_avx512 = (xcr0 & 0xe6) == 0xe6;
    int avx2 = 0, avx512f = 0, avx512dq = 0, avx512cd = 0, avx512bw = 0, avx512vl = 0, bf16 = 0;
    if (max_leaf >= 7) {
        __cpuid_count(7, 0, a, b, c, d);
        avx2 = (b >> 5) & 1; avx512f = (b >> 16) & 1; avx512dq = (b >> 17) & 1;
        avx512cd = (b >> 28) & 1; avx512bw = (b >> 30) & 1; avx512vl = (b >> 31) & 1;
        __cpuid_count(7, 1, a, b, c, d);
        bf16 = (a >> 5) & 1;
    }
    if (avx && os_avx) add_feature("avx");
    if (fma) add_feature("fma");
    if (avx2 && os_avx) add_feature("avx2");
    if (avx512f && os_avx512) add_feature("avx512f");
    if (avx512dq && os_avx512) add_feature("avx512dq");
    if (avx512cd && os_avx512) add_feature("avx512cd");
    if (avx512bw && os_avx512) add_feature("avx512bw");
    if (avx512vl && os_avx512) add_feature("avx512vl");
    if (bf16 && os_avx512) add_feature("avx512_bf16");
    int has_avx512 = os_avx512 && avx512f && avx512dq && avx512cd && avx512bw && avx512vl;
    int has_avx2 = os_avx && avx && avx2 && fma;
    int amd = strcmp(vendor, "AuthenticAMD") == 0;
    // OpenBLAS 0.3.21 kernel families: Cooperlake needs AVX512-BF16, SkylakeX AVX-512 F/DQ/CD/BW/VL,
    // Haswell (Zen on AMD: same AVX2 kernels, tuned blocking) AVX2 + FMA.
    if (has_avx512 && bf16) strcpy(recommended, "Cooperlake");
    else if (has_avx512) strcpy(recommended, "SkylakeX");
    else if (has_avx2) strcpy(recommended, amd ? "Zen" : "Haswell");
}

static void *open_first(const char *const *names) {
    for (int i = 0; names[i]; i++) {
        void *h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
        if (h) { snprintf(library_name, sizeof(library_name), "%s", names[i]); return h; }
    }
    return NULL;
}

static void load_once(void) {
    detect_cpu();
    const char *user = getenv("OPENBLAS_CORETYPE");
    if (user && *user) {
        strcpy(coretype_source, "user");
    } else if (recommended[0]) {
        setenv("OPENBLAS_CORETYPE", recommended, 0);
        strcpy(coretype_source, "zoo");
    }
    const char *now = getenv("OPENBLAS_CORETYPE");
    snprintf(coretype_value, sizeof(coretype_value), "%s", now ? now : "");
    // Large tensors come and go every step; keep freed blocks in the heap rather than returning them to
    // the kernel through mmap/munmap (page faults on every fresh allocation cost as much as a small conv).
    mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
    mallopt(M_TRIM_THRESHOLD, 256 * 1024 * 1024);
    static const char *const names[] = {"libopenblas.so.0", "libopenblas.so", "libopenblasp.so.0", NULL};
    void *h = open_first(names);
    if (!h) {
        snprintf(error_text, sizeof(error_text),
                 "could not load OpenBLAS (libopenblas.so.0): %s. Install it with: apt-get install -y "
                 "libopenblas-dev", dlerror());
        return;
    }
    p_sgemm = (sgemm_fn)dlsym(h, "cblas_sgemm");
    p_dsyevd = (dsyevd_fn)dlsym(h, "dsyevd_");
    p_corename = (str_fn)dlsym(h, "openblas_get_corename");
    p_config = (str_fn)dlsym(h, "openblas_get_config");
    p_threads = (int_fn)dlsym(h, "openblas_get_num_threads");
    p_set_threads = (setint_fn)dlsym(h, "openblas_set_num_threads");
    if (!p_sgemm) {
        snprintf(error_text, sizeof(error_text), "%s has no cblas_sgemm", library_name);
        return;
    }
    load_status = 0;
}

int zoo_blas_load(void) {
    pthread_once(&once, load_once);
    return load_status;
}

const char *zoo_blas_error(void) { return error_text; }

enum { RowMajor = 101, NoTrans = 111, Trans = 112 };

void zoo_sgemm(int transA, int transB, int m, int n, int k, float alpha, const float *a, int lda,
               const float *b, int ldb, float beta, float *c, int ldc) {
    p_sgemm(RowMajor, transA ? Trans : NoTrans, transB ? Trans : NoTrans, m, n, k, alpha, a, lda, b, ldb,
            beta, c, ldc);
}

int zoo_dsyevd(char jobz, char uplo, int n, double *a, int lda, double *w) {
    if (zoo_blas_load() != 0 || !p_dsyevd) return -1000;
    int info = 0, lwork = -1, liwork = -1, iwork_query = 0;
    double work_query = 0;
    p_dsyevd(&jobz, &uplo, &n, a, &lda, w, &work_query, &lwork, &iwork_query, &liwork, &info);
    if (info != 0) return info;
    lwork = (int)work_query; liwork = iwork_query;
    double *work = malloc(sizeof(double) * (size_t)(lwork > 1 ? lwork : 1));
    int *iwork = malloc(sizeof(int) * (size_t)(liwork > 1 ? liwork : 1));
    p_dsyevd(&jobz, &uplo, &n, a, &lda, w, work, &lwork, iwork, &liwork, &info);
    free(work); free(iwork);
    return info;
}

const char *zoo_blas_corename(void) {
    return (zoo_blas_load() == 0 && p_corename) ? p_corename() : "unknown";
}
const char *zoo_blas_config(void) { return (zoo_blas_load() == 0 && p_config) ? p_config() : "unknown"; }
const char *zoo_blas_library(void) { zoo_blas_load(); return library_name; }
int zoo_blas_num_threads(void) { return (zoo_blas_load() == 0 && p_threads) ? p_threads() : 1; }
void zoo_blas_set_num_threads(int n) { if (zoo_blas_load() == 0 && p_set_threads) p_set_threads(n); }
const char *zoo_blas_coretype_source(void) { zoo_blas_load(); return coretype_source; }
const char *zoo_blas_coretype(void) { zoo_blas_load(); return coretype_value; }
const char *zoo_blas_recommended_coretype(void) { zoo_blas_load(); return recommended; }
const char *zoo_cpu_vendor(void) { zoo_blas_load(); return vendor; }
const char *zoo_cpu_features(void) { zoo_blas_load(); return features; }
