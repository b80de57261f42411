#include "ckernels.h"
#include <math.h>

/* Canonical arithmetic: no contraction of a*b+c into fma behind our back. */
#pragma STDC FP_CONTRACT OFF

#include "simd_math.h"

float rlvr_exp(float x) {
    if (x < -87.0f) return 0.0f;
    if (x > 88.0f) x = 88.0f;
    /* n = round(x / ln 2); r = x − n·ln 2 in two parts (Cody–Waite) */
    float n = nearbyintf(x * 1.44269504088896341f);
    float r = fmaf(n, -0.693359375f, x);
    r = fmaf(n, 2.12194440e-4f, r);
    /* e^r ≈ 1 + r + r²·P(r), Cephes expf coefficients */
    float p = 1.9875691500e-4f;
    p = fmaf(p, r, 1.3981999507e-3f);
    p = fmaf(p, r, 8.3334519073e-3f);
    p = fmaf(p, r, 4.1665795894e-2f);
    p = fmaf(p, r, 1.6666665459e-1f);
    p = fmaf(p, r, 5.0000001201e-1f);
    float r2 = r * r;
    float e = fmaf(p, r2, r);
    e = e + 1.0f;
    /* × 2^n by building the exponent bits */
    union { unsigned int u; float f; } scale;
    scale.u = (unsigned int)((int)n + 127) << 23;
    return e * scale.f;
}

/* ---- portable path ---- */

static float attend_portable(const float *q, const float *keys1, const float *values1, long ld1, long count1,
                             const float *keys2, const float *values2, long ld2, long count2, long head_dim,
                             float scale, float *scores, float *out) {
    long count = count1 + count2;
    rlvr_dots(q, keys1, ld1, count1, head_dim, scores);
    if (count2 > 0) rlvr_dots(q, keys2, ld2, count2, head_dim, scores + count1);
    float max = -INFINITY;
    for (long j = 0; j < count; j++) {
        scores[j] = scores[j] * scale;
        if (scores[j] > max) max = scores[j];
    }
    /* the sum in 16 lanes (lane = j mod 16) and the canonical tree, as in the dot product */
    float acc[16] = {0};
    for (long j = 0; j < count; j++) {
        scores[j] = rlvr_exp(scores[j] - max);
        acc[j % 16] = acc[j % 16] + scores[j];
    }
    float sum = rlvr_tree16_portable(acc);
    float inverse = 1.0f / sum;
    for (long d = 0; d < head_dim; d++) out[d] = 0.0f;
    for (long j = 0; j < count; j++) {
        float p = scores[j] * inverse;
        const float *v = j < count1 ? values1 + j * ld1 : values2 + (j - count1) * ld2;
        for (long d = 0; d < head_dim; d++) out[d] = fmaf(p, v[d], out[d]);
    }
    return max + logf(sum);
}

#ifdef RLVR_X86
/* ---- AVX-512 path: the same operations, 16 at a time ---- */

__attribute__((target("avx512f")))
static float attend_avx512(const float *q, const float *keys1, const float *values1, long ld1, long count1,
                           const float *keys2, const float *values2, long ld2, long count2, long head_dim,
                           float scale, float *scores, float *out) {
    long count = count1 + count2;
    rlvr_dots(q, keys1, ld1, count1, head_dim, scores);
    if (count2 > 0) rlvr_dots(q, keys2, ld2, count2, head_dim, scores + count1);
    __m512 vscale = _mm512_set1_ps(scale);
    __m512 vmax = _mm512_set1_ps(-INFINITY);
    long j = 0;
    for (; j + 16 <= count; j += 16) {
        __m512 s = _mm512_mul_ps(_mm512_loadu_ps(scores + j), vscale);
        _mm512_storeu_ps(scores + j, s);
        vmax = _mm512_max_ps(vmax, s);
    }
    float max = _mm512_reduce_max_ps(vmax);
    for (; j < count; j++) {
        scores[j] = scores[j] * scale;
        if (scores[j] > max) max = scores[j];
    }
    __m512 vm = _mm512_set1_ps(max);
    __m512 acc = _mm512_setzero_ps();
    for (j = 0; j < count; j += 16) {
        long left = count - j;
        __mmask16 mask = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1u);
        __m512 e = rlvr_exp16(_mm512_sub_ps(_mm512_maskz_loadu_ps(mask, scores + j), vm));
        e = _mm512_maskz_mov_ps(mask, e);
        _mm512_mask_storeu_ps(scores + j, mask, e);
        acc = _mm512_add_ps(acc, e);
    }
    float sum = rlvr_tree16(acc);
    float inverse = 1.0f / sum;
    long d = 0;
    for (; d + 16 <= head_dim; d += 16) {
        __m512 o = _mm512_setzero_ps();
        for (long t = 0; t < count1; t++)
            o = _mm512_fmadd_ps(_mm512_set1_ps(scores[t] * inverse), _mm512_loadu_ps(values1 + t * ld1 + d), o);
        for (long t = 0; t < count2; t++)
            o = _mm512_fmadd_ps(_mm512_set1_ps(scores[count1 + t] * inverse), _mm512_loadu_ps(values2 + t * ld2 + d), o);
        _mm512_storeu_ps(out + d, o);
    }
    for (; d < head_dim; d++) {
        float o = 0.0f;
        for (long t = 0; t < count1; t++) o = fmaf(scores[t] * inverse, values1[t * ld1 + d], o);
        for (long t = 0; t < count2; t++) o = fmaf(scores[count1 + t] * inverse, values2[t * ld2 + d], o);
        out[d] = o;
    }
    return max + logf(sum);
}
#endif

float rlvr_attend_segments(const float *q, const float *keys1, const float *values1, long ld1, long count1,
                           const float *keys2, const float *values2, long ld2, long count2, long head_dim,
                           float scale, float *scores, float *out) {
#ifdef RLVR_X86
    if (rlvr_kernels_use_avx512())
        return attend_avx512(q, keys1, values1, ld1, count1, keys2, values2, ld2, count2, head_dim, scale, scores, out);
#endif
    return attend_portable(q, keys1, values1, ld1, count1, keys2, values2, ld2, count2, head_dim, scale, scores, out);
}

float rlvr_attend(const float *q, const float *keys, const float *values, long ld, long count, long head_dim,
                  float scale, float *scores, float *out) {
    return rlvr_attend_segments(q, keys, values, ld, count, keys, values, ld, 0, head_dim, scale, scores, out);
}

static void attention_backward_portable(const float *q, const float *k, const float *v, const float *out,
                                       const float *dout, const float *lse, float *dq, float *dk, float *dv,
                                       long length, long ldq, long ldkv, long head_dim, float scale) {
    for (long i = 0; i < length; i++) {
        const float *qi = q + i * ldq, *doi = dout + i * ldq;
        float *dqi = dq + i * ldq;
        float delta = rlvr_dot(doi, out + i * ldq, head_dim);   /* D_i = Σ_j p_ij dp_ij = dout_i · out_i */
        for (long j = 0; j <= i; j++) {
            const float *kj = k + j * ldkv, *vj = v + j * ldkv;
            /* fused as the AVX-512 path does, so both paths give the same bits */
            float p = rlvr_exp(fmaf(rlvr_dot(qi, kj, head_dim), scale, -lse[i]));
            float dp = rlvr_dot(doi, vj, head_dim);
            float ds = p * (dp - delta) * scale;                 /* ∂L/∂(q·k), with the 1/√d */
            float *dkj = dk + j * ldkv, *dvj = dv + j * ldkv;
            for (long d = 0; d < head_dim; d++) {
                dqi[d] = fmaf(ds, kj[d], dqi[d]);                /* dq_i += ds · k_j */
                dkj[d] = fmaf(ds, qi[d], dkj[d]);                /* dk_j += ds · q_i */
                dvj[d] = fmaf(p, doi[d], dvj[d]);                /* dv_j += p · dout_i */
            }
        }
    }
}

#ifdef RLVR_X86
/* Row by row: scores and dp for all keys of the row with the vector dot products, p and ds for
   16 keys at a time, then dq_i accumulated in registers while dk_j and dv_j are updated in place. */
__attribute__((target("avx512f")))
static void attention_backward_avx512(const float *q, const float *k, const float *v, const float *out,
                                      const float *dout, const float *lse, float *dq, float *dk, float *dv,
                                      long length, long ldq, long ldkv, long head_dim, float scale, float *scratch) {
    float *pbuf = scratch, *dsbuf = scratch + length;
    for (long i = 0; i < length; i++) {
        const float *qi = q + i * ldq, *doi = dout + i * ldq;
        float *dqi = dq + i * ldq;
        long count = i + 1;
        float delta = rlvr_dot(doi, out + i * ldq, head_dim);
        rlvr_dots(qi, k, ldkv, count, head_dim, pbuf);
        rlvr_dots(doi, v, ldkv, count, head_dim, dsbuf);
        __m512 vscale = _mm512_set1_ps(scale), vlse = _mm512_set1_ps(lse[i]), vdelta = _mm512_set1_ps(delta);
        for (long j = 0; j < count; j += 16) {
            long left = count - j;
            __mmask16 mask = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1u);
            __m512 s = _mm512_maskz_loadu_ps(mask, pbuf + j);
            __m512 p = rlvr_exp16(_mm512_fmsub_ps(s, vscale, vlse));
            __m512 dp = _mm512_maskz_loadu_ps(mask, dsbuf + j);
            __m512 ds = _mm512_mul_ps(_mm512_mul_ps(p, _mm512_sub_ps(dp, vdelta)), vscale);
            _mm512_mask_storeu_ps(pbuf + j, mask, p);
            _mm512_mask_storeu_ps(dsbuf + j, mask, ds);
        }
        for (long d0 = 0; d0 < head_dim; d0 += 16) {
            long width = head_dim - d0;
            __mmask16 dmask = width >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << width) - 1u);
            __m512 qv = _mm512_maskz_loadu_ps(dmask, qi + d0), dov = _mm512_maskz_loadu_ps(dmask, doi + d0);
            __m512 acc = _mm512_maskz_loadu_ps(dmask, dqi + d0);
            for (long j = 0; j < count; j++) {
                __m512 ds = _mm512_set1_ps(dsbuf[j]), p = _mm512_set1_ps(pbuf[j]);
                const float *kj = k + j * ldkv + d0;
                float *dkj = dk + j * ldkv + d0, *dvj = dv + j * ldkv + d0;
                acc = _mm512_fmadd_ps(ds, _mm512_maskz_loadu_ps(dmask, kj), acc);
                _mm512_mask_storeu_ps(dkj, dmask, _mm512_fmadd_ps(ds, qv, _mm512_maskz_loadu_ps(dmask, dkj)));
                _mm512_mask_storeu_ps(dvj, dmask, _mm512_fmadd_ps(p, dov, _mm512_maskz_loadu_ps(dmask, dvj)));
            }
            _mm512_mask_storeu_ps(dqi + d0, dmask, acc);
        }
    }
}
#endif

void rlvr_attention_backward(const float *q, const float *k, const float *v, const float *out, const float *dout,
                             const float *lse, float *dq, float *dk, float *dv, long length, long ldq, long ldkv,
                             long head_dim, float scale, float *scratch) {
#ifdef RLVR_X86
    if (rlvr_kernels_use_avx512()) {
        attention_backward_avx512(q, k, v, out, dout, lse, dq, dk, dv, length, ldq, ldkv, head_dim, scale, scratch);
        return;
    }
#endif
    attention_backward_portable(q, k, v, out, dout, lse, dq, dk, dv, length, ldq, ldkv, head_dim, scale);
}
