#ifndef RLVR_CKERNELS_H
#define RLVR_CKERNELS_H

/*
 * Batch-invariant kernels, one definition and several instruction-set paths.
 *
 * Every reduction is computed in one canonical order that depends only on its length, never on how
 * many rows or columns a call covers, how the work is split between threads, or which path runs it.
 * The dot product of two vectors of length K is
 *
 *   acc[l] = 0 for l in 0..<16
 *   for each chunk c of 16 consecutive k (the last one zero-padded):
 *       acc[l] = fma(a[16c + l], b[16c + l], acc[l])
 *   result = tree(acc): s8[i] = acc[i] + acc[i+8]; s4[i] = s8[i] + s8[i+4];
 *                       s2[i] = s4[i] + s4[i+2]; s = s2[0] + s2[1]
 *
 * and e^x, log x and the softmax sums are fixed sequences of IEEE operations (see scalar_kernels.h,
 * the reference every path matches). So a token's logits are bit-identical whether it is computed
 * alone, in a batch of 32 decoding sequences, inside a 2048-token training micro-batch, or on
 * another CPU: the AVX-512, AVX2+FMA, NEON and portable paths give the same bits.
 */

#ifdef __cplusplus
extern "C" {
#endif

/* ---- kernels (run on the active path) ---- */

/* y[m * ldy + n] = sum_k x[m * K + k] * w[n * K + k]   for m < M, n < N   (y = x · wᵀ) */
void rlvr_linear_forward(const float *x, const float *w, float *y, long M, long N, long K, long ldy);

/* out[j] = sum_k q[k] * keys[j * ldk + k]   for j < count   (one query against many keys) */
void rlvr_dots(const float *q, const float *keys, long ldk, long count, long K, float *out);

/* The canonical dot product of two vectors of length K. */
float rlvr_dot(const float *a, const float *b, long K);

/* e^x with a fixed sequence of fma/mul/add operations (Cephes expf polynomial, |rel err| < 2e-7),
   identical on every path; 0 below −87, e^88 above 88, NaN for NaN. */
float rlvr_exp(float x);

/* log x with a fixed sequence of operations (Cephes logf polynomial, within 2 ulp), identical on
   every path and every C library; −inf at 0, NaN below 0 and for NaN, +inf at +inf. */
float rlvr_log(float x);

/* Causal attention of one query against keys/values 0..<count of its sequence (rows `ld` floats
   apart): scores = (q·k_j)·scale, p = softmax(scores), out = Σ_j p_j v_j (an fma chain over j, in
   ascending j). `scores` is scratch for `count` floats. Returns log Σ_j exp(score_j). The same
   routine serves full-sequence forward passes and incremental decoding, so both give the same bits. */
float rlvr_attend(const float *q, const float *keys, const float *values, long ld, long count, long head_dim,
                  float scale, float *scores, float *out);

/* The same computation over keys/values held in two segments (a shared prompt cache, then a
   sample's own cache): identical bits to rlvr_attend over the concatenation. */
float rlvr_attend_segments(const float *q, const float *keys1, const float *values1, long ld1, long count1,
                           const float *keys2, const float *values2, long ld2, long count2, long head_dim,
                           float scale, float *scores, float *out);

/* rlvr_attend_segments for `queries` query heads that share one key/value head (grouped-query
   attention): q and out hold the heads' rows back to back (`head_dim` floats each), lse[i] receives
   query i's log-sum-exp, scores is scratch for queries · (count1 + count2) floats. Each query's out
   and lse are the bits rlvr_attend_segments gives it alone; paths that can read each key and value
   row once for all the queries do. */
void rlvr_attend_group(const float *q, long queries, const float *keys1, const float *values1, long ld1, long count1,
                       const float *keys2, const float *values2, long ld2, long count2, long head_dim, float scale,
                       float *scores, float *out, float *lse);

/* Query rows the attention backward handles together (its scratch holds two rows of scores each). */
#define RLVR_ATTENTION_BACKWARD_ROWS 8

/* Backward of causal attention for one query head over one sequence of `length` tokens.
   q, out, dout, dq: rows `ldq` apart; k, v, dk, dv: rows `ldkv` apart; lse: the forward's log-sum-exp
   per query row; scratch: 2 · RLVR_ATTENTION_BACKWARD_ROWS · length floats. Accumulates (+=) into dq, dk and dv. Gradients never
   feed back into sampling, but every path still gives the same bits (so resumed runs do too). */
void rlvr_attention_backward(const float *q, const float *k, const float *v, const float *out, const float *dout,
                             const float *lse, float *dq, float *dk, float *dv, long length, long ldq, long ldkv,
                             long head_dim, float scale, float *scratch);

/* One row of the vocabulary head's gradient, in place: z[v] ← −g·p_v − gH·p_v·(z_v − logZ + H),
   with p_v = e^(z_v − logZ). (The caller adds g at the target.) */
void rlvr_vocabulary_gradient_row(float *z, long n, float log_z, float g, float g_entropy, float entropy);

/* h[i] = silu(g[i]) · u[i] = g / (1 + e^(−g)) · u. */
void rlvr_silu_mul(const float *g, const float *u, float *h, long n);

/* Backward of h = silu(g)·u, accumulating: du += dh·silu(g), dg += dh·u·σ(g)·(1 + g·(1 − σ(g))). */
void rlvr_silu_mul_backward(const float *g, const float *u, const float *dh, float *dg, float *du, long n);

/* Online log-sum-exp over one chunk of logits z[0..<n] for one row: updates the running maximum
   *m, the running Σ e^(z−m) in *s and Σ e^(z−m)·z in *a (rescaled when the maximum grows).
   Canonical order, so a row's totals depend only on the chunk sizes, never on the batch. */
void rlvr_online_softmax_update(const float *z, long n, float *m, float *s, float *a);

/* ---- paths ---- */

typedef enum {
    RLVR_PATH_PORTABLE = 0,     /* plain C; on x86 compiled without FMA (fma computed exactly in software) */
    RLVR_PATH_PORTABLE_FMA = 1, /* the same C compiled with the FMA instruction (x86 with FMA) */
    RLVR_PATH_AVX2 = 2,         /* x86-64-v3: AVX2 + FMA */
    RLVR_PATH_AVX512 = 3,       /* AVX-512F */
    RLVR_PATH_NEON = 4,         /* aarch64 Advanced SIMD */
    RLVR_PATH_COUNT = 5
} rlvr_kernel_path;

/* The path kernels run on now. Chosen on first use: RLVR_KERNELS (avx512 | avx2 | neon | portable |
   auto) if set, else the fastest path this CPU has. */
rlvr_kernel_path rlvr_kernels_active_path(void);

/* 1 when `path` is compiled into this binary and this CPU can run it. */
int rlvr_kernels_path_available(rlvr_kernel_path path);

/* "avx512", "avx2", "neon", "portable", "portable-fma". */
const char *rlvr_kernels_path_name(rlvr_kernel_path path);

/* Makes `path` the active one; returns 0, or −1 (and changes nothing) when it is not available. */
int rlvr_kernels_select(rlvr_kernel_path path);

/* Reads RLVR_KERNELS and selects the path it names (or the fastest one). Returns 0, or −1 with a
   one-line explanation in `message` when the variable names an unknown path or one this CPU lacks.
   Called on first use of any kernel; call it first to turn a bad setting into an error of your own. */
int rlvr_kernels_configure_from_environment(char *message, long size);

/* 1 when the path was chosen automatically and is a portable one (no SIMD path fits this CPU). */
int rlvr_kernels_fell_back_to_portable(void);

/* The CPU's model name ("AMD EPYC 7R13 Processor", "ARM Neoverse-N1 (0x41/0xd0c)", …). */
const char *rlvr_cpu_model_name(void);

/* The SIMD features the paths look for, as found on this CPU ("avx512f avx2 fma", "neon", "sse2"). */
const char *rlvr_cpu_features(void);

/* Per-path entry points, for tests that compare paths without touching the active one. Return 0
   and do nothing when `path` is not available. */
int rlvr_path_linear_forward(rlvr_kernel_path path, const float *x, const float *w, float *y, long M, long N, long K, long ldy);
int rlvr_path_dots(rlvr_kernel_path path, const float *q, const float *keys, long ldk, long count, long K, float *out);
int rlvr_path_attend_segments(rlvr_kernel_path path, const float *q, const float *keys1, const float *values1, long ld1,
                              long count1, const float *keys2, const float *values2, long ld2, long count2,
                              long head_dim, float scale, float *scores, float *out, float *lse);
int rlvr_path_attend_group(rlvr_kernel_path path, const float *q, long queries, const float *keys1, const float *values1,
                           long ld1, long count1, const float *keys2, const float *values2, long ld2, long count2,
                           long head_dim, float scale, float *scores, float *out, float *lse);
int rlvr_path_attention_backward(rlvr_kernel_path path, const float *q, const float *k, const float *v, const float *out,
                                 const float *dout, const float *lse, float *dq, float *dk, float *dv, long length,
                                 long ldq, long ldkv, long head_dim, float scale, float *scratch);
int rlvr_path_vocabulary_gradient_row(rlvr_kernel_path path, float *z, long n, float log_z, float g, float g_entropy, float entropy);
int rlvr_path_silu_mul(rlvr_kernel_path path, const float *g, const float *u, float *h, long n);
int rlvr_path_silu_mul_backward(rlvr_kernel_path path, const float *g, const float *u, const float *dh, float *dg, float *du, long n);
int rlvr_path_online_softmax_update(rlvr_kernel_path path, const float *z, long n, float *m, float *s, float *a);
int rlvr_path_exp(rlvr_kernel_path path, const float *x, float *y, long n);
int rlvr_path_log(rlvr_kernel_path path, const float *x, float *y, long n);

/* a·b + c rounded once, computed without an FMA instruction (what the portable path uses on x86). */
float rlvr_exact_fma(float a, float b, float c);

#ifdef __cplusplus
}
#endif

#endif
