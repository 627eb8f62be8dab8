// Open MPI, opened with dlopen at first use (like oneDNN in zoo_dnnl.c): no build-time or link-time
// dependency on MPI, so a machine without Open MPI builds and runs zoo single-process. ZOO_MPI=off skips
// the dlopen, as if Open MPI were missing.
//
// Open MPI's predefined handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, ...) are the addresses of global
// objects in libmpi (`ompi_mpi_comm_world`, `ompi_mpi_float`, `ompi_mpi_op_sum`), so they are looked up
// with dlsym like the functions. libmpi is opened RTLD_GLOBAL: Open MPI 4's plugins resolve libmpi's
// symbols through the global namespace. Other MPI implementations (MPICH's integer handles) are not
// supported; the status says so.
#define _GNU_SOURCE
#include "zoo_support.h"
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef void *handle_t;   // MPI_Comm, MPI_Datatype, MPI_Op, MPI_Request: pointers in Open MPI

static struct {
    int (*init)(int *, char ***);
    int (*initialized)(int *);
    int (*finalized)(int *);
    int (*finalize)(void);
    int (*comm_rank)(handle_t, int *);
    int (*comm_size)(handle_t, int *);
    int (*allreduce)(const void *, void *, int, handle_t, handle_t, handle_t);
    int (*bcast)(void *, int, handle_t, int, handle_t);
    int (*ibarrier)(handle_t, handle_t *);
    int (*test)(handle_t *, int *, void *);
    int (*abort)(handle_t, int);
    int (*get_library_version)(char *, int *);
    handle_t comm_world, type_float, type_double, type_byte, op_sum, op_max;
} mpi;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int loaded = 0;
static char status[512] = "not loaded";

static void load(void) {
    const char *setting = getenv("ZOO_MPI");
    if (setting && strcmp(setting, "off") == 0) {   // as if Open MPI were not installed (tests, or to be sure)
        snprintf(status, sizeof status, "not loaded (ZOO_MPI=off)");
        return;
    }
    const char *names[] = {"libmpi.so.40", "libmpi.so"};
    void *h = NULL;
    const char *error = "";
    for (unsigned i = 0; i < sizeof names / sizeof names[0] && !h; i++) {
        h = dlopen(names[i], RTLD_NOW | RTLD_GLOBAL);
        if (!h) error = dlerror();
    }
    if (!h) {
        snprintf(status, sizeof status, "not available (no libmpi.so.40: %s; install openmpi-bin libopenmpi-dev)", error);
        return;
    }
#define SYM(field, name) do { *(void **)&mpi.field = dlsym(h, name); \
        if (!mpi.field) { snprintf(status, sizeof status, "not usable: libmpi has no %s (only Open MPI is supported)", name); return; } } while (0)
    SYM(init, "MPI_Init"); SYM(initialized, "MPI_Initialized"); SYM(finalized, "MPI_Finalized");
    SYM(finalize, "MPI_Finalize"); SYM(comm_rank, "MPI_Comm_rank"); SYM(comm_size, "MPI_Comm_size");
    SYM(allreduce, "MPI_Allreduce"); SYM(bcast, "MPI_Bcast"); SYM(ibarrier, "MPI_Ibarrier"); SYM(test, "MPI_Test");
    SYM(abort, "MPI_Abort"); SYM(get_library_version, "MPI_Get_library_version");
    // The predefined handles are addresses of these objects.
    SYM(comm_world, "ompi_mpi_comm_world"); SYM(type_float, "ompi_mpi_float"); SYM(type_double, "ompi_mpi_double");
    SYM(type_byte, "ompi_mpi_byte"); SYM(op_sum, "ompi_mpi_op_sum"); SYM(op_max, "ompi_mpi_op_max");
#undef SYM
    char version[8192];   // MPI_MAX_LIBRARY_VERSION_STRING is 256 in Open MPI; generous
    int length = 0;
    mpi.get_library_version(version, &length);
    char *newline = strchr(version, '\n');
    if (newline) *newline = 0;
    char *comma = strchr(version, ',');
    if (comma) *comma = 0;
    Dl_info info;
    const char *path = dladdr((void *)mpi.init, &info) && info.dli_fname ? info.dli_fname : "libmpi";
    snprintf(status, sizeof status, "%s (%s)", version, path);
    loaded = 1;
}

int zoo_mpi_available(void) { pthread_once(&once, load); return loaded; }

const char *zoo_mpi_status(void) { pthread_once(&once, load); return status; }

int zoo_mpi_init(int *rank, int *size) {
    if (!zoo_mpi_available()) return -1;
    int already = 0;
    mpi.initialized(&already);
    if (!already && mpi.init(NULL, NULL) != 0) return -1;
    if (mpi.comm_rank(mpi.comm_world, rank) != 0 || mpi.comm_size(mpi.comm_world, size) != 0) return -1;
    return 0;
}

// Counts above INT_MAX go in pieces (MPI counts are int).
int zoo_mpi_allreduce_sum_float(float *values, long count) {
    for (long done = 0; done < count;) {
        int piece = count - done > INT_MAX ? INT_MAX : (int)(count - done);
        if (mpi.allreduce((void *)1 /* MPI_IN_PLACE */, values + done, piece, mpi.type_float, mpi.op_sum,
                          mpi.comm_world) != 0) return -1;
        done += piece;
    }
    return 0;
}

int zoo_mpi_allreduce_double(double *values, long count, int maximum) {
    if (count > INT_MAX) return -1;
    return mpi.allreduce((void *)1, values, (int)count, mpi.type_double, maximum ? mpi.op_max : mpi.op_sum,
                         mpi.comm_world) == 0 ? 0 : -1;
}

int zoo_mpi_broadcast(void *bytes, long count, int root) {
    for (long done = 0; done < count;) {
        int piece = count - done > INT_MAX ? INT_MAX : (int)(count - done);
        if (mpi.bcast((char *)bytes + done, piece, mpi.type_byte, root, mpi.comm_world) != 0) return -1;
        done += piece;
    }
    return 0;
}

// A barrier that sleeps while it waits: MPI's blocking calls spin, which would take a core from a rank
// that is still working (rank 0 evaluating) on a machine with as many ranks as cores.
int zoo_mpi_quiet_barrier(void) {
    handle_t request = NULL;
    if (mpi.ibarrier(mpi.comm_world, &request) != 0) return -1;
    char statusBytes[64];   // MPI_Status: 24 bytes in Open MPI 4
    for (;;) {
        int done = 0;
        if (mpi.test(&request, &done, statusBytes) != 0) return -1;
        if (done) return 0;
        struct timespec pause = {0, 2000000};   // 2 ms
        nanosleep(&pause, NULL);
    }
}

void zoo_mpi_abort(int code) {
    if (zoo_mpi_available()) mpi.abort(mpi.comm_world, code);
}

int zoo_mpi_finalize(void) {
    if (!loaded) return 0;
    int done = 0;
    mpi.finalized(&done);
    return done ? 0 : (mpi.finalize() == 0 ? 0 : -1);
}
