/*
 * The AVX-512 path: one 16-lane register holds the canonical order's 16 lanes, masked loads pad the
 * last chunk with zeros. Same arithmetic as scalar_kernels.h, sixteen elements at a time.
 */
#if defined(__x86_64__)
#include <immintrin.h>

#include "ckernels.h"
#include "kernel_table.h"

#define RLVR_TARGET __attribute__((target("avx512f,avx2,fma")))
#define RLVR_FMA(a, b, c) __builtin_fmaf(a, b, c)
#include "scalar_kernels.h"
#include "x86_vectors.h"
#include "x86_elementwise.h"

KERNEL_INLINE __mmask16 mask16(long left) {
    return left >= 16 ? (__mmask16)0xFFFF : left <= 0 ? (__mmask16)0 : (__mmask16)((1u << left) - 1u);
}

/* e^x, sixteen at a time: the 8-lane exp8 on each half (the same operations per element). */
KERNEL_INLINE __m512 exp16(__m512 x) {
    __m256 lo = exp8(_mm512_castps512_ps256(x));
    __m256 hi = exp8(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(x), 1)));
    return _mm512_castpd_ps(_mm512_insertf64x4(_mm512_castps_pd(_mm512_castps256_ps512(lo)), _mm256_castps_pd(hi), 1));
}

/* s8 = acc[0..7] + acc[8..15], the tree's first step. */
KERNEL_INLINE __m256 fold16(__m512 acc) {
    return _mm256_add_ps(_mm512_castps512_ps256(acc), _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(acc), 1)));
}

KERNEL_INLINE float tree16x(__m512 acc) {
    __m256 s8 = fold16(acc);
    __m128 s4 = _mm_add_ps(_mm256_castps256_ps128(s8), _mm256_extractf128_ps(s8, 1));
    __m128 s2 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
    return _mm_cvtss_f32(_mm_add_ss(s2, _mm_movehdup_ps(s2)));
}

/* The largest of 16 lanes, none of them NaN (the callers keep NaN out, see rlvr_canonical_zero). */
KERNEL_INLINE float horizontal_max16(__m512 v) {
    return horizontal_max(_mm256_max_ps(_mm512_castps512_ps256(v), _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1))));
}

/* ---- dot products ---- */

KERNEL float dot_avx512(const float *a, const float *b, long K) {
    __m512 acc = _mm512_setzero_ps();
    long k = 0;
    for (; k + RLVR_LANES <= K; k += RLVR_LANES)
        acc = _mm512_fmadd_ps(_mm512_loadu_ps(a + k), _mm512_loadu_ps(b + k), acc);
    if (k < K) {
        __mmask16 mask = mask16(K - k);
        acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask, a + k), _mm512_maskz_loadu_ps(mask, b + k), acc);
    }
    return tree16x(acc);
}

/* Eight keys at a time: eight independent accumulator chains, then one transposed tree. */
KERNEL void dots_avx512(const float *q, const float *keys, long ldk, long count, long K, float *out) {
    long j = 0;
    for (; j + 8 <= count; j += 8) {
        const float *k0 = keys + j * ldk;
        __m512 acc[8];
        for (int t = 0; t < 8; t++) acc[t] = _mm512_setzero_ps();
        long k = 0;
        for (; k + RLVR_LANES <= K; k += RLVR_LANES) {
            __m512 qv = _mm512_loadu_ps(q + k);
            for (int t = 0; t < 8; t++) acc[t] = _mm512_fmadd_ps(qv, _mm512_loadu_ps(k0 + t * ldk + k), acc[t]);
        }
        if (k < K) {
            __mmask16 mask = mask16(K - k);
            __m512 qv = _mm512_maskz_loadu_ps(mask, q + k);
            for (int t = 0; t < 8; t++) acc[t] = _mm512_fmadd_ps(qv, _mm512_maskz_loadu_ps(mask, k0 + t * ldk + k), acc[t]);
        }
        __m256 s8[8];
        for (int t = 0; t < 8; t++) s8[t] = fold16(acc[t]);
        _mm256_storeu_ps(out + j, tree8x8(s8));
    }
    for (; j < count; j++) out[j] = dot_avx512(q, keys + j * ldk, K);
}

/* ---- y = x · wᵀ ---- */

/* How far ahead (floats) a streamed weight row is prefetched into L2 when several x rows share it
   (see path_avx2.c). */
enum { PREFETCH = 4096 };

/* A ROWS × COLS tile (ROWS·COLS ≤ 16): x rows against weight rows, one 16-lane accumulator per
   output. `prefetch` (floats, 0 for none): the weight rows that far ahead are fetched into L2. */
KERNEL_INLINE void tile_avx512(const float *x, const float *w, float *y, long K, long ldy, const int ROWS, const int COLS,
                               long prefetch) {
    __m512 c[12][4];
    for (int i = 0; i < ROWS; i++)
        for (int j = 0; j < COLS; j++) c[i][j] = _mm512_setzero_ps();
    long k = 0;
    for (; k + RLVR_LANES <= K; k += RLVR_LANES) {
        if (prefetch)
            for (int j = 0; j < COLS; j++) _mm_prefetch((const char *)(w + j * K + k + prefetch), _MM_HINT_T1);
        __m512 wv[4];
        for (int j = 0; j < COLS; j++) wv[j] = _mm512_loadu_ps(w + j * K + k);
        for (int i = 0; i < ROWS; i++) {
            __m512 xv = _mm512_loadu_ps(x + i * K + k);
            for (int j = 0; j < COLS; j++) c[i][j] = _mm512_fmadd_ps(xv, wv[j], c[i][j]);
        }
    }
    if (k < K) {
        __mmask16 mask = mask16(K - k);
        __m512 wv[4];
        for (int j = 0; j < COLS; j++) wv[j] = _mm512_maskz_loadu_ps(mask, w + j * K + k);
        for (int i = 0; i < ROWS; i++) {
            __m512 xv = _mm512_maskz_loadu_ps(mask, x + i * K + k);
            for (int j = 0; j < COLS; j++) c[i][j] = _mm512_fmadd_ps(xv, wv[j], c[i][j]);
        }
    }
    for (int i = 0; i < ROWS; i++)
        for (int j = 0; j < COLS; j++) y[i * ldy + j] = tree16x(c[i][j]);
}

RLVR_TARGET static void tile_4x4(const float *x, const float *w, float *y, long K, long ldy, long prefetch) {
    tile_avx512(x, w, y, K, ldy, 4, 4, prefetch);
}

/* Up to twelve x rows against one weight row, the weights read in address order (see path_avx2.c).
   One or two rows take the 8-lane tile: two accumulator chains per output keep more loads in
   flight than one 16-lane chain (measured at one row: 25 against 21 GB/s). */
RLVR_TARGET static void column_tile(const float *x, const float *w, float *y, long K, long ldy, long rows) {
    switch (rows) {
    case 1: tile8(x, w, y, K, ldy, 1, 1, 0); break;
    case 2: tile8(x, w, y, K, ldy, 2, 1, 0); break;
    case 3: tile_avx512(x, w, y, K, ldy, 3, 1, PREFETCH); break;
    case 4: tile_avx512(x, w, y, K, ldy, 4, 1, PREFETCH); break;
    case 5: tile_avx512(x, w, y, K, ldy, 5, 1, PREFETCH); break;
    case 6: tile_avx512(x, w, y, K, ldy, 6, 1, PREFETCH); break;
    case 7: tile_avx512(x, w, y, K, ldy, 7, 1, PREFETCH); break;
    case 8: tile_avx512(x, w, y, K, ldy, 8, 1, PREFETCH); break;
    case 9: tile_avx512(x, w, y, K, ldy, 9, 1, PREFETCH); break;
    case 10: tile_avx512(x, w, y, K, ldy, 10, 1, PREFETCH); break;
    case 11: tile_avx512(x, w, y, K, ldy, 11, 1, PREFETCH); break;
    default: tile_avx512(x, w, y, K, ldy, 12, 1, PREFETCH); break;
    }
}

/* Rows up to which the weights are streamed one row at a time (as in path_avx2.c). */
enum { STREAMED_ROWS = 12 };

/* Weight rows per block: 64 rows of K floats stay in L2 while every x row streams past them. */
enum { BLOCK_N = 64 };

RLVR_TARGET static void linear_forward_avx512(const float *x, const float *w, float *y, long M, long N, long K, long ldy) {
    if (M <= 0 || N <= 0) return;
    if (M <= STREAMED_ROWS) {
        for (long n = 0; n < N; n++) column_tile(x, w + n * K, y + n, K, ldy, M);
        return;
    }
    for (long n0 = 0; n0 < N; n0 += BLOCK_N) {
        long n1 = n0 + BLOCK_N < N ? n0 + BLOCK_N : N;
        /* the first pass over this block's weights also fetches the next block's into L2 */
        long ahead = n1 < N ? BLOCK_N * K : 0;
        long m = 0;
        for (; m + 4 <= M; m += 4, ahead = 0) {
            long n = n0;
            for (; n + 4 <= n1; n += 4) tile_4x4(x + m * K, w + n * K, y + m * ldy + n, K, ldy, ahead);
            for (; n < n1; n++) column_tile(x + m * K, w + n * K, y + m * ldy + n, K, ldy, 4);
        }
        if (m < M)
            for (long n = n0; n < n1; n++) column_tile(x + m * K, w + n * K, y + m * ldy + n, K, ldy, M - m);
    }
}

/* ---- attention ---- */

/* dst[d] = fma(coef[r·stride], rows[r·ld + d], dst[d]) for r = 0..<count ascending: the weighted
   sums of attention (forward: Σ_t p_t v_t; backward: dq, dk, dv), 64 columns in four registers. */
KERNEL void fma_rows_avx512(float *dst, const float *coef, long stride, const float *rows, long ld, long count, long D) {
    for (long d = 0; d < D; d += 64) {
        __mmask16 m[4];
        __m512 o[4];
        for (int b = 0; b < 4; b++) {
            m[b] = mask16(D - d - 16 * b);
            o[b] = _mm512_maskz_loadu_ps(m[b], dst + d + 16 * b);
        }
        for (long r = 0; r < count; r++) {
            __m512 c = _mm512_set1_ps(coef[r * stride]);
            const float *row = rows + r * ld + d;
            for (int b = 0; b < 4; b++) o[b] = _mm512_fmadd_ps(c, _mm512_maskz_loadu_ps(m[b], row + 16 * b), o[b]);
        }
        for (int b = 0; b < 4; b++) _mm512_mask_storeu_ps(dst + d + 16 * b, m[b], o[b]);
    }
}

/* scores[j] ← softmax_j(scores[j] · scale) in place; returns log Σ_j e^(scores[j]·scale). */
KERNEL float softmax_avx512(float *scores, long count, float scale) {
    __m512 vscale = _mm512_set1_ps(scale), vmax = _mm512_set1_ps(-INFINITY);
    long j = 0;
    for (; j + 16 <= count; j += 16) {
        __m512 s = _mm512_mul_ps(_mm512_loadu_ps(scores + j), vscale);
        _mm512_storeu_ps(scores + j, s);
        vmax = _mm512_max_ps(s, vmax);
    }
    float max = horizontal_max16(vmax);
    for (; j < count; j++) {
        scores[j] = scores[j] * scale;
        if (scores[j] > max) max = scores[j];
    }
    max = rlvr_canonical_zero(max);
    __m512 vm = _mm512_set1_ps(max), acc = _mm512_setzero_ps();
    for (j = 0; j < count; j += 16) {
        __mmask16 mask = mask16(count - j);
        __m512 e = _mm512_maskz_mov_ps(mask, exp16(_mm512_sub_ps(_mm512_maskz_loadu_ps(mask, scores + j), vm)));
        _mm512_mask_storeu_ps(scores + j, mask, e);
        acc = _mm512_add_ps(acc, e);
    }
    float sum = tree16x(acc);
    __m512 inverse = _mm512_set1_ps(1.0f / sum);
    for (j = 0; j < count; j += 16) {
        __mmask16 mask = mask16(count - j);
        _mm512_mask_storeu_ps(scores + j, mask, _mm512_mul_ps(_mm512_maskz_loadu_ps(mask, scores + j), inverse));
    }
    return max + scalar_log(sum);
}

RLVR_TARGET static float attend_avx512(const float *q, const float *keys1, const float *values1, long ld1, long count1,
                                       const float *keys2, const float *values2, long ld2, long count2, long head_dim,
                                       float scale, float *scores, float *out) {
    dots_avx512(q, keys1, ld1, count1, head_dim, scores);
    dots_avx512(q, keys2, ld2, count2, head_dim, scores + count1);
    float lse = softmax_avx512(scores, count1 + count2, scale);
    for (long d = 0; d < head_dim; d++) out[d] = 0.0f;
    fma_rows_avx512(out, scores, 1, values1, ld1, count1, head_dim);
    fma_rows_avx512(out, scores + count1, 1, values2, ld2, count2, head_dim);
    return lse;
}

/* ---- attention of the query heads that share a key/value head ---- */

/* NQ queries (rows `ldq` apart) against eight keys at a time: each key row is read once for all of
   them. Every (query, key) result is the one dots_avx512 gives: the same lane chains and tree for the
   groups of eight, dot_avx512 for the rest. out: NQ rows `ldo` apart. */
KERNEL_INLINE void dots_shared_avx512(const float *q, long ldq, const float *keys, long ldk, long count, long K, float *out,
                                      long ldo, const int NQ) {
    long j = 0;
    for (; j + 8 <= count; j += 8) {
        const float *k0 = keys + j * ldk;
        __m512 acc[3][8];
        for (int i = 0; i < NQ; i++)
            for (int t = 0; t < 8; t++) acc[i][t] = _mm512_setzero_ps();
        long k = 0;
        for (; k + RLVR_LANES <= K; k += RLVR_LANES) {
            __m512 qv[3];
            for (int i = 0; i < NQ; i++) qv[i] = _mm512_loadu_ps(q + i * ldq + k);
            for (int t = 0; t < 8; t++) {
                __m512 kv = _mm512_loadu_ps(k0 + t * ldk + k);
                for (int i = 0; i < NQ; i++) acc[i][t] = _mm512_fmadd_ps(qv[i], kv, acc[i][t]);
            }
        }
        if (k < K) {
            __mmask16 mask = mask16(K - k);
            __m512 qv[3];
            for (int i = 0; i < NQ; i++) qv[i] = _mm512_maskz_loadu_ps(mask, q + i * ldq + k);
            for (int t = 0; t < 8; t++) {
                __m512 kv = _mm512_maskz_loadu_ps(mask, k0 + t * ldk + k);
                for (int i = 0; i < NQ; i++) acc[i][t] = _mm512_fmadd_ps(qv[i], kv, acc[i][t]);
            }
        }
        for (int i = 0; i < NQ; i++) {
            __m256 s8[8];
            for (int t = 0; t < 8; t++) s8[t] = fold16(acc[i][t]);
            _mm256_storeu_ps(out + i * ldo + j, tree8x8(s8));
        }
    }
    for (; j < count; j++)
        for (int i = 0; i < NQ; i++) out[i * ldo + j] = dot_avx512(q + i * ldq, keys + j * ldk, K);
}

/* dst_i[d] = fma(coef_i[r], rows[r·ld + d], dst_i[d]) for r ascending, for NQ outputs at once (rows
   `ldd` apart, coefficients `ldc` apart): each value row is read once; each output's chain is the
   one fma_rows_avx512 computes for it alone. */
KERNEL_INLINE void fma_rows_shared_avx512(float *dst, long ldd, const float *coef, long ldc, const float *rows, long ld,
                                          long count, long D, const int NQ) {
    for (long d = 0; d < D; d += 64) {
        __mmask16 m[4];
        __m512 o[3][4];
        for (int b = 0; b < 4; b++) m[b] = mask16(D - d - 16 * b);
        for (int i = 0; i < NQ; i++)
            for (int b = 0; b < 4; b++) o[i][b] = _mm512_maskz_loadu_ps(m[b], dst + i * ldd + d + 16 * b);
        for (long r = 0; r < count; r++) {
            const float *row = rows + r * ld + d;
            __m512 v[4];
            for (int b = 0; b < 4; b++) v[b] = _mm512_maskz_loadu_ps(m[b], row + 16 * b);
            for (int i = 0; i < NQ; i++) {
                __m512 c = _mm512_set1_ps(coef[i * ldc + r]);
                for (int b = 0; b < 4; b++) o[i][b] = _mm512_fmadd_ps(c, v[b], o[i][b]);
            }
        }
        for (int i = 0; i < NQ; i++)
            for (int b = 0; b < 4; b++) _mm512_mask_storeu_ps(dst + i * ldd + d + 16 * b, m[b], o[i][b]);
    }
}

KERNEL_INLINE void attend_shared_avx512(const float *q, const float *keys1, const float *values1, long ld1, long count1,
                                        const float *keys2, const float *values2, long ld2, long count2, long head_dim,
                                        float scale, float *scores, float *out, float *lse, const int NQ) {
    long count = count1 + count2;
    dots_shared_avx512(q, head_dim, keys1, ld1, count1, head_dim, scores, count, NQ);
    dots_shared_avx512(q, head_dim, keys2, ld2, count2, head_dim, scores + count1, count, NQ);
    for (int i = 0; i < NQ; i++) {
        lse[i] = softmax_avx512(scores + i * count, count, scale);
        for (long d = 0; d < head_dim; d++) out[i * head_dim + d] = 0.0f;
    }
    fma_rows_shared_avx512(out, head_dim, scores, count, values1, ld1, count1, head_dim, NQ);
    fma_rows_shared_avx512(out, head_dim, scores + count1, count, values2, ld2, count2, head_dim, NQ);
}

/* rlvr_attend_group: the queries three at a time (SmolLM2's 135M and 360M share each key/value head
   among three query heads; 27 accumulators keep within the 32 registers). */
RLVR_TARGET static void attend_group_avx512(const float *q, long queries, const float *keys1, const float *values1, long ld1,
                                            long count1, const float *keys2, const float *values2, long ld2, long count2,
                                            long head_dim, float scale, float *scores, float *out, float *lse) {
    long i = 0;
    for (; i + 3 <= queries; i += 3)
        attend_shared_avx512(q + i * head_dim, keys1, values1, ld1, count1, keys2, values2, ld2, count2, head_dim, scale,
                             scores, out + i * head_dim, lse + i, 3);
    if (queries - i == 2)
        attend_shared_avx512(q + i * head_dim, keys1, values1, ld1, count1, keys2, values2, ld2, count2, head_dim, scale,
                             scores, out + i * head_dim, lse + i, 2);
    else if (queries - i == 1)
        attend_shared_avx512(q + i * head_dim, keys1, values1, ld1, count1, keys2, values2, ld2, count2, head_dim, scale,
                             scores, out + i * head_dim, lse + i, 1);
}

/* p_j = e^(fma(s_j, scale, −lse)), ds_j = (p_j·(dp_j − delta))·scale, sixteen keys at a time. */
KERNEL void score_gradients_avx512(float *p, float *ds, long count, float scale, float lse, float delta) {
    __m512 vscale = _mm512_set1_ps(scale), vlse = _mm512_set1_ps(lse), vdelta = _mm512_set1_ps(delta);
    for (long j = 0; j < count; j += 16) {
        __mmask16 mask = mask16(count - j);
        __m512 pv = exp16(_mm512_fmsub_ps(_mm512_maskz_loadu_ps(mask, p + j), vscale, vlse));
        __m512 dsv = _mm512_mul_ps(_mm512_mul_ps(pv, _mm512_sub_ps(_mm512_maskz_loadu_ps(mask, ds + j), vdelta)), vscale);
        _mm512_mask_storeu_ps(p + j, mask, pv);
        _mm512_mask_storeu_ps(ds + j, mask, dsv);
    }
}

#define PATH_DOT dot_avx512
#define PATH_DOTS dots_avx512
#define PATH_FMA_ROWS fma_rows_avx512
#define PATH_SCORE_GRADIENTS score_gradients_avx512
#include "attention_backward_blocked.h"

const rlvr_kernel_table rlvr_avx512_table = {
    .path = RLVR_PATH_AVX512,
    .dot = dot_avx512,
    .dots = dots_avx512,
    .linear_forward = linear_forward_avx512,
    .attend_segments = attend_avx512,
    .attend_group = attend_group_avx512,
    .attention_backward = blocked_attention_backward,
    .vocabulary_gradient_row = vocabulary_gradient8,
    .silu_mul = silu_mul8,
    .silu_mul_backward = silu_mul_backward8,
    .online_softmax_update = online_softmax_update8,
    .exp_many = exp_many8,
    .log = scalar_log,
};
#endif
