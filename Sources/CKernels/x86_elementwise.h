/*
 * The elementwise kernels and the online log-sum-exp, eight lanes at a time, shared by the AVX2 and
 * AVX-512 paths (both include this after defining RLVR_TARGET and x86_vectors.h): they are bound by
 * memory, not arithmetic, so 16-lane versions would only repeat them. The 16 canonical lanes of
 * the softmax sums are carried in two registers, as in the dot product.
 */
#ifndef RLVR_X86_ELEMENTWISE_H
#define RLVR_X86_ELEMENTWISE_H

RLVR_TARGET static void vocabulary_gradient8(float *z, long n, float log_z, float g, float g_entropy, float entropy) {
    __m256 vlz = _mm256_set1_ps(log_z), vg = _mm256_set1_ps(-g), vgh = _mm256_set1_ps(-g_entropy), vh = _mm256_set1_ps(entropy);
    long v = 0;
    for (; v + 8 <= n; v += 8) {
        __m256 shifted = _mm256_sub_ps(_mm256_loadu_ps(z + v), vlz);
        __m256 p = exp8(shifted);
        __m256 r = _mm256_fmadd_ps(_mm256_mul_ps(vgh, p), _mm256_add_ps(shifted, vh), _mm256_mul_ps(vg, p));
        _mm256_storeu_ps(z + v, r);
    }
    scalar_vocabulary_gradient_row(z + v, n - v, log_z, g, g_entropy, entropy);
}

RLVR_TARGET static void silu_mul8(const float *g, const float *u, float *h, long n) {
    __m256 one = _mm256_set1_ps(1.0f);
    long i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 gv = _mm256_loadu_ps(g + i);
        __m256 e = exp8(_mm256_sub_ps(_mm256_setzero_ps(), gv));
        __m256 s = _mm256_div_ps(gv, _mm256_add_ps(one, e));
        _mm256_storeu_ps(h + i, _mm256_mul_ps(s, _mm256_loadu_ps(u + i)));
    }
    scalar_silu_mul(g + i, u + i, h + i, n - i);
}

RLVR_TARGET static void silu_mul_backward8(const float *g, const float *u, const float *dh, float *dg, float *du, long n) {
    __m256 one = _mm256_set1_ps(1.0f);
    long i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 gv = _mm256_loadu_ps(g + i), uv = _mm256_loadu_ps(u + i), dhv = _mm256_loadu_ps(dh + i);
        __m256 sigmoid = _mm256_div_ps(one, _mm256_add_ps(one, exp8(_mm256_sub_ps(_mm256_setzero_ps(), gv))));
        __m256 silu = _mm256_mul_ps(gv, sigmoid);
        _mm256_storeu_ps(du + i, _mm256_fmadd_ps(dhv, silu, _mm256_loadu_ps(du + i)));
        __m256 slope = _mm256_mul_ps(sigmoid, _mm256_fmadd_ps(gv, _mm256_sub_ps(one, sigmoid), one));
        _mm256_storeu_ps(dg + i, _mm256_fmadd_ps(_mm256_mul_ps(dhv, uv), slope, _mm256_loadu_ps(dg + i)));
    }
    scalar_silu_mul_backward(g + i, u + i, dh + i, dg + i, du + i, n - i);
}

RLVR_TARGET static void online_softmax_update8(const float *z, long n, float *m, float *s, float *a) {
    __m256 vmax = _mm256_set1_ps(-INFINITY);
    long i = 0;
    for (; i + 8 <= n; i += 8) vmax = _mm256_max_ps(_mm256_loadu_ps(z + i), vmax);
    float chunk_max = horizontal_max(vmax);
    for (; i < n; i++) if (z[i] > chunk_max) chunk_max = z[i];
    chunk_max = rlvr_canonical_zero(chunk_max);
    float new_max = chunk_max > *m ? chunk_max : *m;
    __m256 vm = _mm256_set1_ps(new_max);
    __m256 sum_lo = _mm256_setzero_ps(), sum_hi = sum_lo, weighted_lo = sum_lo, weighted_hi = sum_lo;
    for (i = 0; i + RLVR_LANES <= n; i += RLVR_LANES) {
        __m256 zlo = _mm256_loadu_ps(z + i), zhi = _mm256_loadu_ps(z + i + 8);
        __m256 elo = exp8(_mm256_sub_ps(zlo, vm)), ehi = exp8(_mm256_sub_ps(zhi, vm));
        sum_lo = _mm256_add_ps(sum_lo, elo);
        sum_hi = _mm256_add_ps(sum_hi, ehi);
        weighted_lo = _mm256_fmadd_ps(elo, zlo, weighted_lo);
        weighted_hi = _mm256_fmadd_ps(ehi, zhi, weighted_hi);
    }
    if (i < n) {
        __m256i mlo = mask8(n - i), mhi = mask8(n - i - 8);
        __m256 zlo = load_masked(z + i, mlo), zhi = load_masked(z + i + 8, mhi);
        __m256 elo = _mm256_and_ps(exp8(_mm256_sub_ps(zlo, vm)), _mm256_castsi256_ps(mlo));
        __m256 ehi = _mm256_and_ps(exp8(_mm256_sub_ps(zhi, vm)), _mm256_castsi256_ps(mhi));
        sum_lo = _mm256_add_ps(sum_lo, elo);
        sum_hi = _mm256_add_ps(sum_hi, ehi);
        weighted_lo = _mm256_fmadd_ps(elo, zlo, weighted_lo);
        weighted_hi = _mm256_fmadd_ps(ehi, zhi, weighted_hi);
    }
    float rescale = *m == -INFINITY ? 0.0f : scalar_exp(*m - new_max);
    *s = RLVR_FMA(*s, rescale, tree16(sum_lo, sum_hi));
    *a = RLVR_FMA(*a, rescale, tree16(weighted_lo, weighted_hi));
    *m = new_max;
}

RLVR_TARGET static void exp_many8(const float *x, float *y, long n) {
    long i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, exp8(_mm256_loadu_ps(x + i)));
    scalar_exp_many(x + i, y + i, n - i);
}

#endif
