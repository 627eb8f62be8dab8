// oneDNN convolutions, opened with dlopen at first use (like OpenBLAS in CBLAS): no build-time or
// link-time dependency on oneDNN. The few declarations of its C API that are used (oneDNN 2.x: operation
// descriptors, primitive descriptors, primitives, memory objects) are written out here; when the header is
// present at build time, static assertions check the constants against it.
//
// Each distinct convolution (kind, shape, bias or not) gets one cached entry: its primitive, the reorders
// between zoo's plain NCHW / OIHW layout and the layout the primitive chose, and the memory objects. Calls
// are serialised by one mutex; oneDNN itself runs its kernel on all cores (its own OpenMP threads).
#define _GNU_SOURCE
#include "zoo_support.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// ---- The oneDNN 2.x C API subset (constants from dnnl_types.h) ----
typedef int dnnl_status;
typedef int64_t dnnl_dims[12];
typedef struct { _Alignas(64) unsigned char bytes[1024]; } md_t;     // dnnl_memory_desc_t (696 bytes in 2.6)
typedef struct { _Alignas(64) unsigned char bytes[8192]; } convd_t;  // dnnl_convolution_desc_t (5976 bytes)
typedef struct { int arg; void *memory; } exec_arg;
typedef struct { int major, minor, patch; const char *hash; unsigned cpu_runtime, gpu_runtime; } dnnl_ver;

enum {
    DNNL_F32 = 3, TAG_ANY = 1, TAG_A = 2, TAG_ABCD = 5, TAG_ABCDE = 7,
    ENGINE_CPU = 1, STREAM_DEFAULT = 1, SCRATCHPAD_USER = 1,
    PROP_FORWARD_TRAINING = 64, PROP_FORWARD_INFERENCE = 96, ALG_CONV_DIRECT = 1,
    Q_IMPL_INFO_STR = 8, Q_SRC_MD = 129, Q_DIFF_SRC_MD = 130, Q_WEIGHTS_MD = 131, Q_DIFF_WEIGHTS_MD = 132,
    Q_DST_MD = 133, Q_DIFF_DST_MD = 134, Q_SCRATCHPAD_MD = 136,
    ARG_SRC = 1, ARG_DST = 17, ARG_WEIGHTS = 33, ARG_BIAS = 41, ARG_SCRATCHPAD = 80,
    ARG_DIFF_SRC = 129, ARG_DIFF_DST = 145, ARG_DIFF_WEIGHTS = 161,
};

#if defined(__has_include)
#if __has_include(<oneapi/dnnl/dnnl.h>)
#include <oneapi/dnnl/dnnl.h>
_Static_assert(DNNL_F32 == dnnl_f32 && TAG_ANY == dnnl_format_tag_any && TAG_A == dnnl_a && TAG_ABCD == dnnl_abcd
               && TAG_ABCDE == dnnl_abcde, "oneDNN data type / format tags");
_Static_assert(ENGINE_CPU == dnnl_cpu && STREAM_DEFAULT == dnnl_stream_default_flags
               && SCRATCHPAD_USER == dnnl_scratchpad_mode_user, "oneDNN engine / stream / scratchpad");
_Static_assert(PROP_FORWARD_TRAINING == dnnl_forward_training && PROP_FORWARD_INFERENCE == dnnl_forward_inference
               && ALG_CONV_DIRECT == dnnl_convolution_direct, "oneDNN prop / alg kinds");
_Static_assert(Q_IMPL_INFO_STR == dnnl_query_impl_info_str && Q_SRC_MD == dnnl_query_src_md
               && Q_DIFF_SRC_MD == dnnl_query_diff_src_md && Q_WEIGHTS_MD == dnnl_query_weights_md
               && Q_DIFF_WEIGHTS_MD == dnnl_query_diff_weights_md && Q_DST_MD == dnnl_query_dst_md
               && Q_DIFF_DST_MD == dnnl_query_diff_dst_md && Q_SCRATCHPAD_MD == dnnl_query_scratchpad_md,
               "oneDNN queries");
_Static_assert(ARG_SRC == DNNL_ARG_SRC && ARG_DST == DNNL_ARG_DST && ARG_WEIGHTS == DNNL_ARG_WEIGHTS
               && ARG_BIAS == DNNL_ARG_BIAS && ARG_SCRATCHPAD == DNNL_ARG_SCRATCHPAD
               && ARG_DIFF_SRC == DNNL_ARG_DIFF_SRC && ARG_DIFF_DST == DNNL_ARG_DIFF_DST
               && ARG_DIFF_WEIGHTS == DNNL_ARG_DIFF_WEIGHTS, "oneDNN argument indices");
_Static_assert(sizeof(dnnl_memory_desc_t) <= sizeof(md_t) && sizeof(dnnl_convolution_desc_t) <= sizeof(convd_t),
               "oneDNN descriptor sizes");
#endif
#endif

static struct {
    const dnnl_ver *(*version)(void);
    dnnl_status (*engine_create)(void **, int, size_t);
    dnnl_status (*stream_create)(void **, void *, unsigned);
    dnnl_status (*stream_wait)(void *);
    dnnl_status (*md_init_by_tag)(md_t *, int, const dnnl_dims, int, int);
    int (*md_equal)(const md_t *, const md_t *);
    size_t (*md_size)(const md_t *);
    dnnl_status (*attr_create)(void **);
    dnnl_status (*attr_destroy)(void *);
    dnnl_status (*attr_set_scratchpad_mode)(void *, int);
    dnnl_status (*conv_fwd_init)(convd_t *, int, int, const md_t *, const md_t *, const md_t *, const md_t *,
                                 const dnnl_dims, const dnnl_dims, const dnnl_dims, const dnnl_dims);
    dnnl_status (*conv_bwd_data_init)(convd_t *, int, const md_t *, const md_t *, const md_t *, const dnnl_dims,
                                      const dnnl_dims, const dnnl_dims, const dnnl_dims);
    dnnl_status (*conv_bwd_weights_init)(convd_t *, int, const md_t *, const md_t *, const md_t *, const md_t *,
                                         const dnnl_dims, const dnnl_dims, const dnnl_dims, const dnnl_dims);
    dnnl_status (*pd_create)(void **, const void *, const void *, void *, const void *);
    dnnl_status (*pd_destroy)(void *);
    dnnl_status (*pd_query)(const void *, int, int, void *);
    const md_t *(*pd_query_md)(const void *, int, int);
    dnnl_status (*reorder_pd_create)(void **, const md_t *, void *, const md_t *, void *, const void *);
    dnnl_status (*primitive_create)(void **, const void *);
    dnnl_status (*primitive_execute)(const void *, void *, int, const exec_arg *);
    dnnl_status (*memory_create)(void **, const md_t *, void *, void *);
    dnnl_status (*memory_set_data_handle)(void *, void *);
} api;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int loaded = 0;
static char status_text[256] = "not loaded yet";
static char last_impl[128] = "";
static void *engine, *stream;

static void load_once(void) {
    const char *mode = getenv("ZOO_CONV");
    if (mode && strcmp(mode, "im2col") == 0) {
        snprintf(status_text, sizeof(status_text), "not used (ZOO_CONV=im2col)");
        return;
    }
    // OpenMP threads that spin after each oneDNN call would take the cores from zoo's own threads; unless
    // the user chose, they wait passively.
    setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
    // ZOO_THREADS caps oneDNN's threads like zoo's own (the programs have checked the value at start), unless
    // the user set OMP_NUM_THREADS.
    const char *threads = getenv("ZOO_THREADS");
    if (threads && *threads) setenv("OMP_NUM_THREADS", threads, 0);
    const char *names[] = {"libdnnl.so.2", "libdnnl.so", NULL};
    void *h = NULL;
    for (int i = 0; names[i] && !h; i++) h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(status_text, sizeof(status_text), "not found (libdnnl.so.2; Debian: apt-get install libdnnl-dev)");
        return;
    }
#define SYM(field, name) if (!(*(void **)&api.field = dlsym(h, name))) { \
        snprintf(status_text, sizeof(status_text), "unusable: no symbol %s", name); return; }
    SYM(version, "dnnl_version")
    const dnnl_ver *v = api.version();
    if (v->major != 2) {
        snprintf(status_text, sizeof(status_text), "unusable: version %d.%d.%d (zoo needs 2.x)", v->major, v->minor,
                 v->patch);
        return;
    }
    SYM(engine_create, "dnnl_engine_create") SYM(stream_create, "dnnl_stream_create")
    SYM(stream_wait, "dnnl_stream_wait") SYM(md_init_by_tag, "dnnl_memory_desc_init_by_tag")
    SYM(md_equal, "dnnl_memory_desc_equal") SYM(md_size, "dnnl_memory_desc_get_size")
    SYM(attr_create, "dnnl_primitive_attr_create") SYM(attr_destroy, "dnnl_primitive_attr_destroy")
    SYM(attr_set_scratchpad_mode, "dnnl_primitive_attr_set_scratchpad_mode")
    SYM(conv_fwd_init, "dnnl_dilated_convolution_forward_desc_init")
    SYM(conv_bwd_data_init, "dnnl_dilated_convolution_backward_data_desc_init")
    SYM(conv_bwd_weights_init, "dnnl_dilated_convolution_backward_weights_desc_init")
    SYM(pd_create, "dnnl_primitive_desc_create") SYM(pd_destroy, "dnnl_primitive_desc_destroy")
    SYM(pd_query, "dnnl_primitive_desc_query") SYM(pd_query_md, "dnnl_primitive_desc_query_md")
    SYM(reorder_pd_create, "dnnl_reorder_primitive_desc_create") SYM(primitive_create, "dnnl_primitive_create")
    SYM(primitive_execute, "dnnl_primitive_execute") SYM(memory_create, "dnnl_memory_create")
    SYM(memory_set_data_handle, "dnnl_memory_set_data_handle")
#undef SYM
    if (api.engine_create(&engine, ENGINE_CPU, 0) != 0 || api.stream_create(&stream, engine, STREAM_DEFAULT) != 0) {
        snprintf(status_text, sizeof(status_text), "unusable: no CPU engine");
        return;
    }
    Dl_info info;
    const char *path = dladdr((void *)api.version, &info) && info.dli_fname ? info.dli_fname : names[0];
    snprintf(status_text, sizeof(status_text), "oneDNN %d.%d.%d (%s)", v->major, v->minor, v->patch, path);
    loaded = 1;
}

int zoo_dnnl_available(void) {
    pthread_once(&once, load_once);
    return loaded;
}

const char *zoo_dnnl_status(void) {
    pthread_once(&once, load_once);
    return status_text;
}

const char *zoo_dnnl_implementation(void) {
    pthread_mutex_lock(&lock);
    static char copy[128];
    snprintf(copy, sizeof(copy), "%s", last_impl);
    pthread_mutex_unlock(&lock);
    return copy;
}

// ---- Cached convolutions ----

enum { KIND_FORWARD = 0, KIND_BACKWARD_DATA = 1, KIND_BACKWARD_WEIGHTS = 2, MAX_ARGS = 4 };

typedef struct {
    int arg;         // the primitive's argument index
    int output;      // written by the primitive (reordered back to the user's layout afterwards)
    int reordered;   // the primitive's layout differs from the user's
    size_t bytes;    // size in the primitive's layout
    void *user_mem, *prim_mem, *reorder;  // reorder: user → primitive for inputs, primitive → user for outputs
} conv_arg;

typedef struct conv_entry {
    struct conv_entry *next;
    int kind, has_bias;
    zoo_conv_shape shape;
    int ok;
    void *primitive;
    conv_arg args[MAX_ARGS];
    int nargs;
    void *scratch_mem;
    size_t scratch_bytes;
} conv_entry;

static conv_entry *entries = NULL;
static void *workspace = NULL;
static size_t workspace_bytes = 0;

static int same_shape(const zoo_conv_shape *a, const zoo_conv_shape *b) { return memcmp(a, b, sizeof(*a)) == 0; }

// User (plain) descriptors for the activation, weight and bias tensors of a shape.
static int plain_md(md_t *md, int rank, const int64_t *dims) {
    int tag = rank == 1 ? TAG_A : rank == 4 ? TAG_ABCD : TAG_ABCDE;
    dnnl_dims d = {0};
    for (int i = 0; i < rank; i++) d[i] = dims[i];
    return api.md_init_by_tag(md, rank, d, DNNL_F32, tag) == 0;
}

static int any_md(md_t *md, int rank, const int64_t *dims) {
    dnnl_dims d = {0};
    for (int i = 0; i < rank; i++) d[i] = dims[i];
    return api.md_init_by_tag(md, rank, d, DNNL_F32, TAG_ANY) == 0;
}

// Adds argument `arg` with the user's layout `user` and the primitive's layout from query `what`.
static int add_arg(conv_entry *e, const void *pd, int arg, int output, const md_t *user, int what, int index) {
    conv_arg *a = &e->args[e->nargs++];
    a->arg = arg;
    a->output = output;
    const md_t *prim = api.pd_query_md(pd, what, index);
    if (!prim) return 0;
    a->reordered = !api.md_equal(prim, user);
    a->bytes = api.md_size(prim);
    if (api.memory_create(&a->user_mem, user, engine, NULL) != 0) return 0;
    if (!a->reordered) return 1;
    if (api.memory_create(&a->prim_mem, prim, engine, NULL) != 0) return 0;
    void *rpd = NULL;
    int ok = output ? api.reorder_pd_create(&rpd, prim, engine, user, engine, NULL) == 0
                    : api.reorder_pd_create(&rpd, user, engine, prim, engine, NULL) == 0;
    ok = ok && api.primitive_create(&a->reorder, rpd) == 0;
    if (rpd) api.pd_destroy(rpd);
    return ok;
}

static void build(conv_entry *e) {
    const zoo_conv_shape *s = &e->shape;
    int sp = s->spatial, rank = sp + 2;
    int64_t xd[5] = {s->batch, s->in_channels}, yd[5] = {s->batch, s->out_channels};
    int64_t wd[5] = {s->out_channels, s->in_channels}, bd[1] = {s->out_channels};
    dnnl_dims strides = {0}, dil = {0}, pl = {0}, pr = {0};
    for (int i = 0; i < sp; i++) {
        int j = 3 - sp + i;
        xd[2 + i] = s->input[j];
        yd[2 + i] = s->output[j];
        wd[2 + i] = s->kernel[j];
        strides[i] = s->stride[j];
        dil[i] = s->dilation[j] - 1;
        pl[i] = s->pad_before[j];
        pr[i] = (int64_t)(s->output[j] - 1) * s->stride[j] + (int64_t)(s->kernel[j] - 1) * s->dilation[j] + 1
                - s->input[j] - s->pad_before[j];
        if (pr[i] < 0) return;  // input columns the convolution never reads: left to the im2col path
    }
    md_t ux, uy, uw, ub, ax, ay, aw;
    if (!plain_md(&ux, rank, xd) || !plain_md(&uy, rank, yd) || !plain_md(&uw, rank, wd) || !plain_md(&ub, 1, bd))
        return;
    // The primitive picks its layouts (blocked ones): with plain NCHW it fell back to its gemm kernel, 2-3x
    // slower here than its direct kernels plus the reorders.
    if (!any_md(&ax, rank, xd) || !any_md(&ay, rank, yd) || !any_md(&aw, rank, wd)) return;

    void *attr = NULL;
    if (api.attr_create(&attr) != 0) return;
    api.attr_set_scratchpad_mode(attr, SCRATCHPAD_USER);
    convd_t *desc = malloc(sizeof(convd_t)), *fdesc = malloc(sizeof(convd_t));
    void *pd = NULL, *fpd = NULL;
    int ok = desc && fdesc;
    if (ok && e->kind == KIND_FORWARD) {
        ok = api.conv_fwd_init(desc, PROP_FORWARD_INFERENCE, ALG_CONV_DIRECT, &ax, &aw, e->has_bias ? &ub : NULL, &ay,
                               strides, dil, pl, pr) == 0
             && api.pd_create(&pd, desc, attr, engine, NULL) == 0;
    } else if (ok) {
        // Backward primitives need the matching forward primitive descriptor as a hint.
        ok = api.conv_fwd_init(fdesc, PROP_FORWARD_TRAINING, ALG_CONV_DIRECT, &ax, &aw, NULL, &ay, strides, dil, pl,
                               pr) == 0
             && api.pd_create(&fpd, fdesc, NULL, engine, NULL) == 0;
        if (ok && e->kind == KIND_BACKWARD_DATA)
            ok = api.conv_bwd_data_init(desc, ALG_CONV_DIRECT, &ax, &aw, &ay, strides, dil, pl, pr) == 0;
        else if (ok)
            ok = api.conv_bwd_weights_init(desc, ALG_CONV_DIRECT, &ax, &aw, NULL, &ay, strides, dil, pl, pr) == 0;
        ok = ok && api.pd_create(&pd, desc, attr, engine, fpd) == 0;
    }
    if (ok) {
        if (e->kind == KIND_FORWARD) {
            ok = add_arg(e, pd, ARG_SRC, 0, &ux, Q_SRC_MD, 0) && add_arg(e, pd, ARG_WEIGHTS, 0, &uw, Q_WEIGHTS_MD, 0)
                 && add_arg(e, pd, ARG_DST, 1, &uy, Q_DST_MD, 0)
                 && (!e->has_bias || add_arg(e, pd, ARG_BIAS, 0, &ub, Q_WEIGHTS_MD, 1));
        } else if (e->kind == KIND_BACKWARD_DATA) {
            ok = add_arg(e, pd, ARG_DIFF_DST, 0, &uy, Q_DIFF_DST_MD, 0) && add_arg(e, pd, ARG_WEIGHTS, 0, &uw, Q_WEIGHTS_MD, 0)
                 && add_arg(e, pd, ARG_DIFF_SRC, 1, &ux, Q_DIFF_SRC_MD, 0);
        } else {
            ok = add_arg(e, pd, ARG_SRC, 0, &ux, Q_SRC_MD, 0) && add_arg(e, pd, ARG_DIFF_DST, 0, &uy, Q_DIFF_DST_MD, 0)
                 && add_arg(e, pd, ARG_DIFF_WEIGHTS, 1, &uw, Q_DIFF_WEIGHTS_MD, 0);
        }
    }
    if (ok) {
        const md_t *smd = api.pd_query_md(pd, Q_SCRATCHPAD_MD, 0);
        e->scratch_bytes = smd ? api.md_size(smd) : 0;
        ok = smd && (e->scratch_bytes == 0 || api.memory_create(&e->scratch_mem, smd, engine, NULL) == 0);
    }
    ok = ok && api.primitive_create(&e->primitive, pd) == 0;
    if (ok) {
        const char *impl = NULL;
        if (api.pd_query(pd, Q_IMPL_INFO_STR, 0, &impl) == 0 && impl) snprintf(last_impl, sizeof(last_impl), "%s", impl);
    }
    if (pd) api.pd_destroy(pd);
    if (fpd) api.pd_destroy(fpd);
    api.attr_destroy(attr);
    free(desc);
    free(fdesc);
    e->ok = ok;
}

static size_t round_up(size_t n) { return (n + 63) & ~(size_t)63; }

static int run(int kind, int has_bias, const zoo_conv_shape *shape, void *const *pointers) {
    if (!zoo_dnnl_available() || shape->spatial < 2 || shape->spatial > 3) return -1;
    pthread_mutex_lock(&lock);
    conv_entry *e = entries;
    while (e && !(e->kind == kind && e->has_bias == has_bias && same_shape(&e->shape, shape))) e = e->next;
    if (!e) {
        e = calloc(1, sizeof(*e));
        if (!e) { pthread_mutex_unlock(&lock); return -1; }
        e->kind = kind;
        e->has_bias = has_bias;
        e->shape = *shape;
        build(e);
        e->next = entries;
        entries = e;
    }
    if (!e->ok) { pthread_mutex_unlock(&lock); return -1; }
    size_t need = round_up(e->scratch_bytes);
    for (int i = 0; i < e->nargs; i++) if (e->args[i].reordered) need += round_up(e->args[i].bytes);
    if (need > workspace_bytes) {
        free(workspace);
        workspace = aligned_alloc(64, need);
        workspace_bytes = workspace ? need : 0;
        if (!workspace) { pthread_mutex_unlock(&lock); return -1; }
    }
    char *cursor = workspace;
    exec_arg args[MAX_ARGS + 1];
    int n = 0, status = 0;
    for (int i = 0; i < e->nargs; i++) {
        conv_arg *a = &e->args[i];
        api.memory_set_data_handle(a->user_mem, pointers[i]);
        if (a->reordered) {
            api.memory_set_data_handle(a->prim_mem, cursor);
            cursor += round_up(a->bytes);
            if (!a->output) {
                exec_arg r[2] = {{ARG_SRC, a->user_mem}, {ARG_DST, a->prim_mem}};
                status |= api.primitive_execute(a->reorder, stream, 2, r);
            }
        }
        args[n++] = (exec_arg){a->arg, a->reordered ? a->prim_mem : a->user_mem};
    }
    if (e->scratch_bytes) {
        api.memory_set_data_handle(e->scratch_mem, cursor);
        args[n++] = (exec_arg){ARG_SCRATCHPAD, e->scratch_mem};
    }
    status |= api.primitive_execute(e->primitive, stream, n, args);
    for (int i = 0; i < e->nargs; i++) {
        conv_arg *a = &e->args[i];
        if (a->reordered && a->output) {
            exec_arg r[2] = {{ARG_SRC, a->prim_mem}, {ARG_DST, a->user_mem}};
            status |= api.primitive_execute(a->reorder, stream, 2, r);
        }
    }
    status |= api.stream_wait(stream);
    pthread_mutex_unlock(&lock);
    return status == 0 ? 0 : -1;
}

int zoo_dnnl_conv_forward(const zoo_conv_shape *shape, const float *x, const float *w, const float *bias, float *y) {
    void *p[4] = {(void *)x, (void *)w, y, (void *)bias};
    return run(KIND_FORWARD, bias != NULL, shape, p);
}

int zoo_dnnl_conv_backward_data(const zoo_conv_shape *shape, const float *dy, const float *w, float *dx) {
    void *p[3] = {(void *)dy, (void *)w, dx};
    return run(KIND_BACKWARD_DATA, 0, shape, p);
}

int zoo_dnnl_conv_backward_weights(const zoo_conv_shape *shape, const float *x, const float *dy, float *dw) {
    void *p[3] = {(void *)x, (void *)dy, dw};
    return run(KIND_BACKWARD_WEIGHTS, 0, shape, p);
}
