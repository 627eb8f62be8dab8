// glibc malloc settings for tensor workloads, applied when a program asks (the `zoo` executable does at start).
//
// glibc serves a large buffer (above its mmap threshold: 128 KiB at first, rising to at most 32 MiB) with
// a fresh mapping and unmaps it on free, and it returns the top of its heap to the system once more than
// its trim threshold is free there. Either way, the large tensors of the next training step land on fresh
// pages, and each fresh page faults and is zeroed by the kernel: on RVD's bair64 batch-8 step that zeroing
// (clear_page_erms) took 14.6% of the samples (perf record, 2026-11-26). zoo therefore turns mmap off
// (M_MMAP_MAX 0) and trimming off (M_TRIM_THRESHOLD -1): large buffers come from the heap, and the next step
// reuses the memory the last one freed. The process keeps its peak heap until it exits.
// Measured on the 2-core AMD EPYC (`zoo bench --model rvd --worker "rvd bair64 train b8x8"`, alternating
// with ZOO_MALLOC=default): 20.5 and 22.8 s per step against 23.7 and 23.2 s, peak RSS 6381 against
// 6351 MB; clear_page_erms fell to 6.8% of the samples, most of it in the warm-up step.
// glibc still maps requests above 64 MiB made on a worker thread (their arenas cannot grow that far);
// zoo allocates tensors on the calling thread.
//
// Nothing is changed when the user already tuned malloc (MALLOC_*_ variables or glibc.malloc tunables in
// GLIBC_TUNABLES), or asked for the defaults with ZOO_MALLOC=default.
#include "zoo_support.h"

#include <stdlib.h>
#include <string.h>

#ifdef __GLIBC__
#include <malloc.h>
#endif

#ifdef __GLIBC__
static const char *zoo_malloc_state = "glibc defaults (the program did not ask zoo to tune malloc)";
#else
static const char *zoo_malloc_state = "glibc defaults (not a glibc system)";
#endif

#ifdef __GLIBC__
static int zoo_malloc_user_tuned(void) {
    static const char *const names[] = {"MALLOC_MMAP_MAX_", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_",
                                        "MALLOC_TOP_PAD_", "MALLOC_ARENA_MAX", NULL};
    for (int i = 0; names[i] != NULL; i++) {
        if (getenv(names[i]) != NULL) return 1;
    }
    const char *tunables = getenv("GLIBC_TUNABLES");
    return tunables != NULL && strstr(tunables, "glibc.malloc.") != NULL;
}

void zoo_malloc_tune(void) {
    const char *choice = getenv("ZOO_MALLOC");
    if (choice != NULL && strcmp(choice, "default") == 0) {
        zoo_malloc_state = "glibc defaults (ZOO_MALLOC=default)";
    } else if (zoo_malloc_user_tuned()) {
        zoo_malloc_state = "as the user set it (MALLOC_* or GLIBC_TUNABLES)";
    } else if (mallopt(M_MMAP_MAX, 0) == 1 && mallopt(M_TRIM_THRESHOLD, -1) == 1) {
        zoo_malloc_state = "tuned by zoo: large buffers reused from the heap (M_MMAP_MAX 0, no trimming)";
    } else {
        zoo_malloc_state = "glibc defaults (mallopt refused zoo's settings)";
    }
}
#else
void zoo_malloc_tune(void) {}
#endif

const char *zoo_malloc_tuning(void) { return zoo_malloc_state; }

size_t zoo_malloc_mapped_bytes(void) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    return mallinfo2().hblkhd;
#else
    return 0;
#endif
}
