#ifndef RLVR_CKERNELS_H
#define RLVR_CKERNELS_H

/*
 * Batch-invariant dot-product kernels.
 *
 * Every output element is computed in one canonical order that depends only on the reduction
 * length K, never on how many rows or columns a call covers, how the work is split between
 * threads, or which instruction set runs it:
 *
 *   acc[l] = 0 for l in 0..<16
 *   for each chunk c of 16 consecutive k (the last one zero-padded):
 *       acc[l] = fma(a[16c + l], b[16c + l], acc[l])
 *   result = tree(acc): s8[i] = acc[i] + acc[i+8]; s4[i] = s8[i] + s8[i+4];
 *                       s2[i] = s4[i] + s4[i+2]; s = s2[0] + s2[1]
 *
 * So a token's logits are bit-identical whether it is computed alone, in a batch of 32 decoding
 * sequences, or inside a 2048-token training micro-batch. The AVX-512 path and the portable scalar
 * path (fmaf) give identical results.
 */

#ifdef __cplusplus
extern "C" {
#endif

/* y[m * ldy + n] = sum_k x[m * K + k] * w[n * K + k]   for m < M, n < N   (y = x · wᵀ) */
void rlvr_linear_forward(const float *x, const float *w, float *y, long M, long N, long K, long ldy);

/* out[j] = sum_k q[k] * keys[j * ldk + k]   for j < count   (one query against many keys) */
void rlvr_dots(const float *q, const float *keys, long ldk, long count, long K, float *out);

/* The canonical dot product of two vectors of length K. */
float rlvr_dot(const float *a, const float *b, long K);

/* 1 when the AVX-512 path is in use, 0 for the portable path. */
int rlvr_kernels_use_avx512(void);

/* Force the portable path (for tests that compare the two); returns the previous setting. */
int rlvr_kernels_force_portable(int force);

#ifdef __cplusplus
}
#endif

#endif

#ifndef RLVR_CKERNELS_ATTENTION_H
#define RLVR_CKERNELS_ATTENTION_H
#ifdef __cplusplus
extern "C" {
#endif

/* e^x with a fixed sequence of fma/mul/add operations (Cephes expf polynomial, |rel err| < 2e-7),
   identical on every path; 0 below −87. */
float rlvr_exp(float x);

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

/* Backward of causal attention for one query head over one sequence of `length` tokens.
   q, out, dout, dq: rows `ldq` apart; k, v, dk, dv: rows `ldkv` apart; lse: the forward's log-sum-exp
   per query row; scratch: 2 · length floats. Accumulates (+=) into dq, dk and dv. (Not batch
   invariant and not needed to be: gradients never feed back into sampling.) */
void rlvr_attention_backward(const float *q, const float *k, const float *v, const float *out, const float *dout,
                             const float *lse, float *dq, float *dk, float *dv, long length, long ldq, long ldkv,
                             long head_dim, float scale, float *scratch);

/* One row of the vocabulary head's gradient, in place: z[v] ← −g·p_v − gH·p_v·(z_v − logZ + H),
   with p_v = e^(z_v − logZ). (The caller adds g at the target.) */
void rlvr_vocabulary_gradient_row(float *z, long n, float log_z, float g, float g_entropy, float entropy);

#ifdef __cplusplus
}
#endif
#endif

#ifndef RLVR_CKERNELS_ELEMENTWISE_H
#define RLVR_CKERNELS_ELEMENTWISE_H
#ifdef __cplusplus
extern "C" {
#endif

/* h[i] = silu(g[i]) · u[i] = g / (1 + e^(−g)) · u, canonical operations (batch invariant). */
void rlvr_silu_mul(const float *g, const float *u, float *h, long n);

/* Backward of h = silu(g)·u, accumulating: du += dh·silu(g), dg += dh·u·σ(g)·(1 + g·(1 − σ(g))). */
void rlvr_silu_mul_backward(const float *g, const float *u, const float *dh, float *dg, float *du, long n);

/* Online log-sum-exp over one chunk of logits z[0..<n] for one row: updates the running maximum
   *m, the running Σ e^(z−m) in *s and Σ e^(z−m)·z in *a (rescaled when the maximum grows).
   Canonical order, so a row's totals depend only on the chunk sizes, never on the batch. */
void rlvr_online_softmax_update(const float *z, long n, float *m, float *s, float *a);

#ifdef __cplusplus
}
#endif
#endif
