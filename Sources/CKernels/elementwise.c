#include "ckernels.h"
#include <math.h>

/* Canonical arithmetic: no contraction of a*b+c into fma behind our back. */
#pragma STDC FP_CONTRACT OFF

#include "simd_math.h"

static void silu_mul_portable(const float *g, const float *u, float *h, long n) {
    for (long i = 0; i < n; i++) {
        float e = rlvr_exp(-g[i]);
        float d = 1.0f + e;
        float s = g[i] / d;
        h[i] = s * u[i];
    }
}

static void online_update_portable(const float *z, long n, float *m, float *s, float *a) {
    float chunk_max = -INFINITY;
    for (long i = 0; i < n; i++) if (z[i] > chunk_max) chunk_max = z[i];
    float new_max = chunk_max > *m ? chunk_max : *m;
    float sums[16] = {0}, weighted[16] = {0};
    for (long i = 0; i < n; i++) {
        float e = rlvr_exp(z[i] - new_max);
        sums[i % 16] = sums[i % 16] + e;
        weighted[i % 16] = fmaf(e, z[i], weighted[i % 16]);
    }
    float rescale = *m == -INFINITY ? 0.0f : rlvr_exp(*m - new_max);
    *s = fmaf(*s, rescale, rlvr_tree16_portable(sums));
    *a = fmaf(*a, rescale, rlvr_tree16_portable(weighted));
    *m = new_max;
}

#ifdef RLVR_X86
__attribute__((target("avx512f")))
static void silu_mul_avx512(const float *g, const float *u, float *h, long n) {
    long i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 gv = _mm512_loadu_ps(g + i);
        __m512 e = rlvr_exp16(_mm512_sub_ps(_mm512_setzero_ps(), gv));
        __m512 s = _mm512_div_ps(gv, _mm512_add_ps(_mm512_set1_ps(1.0f), e));
        _mm512_storeu_ps(h + i, _mm512_mul_ps(s, _mm512_loadu_ps(u + i)));
    }
    silu_mul_portable(g + i, u + i, h + i, n - i);
}

__attribute__((target("avx512f")))
static void online_update_avx512(const float *z, long n, float *m, float *s, float *a) {
    __m512 vmax = _mm512_set1_ps(-INFINITY);
    long i = 0;
    for (; i + 16 <= n; i += 16) vmax = _mm512_max_ps(vmax, _mm512_loadu_ps(z + i));
    float chunk_max = _mm512_reduce_max_ps(vmax);
    for (; i < n; i++) if (z[i] > chunk_max) chunk_max = z[i];
    float new_max = chunk_max > *m ? chunk_max : *m;
    __m512 vm = _mm512_set1_ps(new_max);
    __m512 sums = _mm512_setzero_ps(), weighted = _mm512_setzero_ps();
    for (i = 0; i < n; i += 16) {
        long left = n - i;
        __mmask16 mask = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1u);
        __m512 zv = _mm512_maskz_loadu_ps(mask, z + i);
        __m512 e = _mm512_maskz_mov_ps(mask, rlvr_exp16(_mm512_sub_ps(zv, vm)));
        sums = _mm512_add_ps(sums, e);
        weighted = _mm512_fmadd_ps(e, zv, weighted);
    }
    float rescale = *m == -INFINITY ? 0.0f : rlvr_exp(*m - new_max);
    *s = fmaf(*s, rescale, rlvr_tree16(sums));
    *a = fmaf(*a, rescale, rlvr_tree16(weighted));
    *m = new_max;
}
#endif

static void vocabulary_gradient_portable(float *z, long n, float log_z, float g, float g_entropy, float entropy) {
    for (long v = 0; v < n; v++) {
        /* the AVX-512 path's operations, fused where it fuses, so both give the same bits */
        float shifted = z[v] - log_z;
        float p = rlvr_exp(shifted);
        z[v] = fmaf(-g_entropy * p, shifted + entropy, -g * p);
    }
}

#ifdef RLVR_X86
__attribute__((target("avx512f")))
static void vocabulary_gradient_avx512(float *z, long n, float log_z, float g, float g_entropy, float entropy) {
    __m512 vlz = _mm512_set1_ps(log_z), vg = _mm512_set1_ps(-g), vgh = _mm512_set1_ps(-g_entropy), vh = _mm512_set1_ps(entropy);
    long v = 0;
    for (; v + 16 <= n; v += 16) {
        __m512 zv = _mm512_loadu_ps(z + v);
        __m512 shifted = _mm512_sub_ps(zv, vlz);
        __m512 p = rlvr_exp16(shifted);
        __m512 r = _mm512_mul_ps(vg, p);
        r = _mm512_fmadd_ps(_mm512_mul_ps(vgh, p), _mm512_add_ps(shifted, vh), r);
        _mm512_storeu_ps(z + v, r);
    }
    vocabulary_gradient_portable(z + v, n - v, log_z, g, g_entropy, entropy);
}
#endif

void rlvr_vocabulary_gradient_row(float *z, long n, float log_z, float g, float g_entropy, float entropy) {
#ifdef RLVR_X86
    if (rlvr_kernels_use_avx512()) { vocabulary_gradient_avx512(z, n, log_z, g, g_entropy, entropy); return; }
#endif
    vocabulary_gradient_portable(z, n, log_z, g, g_entropy, entropy);
}

static void silu_mul_backward_portable(const float *g, const float *u, const float *dh, float *dg, float *du, long n) {
    for (long i = 0; i < n; i++) {
        float sigmoid = 1.0f / (1.0f + rlvr_exp(-g[i]));
        float silu = g[i] * sigmoid;
        du[i] = fmaf(dh[i], silu, du[i]);
        float slope = sigmoid * fmaf(g[i], 1.0f - sigmoid, 1.0f);   /* as the AVX-512 path fuses it */
        dg[i] = fmaf(dh[i] * u[i], slope, dg[i]);
    }
}

#ifdef RLVR_X86
__attribute__((target("avx512f")))
static void silu_mul_backward_avx512(const float *g, const float *u, const float *dh, float *dg, float *du, long n) {
    __m512 one = _mm512_set1_ps(1.0f);
    long i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 gv = _mm512_loadu_ps(g + i), uv = _mm512_loadu_ps(u + i), dhv = _mm512_loadu_ps(dh + i);
        __m512 sigmoid = _mm512_div_ps(one, _mm512_add_ps(one, rlvr_exp16(_mm512_sub_ps(_mm512_setzero_ps(), gv))));
        __m512 silu = _mm512_mul_ps(gv, sigmoid);
        _mm512_storeu_ps(du + i, _mm512_fmadd_ps(dhv, silu, _mm512_loadu_ps(du + i)));
        __m512 slope = _mm512_mul_ps(sigmoid, _mm512_fmadd_ps(gv, _mm512_sub_ps(one, sigmoid), one));
        _mm512_storeu_ps(dg + i, _mm512_fmadd_ps(_mm512_mul_ps(dhv, uv), slope, _mm512_loadu_ps(dg + i)));
    }
    silu_mul_backward_portable(g + i, u + i, dh + i, dg + i, du + i, n - i);
}
#endif

void rlvr_silu_mul_backward(const float *g, const float *u, const float *dh, float *dg, float *du, long n) {
#ifdef RLVR_X86
    if (rlvr_kernels_use_avx512()) { silu_mul_backward_avx512(g, u, dh, dg, du, n); return; }
#endif
    silu_mul_backward_portable(g, u, dh, dg, du, n);
}

void rlvr_silu_mul(const float *g, const float *u, float *h, long n) {
#ifdef RLVR_X86
    if (rlvr_kernels_use_avx512()) { silu_mul_avx512(g, u, h, n); return; }
#endif
    silu_mul_portable(g, u, h, n);
}

void rlvr_online_softmax_update(const float *z, long n, float *m, float *s, float *a) {
#ifdef RLVR_X86
    if (rlvr_kernels_use_avx512()) { online_update_avx512(z, n, m, s, a); return; }
#endif
    online_update_portable(z, n, m, s, a);
}
