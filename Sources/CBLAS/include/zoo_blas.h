// OpenBLAS, opened at run time so that its kernel can be chosen first.
//
// Debian's OpenBLAS picks its compute kernel once, when the library loads, from OPENBLAS_CORETYPE or from
// its own CPU detection, which falls back to slow SSE3 ("Prescott") kernels on CPUs it does not know
// (recent Intel Xeons among them). zoo_blas_load() therefore reads the CPU's real features with cpuid,
// sets OPENBLAS_CORETYPE to the best kernel family those features can run, unless the user or the machine
// already set it, and only then dlopens the library. Nothing here forces a kernel the CPU cannot run.
#ifndef ZOO_BLAS_H
#define ZOO_BLAS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Loads OpenBLAS once (thread-safe). Returns 0 on success; otherwise a message is in zoo_blas_error().
int zoo_blas_load(void);
const char *zoo_blas_error(void);

/// Row-major sgemm: C = alpha * op(A) * op(B) + beta * C. trans flags: 0 = no, 1 = transpose.
void zoo_sgemm(int transA, int transB, int m, int n, int k, float alpha, const float *a, int lda,
               const float *b, int ldb, float beta, float *c, int ldc);

/// LAPACK dsyevd (symmetric eigen-decomposition, float64, column-major, jobz 'V' or 'N', uplo 'U'/'L').
/// Returns LAPACK's info (0 = success), or -1000 when the library has no LAPACK.
int zoo_dsyevd(char jobz, char uplo, int n, double *a, int lda, double *w);

const char *zoo_blas_corename(void);   ///< openblas_get_corename(), or "unknown"
const char *zoo_blas_config(void);     ///< openblas_get_config(), or "unknown"
const char *zoo_blas_library(void);    ///< the file name that was opened
int zoo_blas_num_threads(void);
void zoo_blas_set_num_threads(int n);

/// Where OPENBLAS_CORETYPE came from: "user" (already set before zoo ran), "zoo" (chosen from cpuid), or
/// "none" (left unset: OpenBLAS detects the CPU itself).
const char *zoo_blas_coretype_source(void);
/// The OPENBLAS_CORETYPE value in force after loading ("" when unset).
const char *zoo_blas_coretype(void);
/// The kernel family zoo would choose for this CPU from cpuid alone (e.g. "SkylakeX", "Haswell", "").
const char *zoo_blas_recommended_coretype(void);
/// CPU facts the choice was based on: vendor string and a space-separated feature list.
const char *zoo_cpu_vendor(void);
const char *zoo_cpu_features(void);

#ifdef __cplusplus
}
#endif
#endif

