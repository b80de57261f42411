/*
 * 8-lane helpers shared by the AVX2 and AVX-512 paths (both include this after defining
 * RLVR_TARGET for their instruction set): masks, e^x eight at a time, and the canonical tree.
 */
#ifndef RLVR_X86_VECTORS_H
#define RLVR_X86_VECTORS_H
#include <immintrin.h>

#define KERNEL RLVR_TARGET static inline
#define KERNEL_INLINE RLVR_TARGET static inline __attribute__((always_inline))

/* An integer mask with lanes 0..<left set (left ≤ 0: none; ≥ 8: all), for masked loads. */
KERNEL_INLINE __m256i mask8(long left) {
    long clamped = left < 0 ? 0 : left > 8 ? 8 : left;
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)clamped), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

KERNEL_INLINE __m256 load_masked(const float *p, __m256i mask) { return _mm256_maskload_ps(p, mask); }

/* e^x, eight at a time: scalar_exp's operations (min(88, x) keeps NaN, as the scalar clamp does). */
KERNEL_INLINE __m256 exp8(__m256 x) {
    __m256 underflow = _mm256_cmp_ps(x, _mm256_set1_ps(RLVR_EXP_LO), _CMP_LT_OQ);
    __m256 clamped = _mm256_min_ps(_mm256_set1_ps(RLVR_EXP_HI), x);
    __m256 n = _mm256_round_ps(_mm256_mul_ps(clamped, _mm256_set1_ps(RLVR_LOG2E)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fmadd_ps(n, _mm256_set1_ps(RLVR_LN2_HI), clamped);
    r = _mm256_fmadd_ps(n, _mm256_set1_ps(RLVR_LN2_LO), r);
    __m256 p = _mm256_set1_ps(RLVR_EXP_P0);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(RLVR_EXP_P1));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(RLVR_EXP_P2));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(RLVR_EXP_P3));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(RLVR_EXP_P4));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(RLVR_EXP_P5));
    __m256 e = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), r);
    e = _mm256_add_ps(e, _mm256_set1_ps(1.0f));
    __m256 safe = _mm256_min_ps(_mm256_max_ps(n, _mm256_set1_ps(-127.0f)), _mm256_set1_ps(128.0f));
    __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(safe), _mm256_set1_epi32(127)), 23);
    e = _mm256_mul_ps(e, _mm256_castsi256_ps(bits));
    return _mm256_andnot_ps(underflow, e);
}

/* The canonical tree over lanes lo (0–7) and hi (8–15). */
KERNEL_INLINE float tree16(__m256 lo, __m256 hi) {
    __m256 s8 = _mm256_add_ps(lo, hi);
    __m128 s4 = _mm_add_ps(_mm256_castps256_ps128(s8), _mm256_extractf128_ps(s8, 1));
    __m128 s2 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
    return _mm_cvtss_f32(_mm_add_ss(s2, _mm_movehdup_ps(s2)));
}

/* The tree's last three steps for eight outputs at once, from their s8 vectors (lo + hi):
   result lane o = ((s8_o[0]+s8_o[4]) + (s8_o[2]+s8_o[6])) + ((s8_o[1]+s8_o[5]) + (s8_o[3]+s8_o[7])),
   the same additions as tree16, transposed so that 29 instructions serve eight outputs. */
KERNEL_INLINE __m256 tree8x8(const __m256 s8[8]) {
    /* s4 of outputs (o, o+4) in the two 128-bit halves */
    __m256 p04 = _mm256_add_ps(_mm256_permute2f128_ps(s8[0], s8[4], 0x20), _mm256_permute2f128_ps(s8[0], s8[4], 0x31));
    __m256 p15 = _mm256_add_ps(_mm256_permute2f128_ps(s8[1], s8[5], 0x20), _mm256_permute2f128_ps(s8[1], s8[5], 0x31));
    __m256 p26 = _mm256_add_ps(_mm256_permute2f128_ps(s8[2], s8[6], 0x20), _mm256_permute2f128_ps(s8[2], s8[6], 0x31));
    __m256 p37 = _mm256_add_ps(_mm256_permute2f128_ps(s8[3], s8[7], 0x20), _mm256_permute2f128_ps(s8[3], s8[7], 0x31));
    /* s2: [s2_0[0], s2_0[1], s2_1[0], s2_1[1] | the same for outputs 4 and 5], and for 2, 3 | 6, 7 */
    __m256 q01 = _mm256_add_ps(_mm256_shuffle_ps(p04, p15, _MM_SHUFFLE(1, 0, 1, 0)), _mm256_shuffle_ps(p04, p15, _MM_SHUFFLE(3, 2, 3, 2)));
    __m256 q23 = _mm256_add_ps(_mm256_shuffle_ps(p26, p37, _MM_SHUFFLE(1, 0, 1, 0)), _mm256_shuffle_ps(p26, p37, _MM_SHUFFLE(3, 2, 3, 2)));
    /* s = s2[0] + s2[1], lanes in output order */
    return _mm256_add_ps(_mm256_shuffle_ps(q01, q23, _MM_SHUFFLE(2, 0, 2, 0)), _mm256_shuffle_ps(q01, q23, _MM_SHUFFLE(3, 1, 3, 1)));
}

KERNEL_INLINE float horizontal_max(__m256 v) {
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_movehdup_ps(m));
    return _mm_cvtss_f32(m);
}

/* A ROWS × COLS tile (ROWS·COLS ≤ 6): x rows against weight rows, each output in two accumulators
   (lo, hi) — at most 12 registers, leaving room for the loads. `prefetch` (floats, 0 for none):
   the weight rows that far ahead are fetched into L2 meanwhile. */
KERNEL_INLINE void tile8(const float *x, const float *w, float *y, long K, long ldy, const int ROWS, const int COLS,
                             long prefetch) {
    __m256 lo[6][2], hi[6][2];
    for (int i = 0; i < ROWS; i++)
        for (int j = 0; j < COLS; j++) lo[i][j] = hi[i][j] = _mm256_setzero_ps();
    long k = 0;
    for (; k + RLVR_LANES <= K; k += RLVR_LANES) {
        __m256 w_lo[2], w_hi[2];
        if (prefetch)
            for (int j = 0; j < COLS; j++) _mm_prefetch((const char *)(w + j * K + k + prefetch), _MM_HINT_T1);
        for (int j = 0; j < COLS; j++) w_lo[j] = _mm256_loadu_ps(w + j * K + k);
        for (int i = 0; i < ROWS; i++) {
            __m256 xv = _mm256_loadu_ps(x + i * K + k);
            for (int j = 0; j < COLS; j++) lo[i][j] = _mm256_fmadd_ps(xv, w_lo[j], lo[i][j]);
        }
        for (int j = 0; j < COLS; j++) w_hi[j] = _mm256_loadu_ps(w + j * K + k + 8);
        for (int i = 0; i < ROWS; i++) {
            __m256 xv = _mm256_loadu_ps(x + i * K + k + 8);
            for (int j = 0; j < COLS; j++) hi[i][j] = _mm256_fmadd_ps(xv, w_hi[j], hi[i][j]);
        }
    }
    if (k < K) {
        __m256i mlo = mask8(K - k), mhi = mask8(K - k - 8);
        for (int i = 0; i < ROWS; i++) {
            __m256 xlo = load_masked(x + i * K + k, mlo), xhi = load_masked(x + i * K + k + 8, mhi);
            for (int j = 0; j < COLS; j++) {
                lo[i][j] = _mm256_fmadd_ps(xlo, load_masked(w + j * K + k, mlo), lo[i][j]);
                hi[i][j] = _mm256_fmadd_ps(xhi, load_masked(w + j * K + k + 8, mhi), hi[i][j]);
            }
        }
    }
    for (int i = 0; i < ROWS; i++)
        for (int j = 0; j < COLS; j++) y[i * ldy + j] = tree16(lo[i][j], hi[i][j]);
}

#endif
