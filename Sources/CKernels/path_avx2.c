/*
 * The AVX2 + FMA path (x86-64-v3: Haswell and later, AMD Zen 1–3 and later). The canonical 16-lane
 * order of ckernels.h is carried by two 8-lane registers: `lo` holds lanes 0–7 (k ≡ 0..7 mod 16),
 * `hi` lanes 8–15, and the tree's first step s8 = lo + hi is one vector add. Everything else is the
 * arithmetic of scalar_kernels.h, eight elements at a time.
 */
#if defined(__x86_64__)
#include <immintrin.h>

#include "ckernels.h"
#include "kernel_table.h"

#define RLVR_TARGET __attribute__((target("avx2,fma")))
#define RLVR_FMA(a, b, c) __builtin_fmaf(a, b, c)
#include "scalar_kernels.h"
#include "x86_vectors.h"
#include "x86_elementwise.h"

/* ---- dot products ---- */

KERNEL float dot_avx2(const float *a, const float *b, long K) {
    __m256 lo = _mm256_setzero_ps(), hi = _mm256_setzero_ps();
    long k = 0;
    for (; k + RLVR_LANES <= K; k += RLVR_LANES) {
        lo = _mm256_fmadd_ps(_mm256_loadu_ps(a + k), _mm256_loadu_ps(b + k), lo);
        hi = _mm256_fmadd_ps(_mm256_loadu_ps(a + k + 8), _mm256_loadu_ps(b + k + 8), hi);
    }
    if (k < K) {
        __m256i mlo = mask8(K - k), mhi = mask8(K - k - 8);
        lo = _mm256_fmadd_ps(load_masked(a + k, mlo), load_masked(b + k, mlo), lo);
        hi = _mm256_fmadd_ps(load_masked(a + k + 8, mhi), load_masked(b + k + 8, mhi), hi);
    }
    return tree16(lo, hi);
}

/* q against four keys: their s8 vectors (lo + hi), each key's lanes exactly those of dot_avx2. */
KERNEL_INLINE void dot4_s8(const float *q, const float *k0, const float *k1, const float *k2, const float *k3, long K,
                         __m256 *s8) {
    __m256 l0 = _mm256_setzero_ps(), l1 = l0, l2 = l0, l3 = l0, h0 = l0, h1 = l0, h2 = l0, h3 = l0;
    long k = 0;
    for (; k + RLVR_LANES <= K; k += RLVR_LANES) {
        __m256 qlo = _mm256_loadu_ps(q + k), qhi = _mm256_loadu_ps(q + k + 8);
        l0 = _mm256_fmadd_ps(qlo, _mm256_loadu_ps(k0 + k), l0);
        h0 = _mm256_fmadd_ps(qhi, _mm256_loadu_ps(k0 + k + 8), h0);
        l1 = _mm256_fmadd_ps(qlo, _mm256_loadu_ps(k1 + k), l1);
        h1 = _mm256_fmadd_ps(qhi, _mm256_loadu_ps(k1 + k + 8), h1);
        l2 = _mm256_fmadd_ps(qlo, _mm256_loadu_ps(k2 + k), l2);
        h2 = _mm256_fmadd_ps(qhi, _mm256_loadu_ps(k2 + k + 8), h2);
        l3 = _mm256_fmadd_ps(qlo, _mm256_loadu_ps(k3 + k), l3);
        h3 = _mm256_fmadd_ps(qhi, _mm256_loadu_ps(k3 + k + 8), h3);
    }
    if (k < K) {
        __m256i mlo = mask8(K - k), mhi = mask8(K - k - 8);
        __m256 qlo = load_masked(q + k, mlo), qhi = load_masked(q + k + 8, mhi);
        l0 = _mm256_fmadd_ps(qlo, load_masked(k0 + k, mlo), l0);
        h0 = _mm256_fmadd_ps(qhi, load_masked(k0 + k + 8, mhi), h0);
        l1 = _mm256_fmadd_ps(qlo, load_masked(k1 + k, mlo), l1);
        h1 = _mm256_fmadd_ps(qhi, load_masked(k1 + k + 8, mhi), h1);
        l2 = _mm256_fmadd_ps(qlo, load_masked(k2 + k, mlo), l2);
        h2 = _mm256_fmadd_ps(qhi, load_masked(k2 + k + 8, mhi), h2);
        l3 = _mm256_fmadd_ps(qlo, load_masked(k3 + k, mlo), l3);
        h3 = _mm256_fmadd_ps(qhi, load_masked(k3 + k + 8, mhi), h3);
    }
    s8[0] = _mm256_add_ps(l0, h0);
    s8[1] = _mm256_add_ps(l1, h1);
    s8[2] = _mm256_add_ps(l2, h2);
    s8[3] = _mm256_add_ps(l3, h3);
}

/* Eight keys at a time (two groups of four, one transposed tree), then one at a time. */
KERNEL void dots_avx2(const float *q, const float *keys, long ldk, long count, long K, float *out) {
    long j = 0;
    for (; j + 8 <= count; j += 8) {
        const float *k = keys + j * ldk;
        __m256 s8[8];
        dot4_s8(q, k, k + ldk, k + 2 * ldk, k + 3 * ldk, K, s8);
        dot4_s8(q, k + 4 * ldk, k + 5 * ldk, k + 6 * ldk, k + 7 * ldk, K, s8 + 4);
        _mm256_storeu_ps(out + j, tree8x8(s8));
    }
    for (; j < count; j++) out[j] = dot_avx2(q, keys + j * ldk, K);
}

/* ---- y = x · wᵀ ---- */

/* How far ahead (floats) a streamed weight row is prefetched into L2 when several x rows share it:
   there is then too much arithmetic per byte for the out-of-order window to reach that far by
   itself (measured: 11 → 25 GB/s at four rows; one or two rows stream fine without it). */
enum { PREFETCH = 4096 };

RLVR_TARGET static void tile_3x2(const float *x, const float *w, float *y, long K, long ldy, long prefetch) {
    tile8(x, w, y, K, ldy, 3, 2, prefetch);
}
RLVR_TARGET static void tile_2x2(const float *x, const float *w, float *y, long K, long ldy, long prefetch) {
    tile8(x, w, y, K, ldy, 2, 2, prefetch);
}
RLVR_TARGET static void tile_1x2(const float *x, const float *w, float *y, long K, long ldy, long prefetch) {
    tile8(x, w, y, K, ldy, 1, 2, prefetch);
}

/* Up to six x rows against one weight row: the tile for few rows (decoding), where the weights
   stream from memory and are read strictly in address order — one stream the prefetcher follows
   (two weight rows at a time reached half the bandwidth: 14 against 29 GB/s at one row). */
RLVR_TARGET static void column_tile(const float *x, const float *w, float *y, long K, long ldy, long rows) {
    switch (rows) {
    case 1: tile8(x, w, y, K, ldy, 1, 1, 0); break;
    case 2: tile8(x, w, y, K, ldy, 2, 1, 0); break;
    case 3: tile8(x, w, y, K, ldy, 3, 1, PREFETCH); break;
    case 4: tile8(x, w, y, K, ldy, 4, 1, PREFETCH); break;
    case 5: tile8(x, w, y, K, ldy, 5, 1, PREFETCH); break;
    default: tile8(x, w, y, K, ldy, 6, 1, PREFETCH); break;
    }
}

/* Rows up to which the weights are streamed one row at a time (each weight row against the x rows
   six at a time, from L1); beyond, x rows come from L2 and the blocked tiles are faster
   (measured at 576 × 1536: 78 against 65 GFLOP/s at 12 rows, 52 against 68 at 16). */
enum { STREAMED_ROWS = 12 };

/* Weight rows per block: about 128 KB of them stay in L2 while the x rows stream past. */
static long weight_block(long K) {
    long rows = 32768 / (K > 0 ? K : 1);
    rows -= rows % 2;
    return rows < 8 ? 8 : rows;
}

RLVR_TARGET static void linear_forward_avx2(const float *x, const float *w, float *y, long M, long N, long K, long ldy) {
    if (M <= 0 || N <= 0) return;
    if (M <= STREAMED_ROWS) {
        for (long n = 0; n < N; n++)
            for (long m = 0; m < M; m += 6) column_tile(x + m * K, w + n * K, y + m * ldy + n, K, ldy, M - m);
        return;
    }
    long block = weight_block(K);
    for (long n0 = 0; n0 < N; n0 += block) {
        long n1 = n0 + block < N ? n0 + block : N;
        /* the first pass over this block's weights also fetches the next block's into L2 */
        long ahead = n1 < N ? block * K : 0;
        long m = 0;
        for (; m + 3 <= M; m += 3, ahead = 0) {
            long n = n0;
            for (; n + 2 <= n1; n += 2) tile_3x2(x + m * K, w + n * K, y + m * ldy + n, K, ldy, ahead);
            if (n < n1) column_tile(x + m * K, w + n * K, y + m * ldy + n, K, ldy, 3);
        }
        long left = M - m, n = n0;
        if (left == 2)
            for (; n + 2 <= n1; n += 2) tile_2x2(x + m * K, w + n * K, y + m * ldy + n, K, ldy, ahead);
        else if (left == 1)
            for (; n + 2 <= n1; n += 2) tile_1x2(x + m * K, w + n * K, y + m * ldy + n, K, ldy, ahead);
        for (; n < n1 && left > 0; n++) column_tile(x + m * K, w + n * K, y + m * ldy + n, K, ldy, left);
    }
}

/* ---- attention ---- */

/* dst[0..<8·BLOCKS] = fma(coef[r·stride], rows[r·ld + ·], dst) over r = 0..<count, in registers. */
KERNEL_INLINE void fma_rows_block(float *dst, const float *coef, long stride, const float *rows, long ld, long count, const int BLOCKS) {
    __m256 o[8];
    for (int b = 0; b < BLOCKS; b++) o[b] = _mm256_loadu_ps(dst + 8 * b);
    for (long r = 0; r < count; r++) {
        __m256 c = _mm256_broadcast_ss(coef + r * stride);
        const float *row = rows + r * ld;
        for (int b = 0; b < BLOCKS; b++) o[b] = _mm256_fmadd_ps(c, _mm256_loadu_ps(row + 8 * b), o[b]);
    }
    for (int b = 0; b < BLOCKS; b++) _mm256_storeu_ps(dst + 8 * b, o[b]);
}

/* dst[d] = fma(coef[r·stride], rows[r·ld + d], dst[d]) for r = 0..<count ascending: the weighted
   sums of attention (forward: Σ_t p_t v_t; backward: dq, dk, dv), 64 columns in eight registers. */
KERNEL void fma_rows_avx2(float *dst, const float *coef, long stride, const float *rows, long ld, long count, long D) {
    long d = 0;
    for (; d + 64 <= D; d += 64) fma_rows_block(dst + d, coef, stride, rows + d, ld, count, 8);
    for (; d + 32 <= D; d += 32) fma_rows_block(dst + d, coef, stride, rows + d, ld, count, 4);
    for (; d < D; d += 8) {
        __m256i mask = mask8(D - d);
        __m256 o = load_masked(dst + d, mask);
        for (long r = 0; r < count; r++)
            o = _mm256_fmadd_ps(_mm256_broadcast_ss(coef + r * stride), load_masked(rows + r * ld + d, mask), o);
        _mm256_maskstore_ps(dst + d, mask, o);
    }
}

RLVR_TARGET static float attend_avx2(const float *q, const float *keys1, const float *values1, long ld1, long count1,
                                     const float *keys2, const float *values2, long ld2, long count2, long head_dim,
                                     float scale, float *scores, float *out) {
    long count = count1 + count2;
    dots_avx2(q, keys1, ld1, count1, head_dim, scores);
    dots_avx2(q, keys2, ld2, count2, head_dim, scores + count1);
    __m256 vscale = _mm256_set1_ps(scale), vmax = _mm256_set1_ps(-INFINITY);
    long j = 0;
    for (; j + 8 <= count; j += 8) {
        __m256 s = _mm256_mul_ps(_mm256_loadu_ps(scores + j), vscale);
        _mm256_storeu_ps(scores + j, s);
        vmax = _mm256_max_ps(s, vmax);
    }
    float max = horizontal_max(vmax);
    for (; j < count; j++) {
        scores[j] = scores[j] * scale;
        if (scores[j] > max) max = scores[j];
    }
    max = rlvr_canonical_zero(max);
    /* e^(s − max), summed in lanes j mod 16 */
    __m256 vm = _mm256_set1_ps(max), lo = _mm256_setzero_ps(), hi = _mm256_setzero_ps();
    for (j = 0; j < count; j += RLVR_LANES) {
        __m256i mlo = mask8(count - j), mhi = mask8(count - j - 8);
        __m256 elo = _mm256_and_ps(exp8(_mm256_sub_ps(load_masked(scores + j, mlo), vm)), _mm256_castsi256_ps(mlo));
        __m256 ehi = _mm256_and_ps(exp8(_mm256_sub_ps(load_masked(scores + j + 8, mhi), vm)), _mm256_castsi256_ps(mhi));
        _mm256_maskstore_ps(scores + j, mlo, elo);
        _mm256_maskstore_ps(scores + j + 8, mhi, ehi);
        lo = _mm256_add_ps(lo, elo);
        hi = _mm256_add_ps(hi, ehi);
    }
    float sum = tree16(lo, hi);
    /* p_j = e_j · (1 / sum) */
    __m256 inverse = _mm256_set1_ps(1.0f / sum);
    for (j = 0; j + 8 <= count; j += 8) _mm256_storeu_ps(scores + j, _mm256_mul_ps(_mm256_loadu_ps(scores + j), inverse));
    for (; j < count; j++) scores[j] = scores[j] * (1.0f / sum);
    for (long d = 0; d < head_dim; d++) out[d] = 0.0f;
    fma_rows_avx2(out, scores, 1, values1, ld1, count1, head_dim);
    fma_rows_avx2(out, scores + count1, 1, values2, ld2, count2, head_dim);
    return max + scalar_log(sum);
}

/* p_j = e^(fma(s_j, scale, −lse)), ds_j = (p_j·(dp_j − delta))·scale, eight keys at a time. */
KERNEL void score_gradients_avx2(float *p, float *ds, long count, float scale, float lse, float delta) {
    __m256 vscale = _mm256_set1_ps(scale), vlse = _mm256_set1_ps(lse), vdelta = _mm256_set1_ps(delta);
    long j = 0;
    for (; j + 8 <= count; j += 8) {
        __m256 pv = exp8(_mm256_fmsub_ps(_mm256_loadu_ps(p + j), vscale, vlse));
        _mm256_storeu_ps(ds + j, _mm256_mul_ps(_mm256_mul_ps(pv, _mm256_sub_ps(_mm256_loadu_ps(ds + j), vdelta)), vscale));
        _mm256_storeu_ps(p + j, pv);
    }
    for (; j < count; j++) {
        float pj = scalar_exp(RLVR_FMA(p[j], scale, -lse));
        ds[j] = (pj * (ds[j] - delta)) * scale;
        p[j] = pj;
    }
}

#define PATH_DOT dot_avx2
#define PATH_DOTS dots_avx2
#define PATH_FMA_ROWS fma_rows_avx2
#define PATH_SCORE_GRADIENTS score_gradients_avx2
#include "attention_backward_blocked.h"

const rlvr_kernel_table rlvr_avx2_table = {
    .path = RLVR_PATH_AVX2,
    .dot = dot_avx2,
    .dots = dots_avx2,
    .linear_forward = linear_forward_avx2,
    .attend_segments = attend_avx2,
    .attention_backward = blocked_attention_backward,
    .vocabulary_gradient_row = vocabulary_gradient8,
    .silu_mul = silu_mul8,
    .silu_mul_backward = silu_mul_backward8,
    .online_softmax_update = online_softmax_update8,
    .exp_many = exp_many8,
    .log = scalar_log,
};
#endif
