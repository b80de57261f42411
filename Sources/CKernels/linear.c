#include "ckernels.h"

/* Canonical arithmetic: no contraction of a*b+c into fma behind our back. */
#pragma STDC FP_CONTRACT OFF
#include <math.h>
#include <string.h>

#include "simd_math.h"

enum { LANES = 16 };

static int force_portable = 0;

int rlvr_kernels_force_portable(int force) {
    int previous = force_portable;
    force_portable = force;
    return previous;
}

/* ---- portable path: 16 explicit accumulators, fmaf, the canonical tree ---- */

static float dot_portable(const float *a, const float *b, long K) {
    float acc[LANES] = {0};
    long k = 0;
    for (; k + LANES <= K; k += LANES)
        for (int l = 0; l < LANES; l++) acc[l] = fmaf(a[k + l], b[k + l], acc[l]);
    if (k < K) {
        for (int l = 0; l < LANES; l++) {
            float av = k + l < K ? a[k + l] : 0.0f, bv = k + l < K ? b[k + l] : 0.0f;
            acc[l] = fmaf(av, bv, acc[l]);
        }
    }
    return rlvr_tree16_portable(acc);
}

#ifdef RLVR_X86
/* ---- AVX-512 path: the same arithmetic, 16 lanes per register ---- */

__attribute__((target("avx512f")))
static float dot_avx512(const float *a, const float *b, long K) {
    __m512 acc = _mm512_setzero_ps();
    long k = 0;
    for (; k + LANES <= K; k += LANES)
        acc = _mm512_fmadd_ps(_mm512_loadu_ps(a + k), _mm512_loadu_ps(b + k), acc);
    if (k < K) {
        __mmask16 mask = (__mmask16)((1u << (K - k)) - 1u);
        acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask, a + k), _mm512_maskz_loadu_ps(mask, b + k), acc);
    }
    return rlvr_tree16(acc);
}

/* A 4 × 4 tile: rows x0..x3 against weight rows w0..w3, 16 accumulators in registers. */
__attribute__((target("avx512f")))
static void tile4x4_avx512(const float *x, const float *w, float *y, long K, long ldy) {
    __m512 c[4][4];
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) c[i][j] = _mm512_setzero_ps();
    long k = 0;
    for (; k + LANES <= K; k += LANES) {
        __m512 xv[4];
        for (int i = 0; i < 4; i++) xv[i] = _mm512_loadu_ps(x + i * K + k);
        for (int j = 0; j < 4; j++) {
            __m512 wv = _mm512_loadu_ps(w + j * K + k);
            for (int i = 0; i < 4; i++) c[i][j] = _mm512_fmadd_ps(xv[i], wv, c[i][j]);
        }
    }
    if (k < K) {
        __mmask16 mask = (__mmask16)((1u << (K - k)) - 1u);
        __m512 xv[4];
        for (int i = 0; i < 4; i++) xv[i] = _mm512_maskz_loadu_ps(mask, x + i * K + k);
        for (int j = 0; j < 4; j++) {
            __m512 wv = _mm512_maskz_loadu_ps(mask, w + j * K + k);
            for (int i = 0; i < 4; i++) c[i][j] = _mm512_fmadd_ps(xv[i], wv, c[i][j]);
        }
    }
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) y[i * ldy + j] = rlvr_tree16(c[i][j]);
}

static int cpu_has_avx512 = -1;

static int use_avx512(void) {
    if (force_portable) return 0;
    if (cpu_has_avx512 < 0) {
        __builtin_cpu_init();
        cpu_has_avx512 = __builtin_cpu_supports("avx512f") ? 1 : 0;
    }
    return cpu_has_avx512;
}
#else
static int use_avx512(void) { return 0; }
#endif

int rlvr_kernels_use_avx512(void) { return use_avx512(); }

float rlvr_dot(const float *a, const float *b, long K) {
#ifdef RLVR_X86
    if (use_avx512()) return dot_avx512(a, b, K);
#endif
    return dot_portable(a, b, K);
}

#ifdef RLVR_X86
/* Four keys at a time: four independent accumulator chains (more instruction-level parallelism),
   each key's arithmetic exactly that of dot_avx512. */
__attribute__((target("avx512f")))
static void dots_avx512(const float *q, const float *keys, long ldk, long count, long K, float *out) {
    long j = 0;
    for (; j + 4 <= count; j += 4) {
        const float *k0 = keys + j * ldk, *k1 = k0 + ldk, *k2 = k1 + ldk, *k3 = k2 + ldk;
        __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps(), a2 = _mm512_setzero_ps(), a3 = _mm512_setzero_ps();
        long k = 0;
        for (; k + LANES <= K; k += LANES) {
            __m512 qv = _mm512_loadu_ps(q + k);
            a0 = _mm512_fmadd_ps(qv, _mm512_loadu_ps(k0 + k), a0);
            a1 = _mm512_fmadd_ps(qv, _mm512_loadu_ps(k1 + k), a1);
            a2 = _mm512_fmadd_ps(qv, _mm512_loadu_ps(k2 + k), a2);
            a3 = _mm512_fmadd_ps(qv, _mm512_loadu_ps(k3 + k), a3);
        }
        if (k < K) {
            __mmask16 mask = (__mmask16)((1u << (K - k)) - 1u);
            __m512 qv = _mm512_maskz_loadu_ps(mask, q + k);
            a0 = _mm512_fmadd_ps(qv, _mm512_maskz_loadu_ps(mask, k0 + k), a0);
            a1 = _mm512_fmadd_ps(qv, _mm512_maskz_loadu_ps(mask, k1 + k), a1);
            a2 = _mm512_fmadd_ps(qv, _mm512_maskz_loadu_ps(mask, k2 + k), a2);
            a3 = _mm512_fmadd_ps(qv, _mm512_maskz_loadu_ps(mask, k3 + k), a3);
        }
        out[j] = rlvr_tree16(a0);
        out[j + 1] = rlvr_tree16(a1);
        out[j + 2] = rlvr_tree16(a2);
        out[j + 3] = rlvr_tree16(a3);
    }
    for (; j < count; j++) out[j] = dot_avx512(q, keys + j * ldk, K);
}
#endif

void rlvr_dots(const float *q, const float *keys, long ldk, long count, long K, float *out) {
#ifdef RLVR_X86
    if (use_avx512()) {
        dots_avx512(q, keys, ldk, count, K, out);
        return;
    }
#endif
    for (long j = 0; j < count; j++) out[j] = dot_portable(q, keys + j * ldk, K);
}

/* Weight rows per block: 64 rows of K floats stay in L2 while every x row streams past them. */
enum { BLOCK_N = 64 };

void rlvr_linear_forward(const float *x, const float *w, float *y, long M, long N, long K, long ldy) {
#ifdef RLVR_X86
    if (use_avx512()) {
        for (long n0 = 0; n0 < N; n0 += BLOCK_N) {
            long n1 = n0 + BLOCK_N < N ? n0 + BLOCK_N : N;
            long m = 0;
            for (; m + 4 <= M; m += 4) {
                long n = n0;
                for (; n + 4 <= n1; n += 4) tile4x4_avx512(x + m * K, w + n * K, y + m * ldy + n, K, ldy);
                for (; n < n1; n++)
                    for (int i = 0; i < 4; i++) y[(m + i) * ldy + n] = dot_avx512(x + (m + i) * K, w + n * K, K);
            }
            for (; m < M; m++)
                for (long n = n0; n < n1; n++) y[m * ldy + n] = dot_avx512(x + m * K, w + n * K, K);
        }
        return;
    }
#endif
    for (long m = 0; m < M; m++)
        for (long n = 0; n < N; n++) y[m * ldy + n] = dot_portable(x + m * K, w + n * K, K);
}
