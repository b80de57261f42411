#ifndef RLVR_KERNEL_TABLE_H
#define RLVR_KERNEL_TABLE_H
/* What one instruction-set path provides. Each path's file fills one table; dispatch.c picks one.
   A path's kernels call each other directly (never through the active table), so a call runs on one
   path from start to end even if the active path changes meanwhile. */

#include "ckernels.h"

typedef struct {
    rlvr_kernel_path path;
    float (*dot)(const float *a, const float *b, long K);
    void (*dots)(const float *q, const float *keys, long ldk, long count, long K, float *out);
    void (*linear_forward)(const float *x, const float *w, float *y, long M, long N, long K, long ldy);
    float (*attend_segments)(const float *q, const float *keys1, const float *values1, long ld1, long count1,
                             const float *keys2, const float *values2, long ld2, long count2, long head_dim,
                             float scale, float *scores, float *out);
    /* Optional (NULL: attend_segments once per query): rlvr_attend_group with each key and value row
       read once for all the queries. */
    void (*attend_group)(const float *q, long queries, const float *keys1, const float *values1, long ld1, long count1,
                         const float *keys2, const float *values2, long ld2, long count2, long head_dim, float scale,
                         float *scores, float *out, float *lse);
    void (*attention_backward)(const float *q, const float *k, const float *v, const float *out, const float *dout,
                               const float *lse, float *dq, float *dk, float *dv, long length, long ldq, long ldkv,
                               long head_dim, float scale, float *scratch);
    void (*vocabulary_gradient_row)(float *z, long n, float log_z, float g, float g_entropy, float entropy);
    void (*silu_mul)(const float *g, const float *u, float *h, long n);
    void (*silu_mul_backward)(const float *g, const float *u, const float *dh, float *dg, float *du, long n);
    void (*online_softmax_update)(const float *z, long n, float *m, float *s, float *a);
    void (*exp_many)(const float *x, float *y, long n);
    float (*log)(float x);
} rlvr_kernel_table;

/* Defined by the path files; a path not built for this architecture has no table. */
extern const rlvr_kernel_table rlvr_portable_table;
#if defined(__x86_64__)
extern const rlvr_kernel_table rlvr_portable_fma_table;
extern const rlvr_kernel_table rlvr_avx2_table;
extern const rlvr_kernel_table rlvr_avx512_table;
#endif
#if defined(__aarch64__)
extern const rlvr_kernel_table rlvr_neon_table;
#endif

#endif
