// Process-level support in C: glibc malloc settings for tensor workloads, and the per-thread switch that
// says whether tensor ops record autodiff nodes.
#ifndef ZOO_SUPPORT_H
#define ZOO_SUPPORT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Applies zoo's malloc settings (see zoo_malloc.c) unless the user tuned malloc or set ZOO_MALLOC=default.
/// Programs call it once at start (the `zoo` executable does); a library that links zoo changes nothing.
void zoo_malloc_tune(void);
/// How malloc is set up for large tensors: "tuned by zoo: ...", "as the user set it ...", or
/// "glibc defaults (...)".
const char *zoo_malloc_tuning(void);
/// Bytes malloc holds in separately mapped (mmap) blocks now (glibc's mallinfo2().hblkhd; 0 elsewhere).
size_t zoo_malloc_mapped_bytes(void);

/// Whether tensor ops on this thread record autodiff nodes (1) or not (0).
int zoo_grad_recording(void);
/// Switches recording on this thread; returns the previous setting.
int zoo_set_grad_recording(int on);

/// The vector unit zoo_fma_peak_gflops uses: "avx512f", "avx2+fma" or "sse (multiply + add)" (cpuid + OS).
const char *zoo_fma_isa(void);
/// This CPU's single-precision FMA peak in GFLOP/s on `threads` threads, measured with register-only
/// multiply-adds for about `seconds` (best ~20 ms run; 0 on a non-x86-64 CPU).
double zoo_fma_peak_gflops(int threads, double seconds);

/// A convolution's geometry for oneDNN: zoo's [D, H, W] order (2D convolutions have D = 1, kernel depth 1
/// and `spatial` = 2, which hands oneDNN 4-D NCHW tensors). Plain layouts: x [N, Cin, D, H, W],
/// w [Cout, Cin, kD, kH, kW], y [N, Cout, oD, oH, oW].
typedef struct {
    int spatial, batch, in_channels, out_channels;
    int input[3], output[3], kernel[3], stride[3], dilation[3], pad_before[3];
} zoo_conv_shape;

/// Whether oneDNN could be opened (dlopen of libdnnl.so.2 at first call; never when ZOO_CONV=im2col).
int zoo_dnnl_available(void);
/// "oneDNN 2.6.3 (path)" when loaded, otherwise why not.
const char *zoo_dnnl_status(void);
/// The implementation oneDNN chose for the convolution built last (e.g. "jit:avx512_core"; "" before any).
const char *zoo_dnnl_implementation(void);
/// y = conv(x, w) (+ bias when not NULL). Returns 0, or -1 when oneDNN is missing or rejects the shape
/// (the caller then computes it itself; nothing was written).
int zoo_dnnl_conv_forward(const zoo_conv_shape *shape, const float *x, const float *w, const float *bias, float *y);
/// dx = the gradient of conv(x, w) in x for upstream dy (overwrites dx). 0 or -1 as above.
int zoo_dnnl_conv_backward_data(const zoo_conv_shape *shape, const float *dy, const float *w, float *dx);
/// dw = the gradient of conv(x, w) in w for upstream dy (overwrites dw). 0 or -1 as above.
int zoo_dnnl_conv_backward_weights(const zoo_conv_shape *shape, const float *x, const float *dy, float *dw);

/// Whether Open MPI could be opened (dlopen of libmpi.so.40 or libmpi.so at first call, RTLD_GLOBAL; never
/// when ZOO_MPI=off).
int zoo_mpi_available(void);
/// "Open MPI v4.1.4 (path)" when loaded, otherwise why not.
const char *zoo_mpi_status(void);
/// MPI_Init (unless already done), then this process's rank and the world's size. 0, or -1 without MPI.
int zoo_mpi_init(int *rank, int *size);
/// In-place MPI_Allreduce(MPI_SUM) of `count` floats over MPI_COMM_WORLD. 0 or -1.
int zoo_mpi_allreduce_sum_float(float *values, long count);
/// In-place MPI_Allreduce of `count` doubles: the sum, or the maximum when `maximum` is nonzero. 0 or -1.
int zoo_mpi_allreduce_double(double *values, long count, int maximum);
/// MPI_Bcast of `count` bytes from `root`. 0 or -1.
int zoo_mpi_broadcast(void *bytes, long count, int root);
/// A barrier over MPI_COMM_WORLD that sleeps while it waits (MPI_Ibarrier polled every 2 ms). 0 or -1.
int zoo_mpi_quiet_barrier(void);
/// MPI_Abort(MPI_COMM_WORLD, code): ends every rank of the job.
void zoo_mpi_abort(int code);
/// MPI_Finalize when MPI was initialised and not yet finalised. 0 or -1.
int zoo_mpi_finalize(void);

#ifdef __cplusplus
}
#endif
#endif
