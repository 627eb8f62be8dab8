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

#ifdef __cplusplus
}
#endif
#endif
