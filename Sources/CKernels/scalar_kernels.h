/*
 * The canonical kernels in plain C: the definition every path matches bit for bit.
 *
 * Included by each path's file, which first defines
 *   RLVR_TARGET       function attributes for this copy (empty, or a target("...") attribute)
 *   RLVR_FMA(a, b, c) how this copy computes a·b + c rounded once
 * so the portable path is this code compiled for the baseline CPU, and each SIMD path gets its own
 * copy (compiled for its instruction set) for scalar tails and per-row scalars. All functions are
 * static: every including file has its own.
 *
 * Rules that make the bits canonical: no contraction of a*b+c behind our back (FP_CONTRACT OFF; the
 * cross build passes -ffp-contract=off), every reduction in the 16-lane order of ckernels.h, no libm
 * call whose result could differ between C libraries (e^x and log x are our own), round-to-nearest.
 */
#ifndef RLVR_SCALAR_KERNELS_H
#define RLVR_SCALAR_KERNELS_H

#if !defined(RLVR_TARGET) || !defined(RLVR_FMA)
#error "define RLVR_TARGET and RLVR_FMA before including scalar_kernels.h"
#endif

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif
#include <math.h>
#include <stdint.h>
#include <string.h>

enum { RLVR_LANES = 16 };

/* e^x constants: Cody–Waite split of ln 2 and the Cephes expf polynomial. */
#define RLVR_EXP_HI 88.0f
#define RLVR_EXP_LO (-87.0f)
#define RLVR_LOG2E 1.44269504088896341f
#define RLVR_LN2_HI (-0.693359375f)
#define RLVR_LN2_LO 2.12194440e-4f
#define RLVR_EXP_P0 1.9875691500e-4f
#define RLVR_EXP_P1 1.3981999507e-3f
#define RLVR_EXP_P2 8.3334519073e-3f
#define RLVR_EXP_P3 4.1665795894e-2f
#define RLVR_EXP_P4 1.6666665459e-1f
#define RLVR_EXP_P5 5.0000001201e-1f
/* 1.5 · 2^23: adding and subtracting it rounds |t| < 2^22 to the nearest integer, ties to even
   (what nearbyintf and the SIMD round instructions do), with no libm call. */
#define RLVR_ROUNDING_MAGIC 12582912.0f

static inline float rlvr_bits_to_float(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }
static inline uint32_t rlvr_float_to_bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }

/* e^x: n = round(x·log2 e), r = x − n·ln 2 (two parts), e^r = 1 + r + r²·P(r), × 2^n by building the
   exponent bits. 0 below −87, x clamped to 88 above, NaN propagated. */
RLVR_TARGET static inline float scalar_exp(float x) {
    float clamped = x > RLVR_EXP_HI ? RLVR_EXP_HI : x;
    float t = clamped * RLVR_LOG2E;
    float n = (t + RLVR_ROUNDING_MAGIC) - RLVR_ROUNDING_MAGIC;
    float r = RLVR_FMA(n, RLVR_LN2_HI, clamped);
    r = RLVR_FMA(n, RLVR_LN2_LO, r);
    float p = RLVR_EXP_P0;
    p = RLVR_FMA(p, r, RLVR_EXP_P1);
    p = RLVR_FMA(p, r, RLVR_EXP_P2);
    p = RLVR_FMA(p, r, RLVR_EXP_P3);
    p = RLVR_FMA(p, r, RLVR_EXP_P4);
    p = RLVR_FMA(p, r, RLVR_EXP_P5);
    float r2 = r * r;
    float e = RLVR_FMA(p, r2, r);
    e = e + 1.0f;
    /* n is an integer in [−126, 127] for every x that is not masked below; clamp so the conversion
       is defined for the others (NaN, −inf) too. */
    float safe = n >= -127.0f ? n : -127.0f;
    safe = safe <= 128.0f ? safe : 128.0f;
    e = e * rlvr_bits_to_float((uint32_t)((int32_t)safe + 127) << 23);
    return x < RLVR_EXP_LO ? 0.0f : e;
}

/* log x: x = m·2^e with m in [√½, √2), log x = log m + e·ln 2 with log(1 + f) ≈ f − f²/2 + f³·P(f)
   (Cephes logf polynomial), ln 2 in two parts. Within 2 ulp for positive normal and subnormal x. */
RLVR_TARGET static inline float scalar_log(float x) {
    if (!(x > 0.0f)) return x == 0.0f ? -INFINITY : NAN;   /* also NaN for NaN */
    if (x == INFINITY) return x;
    uint32_t bits = rlvr_float_to_bits(x);
    int exponent = 0;
    if (bits < 0x00800000u) {                     /* subnormal: scale by 2^25 first (exact) */
        bits = rlvr_float_to_bits(x * 33554432.0f);
        exponent = -25;
    }
    exponent += (int)(bits >> 23) - 126;          /* x = m·2^exponent, m in [0.5, 1) */
    float m = rlvr_bits_to_float((bits & 0x007fffffu) | 0x3f000000u);
    float f;
    if (m < 0.707106781186547524f) {
        exponent -= 1;
        f = (m + m) - 1.0f;                       /* exact (Sterbenz) */
    } else {
        f = m - 1.0f;                             /* exact */
    }
    float z = f * f;
    float p = 7.0376836292e-2f;
    p = RLVR_FMA(p, f, -1.1514610310e-1f);
    p = RLVR_FMA(p, f, 1.1676998740e-1f);
    p = RLVR_FMA(p, f, -1.2420140846e-1f);
    p = RLVR_FMA(p, f, 1.4249322787e-1f);
    p = RLVR_FMA(p, f, -1.6668057665e-1f);
    p = RLVR_FMA(p, f, 2.0000714765e-1f);
    p = RLVR_FMA(p, f, -2.4999993993e-1f);
    p = RLVR_FMA(p, f, 3.3333331174e-1f);
    float y = (p * f) * z;
    float e = (float)exponent;
    y = RLVR_FMA(e, -2.12194440e-4f, y);
    y = RLVR_FMA(z, -0.5f, y);
    float result = f + y;
    return RLVR_FMA(e, 0.693359375f, result);
}

/* The canonical tree over 16 partial sums. */
RLVR_TARGET static inline float scalar_tree16(const float acc[RLVR_LANES]) {
    float s8[8], s4[4], s2[2];
    for (int i = 0; i < 8; i++) s8[i] = acc[i] + acc[i + 8];
    for (int i = 0; i < 4; i++) s4[i] = s8[i] + s8[i + 4];
    for (int i = 0; i < 2; i++) s2[i] = s4[i] + s4[i + 2];
    return s2[0] + s2[1];
}

/* The canonical dot product: 16 lanes, chunks of 16, the last one zero-padded, then the tree. */
RLVR_TARGET static inline float scalar_dot(const float *a, const float *b, long K) {
    float acc[RLVR_LANES] = {0};
    long k = 0;
    for (; k + RLVR_LANES <= K; k += RLVR_LANES)
        for (int l = 0; l < RLVR_LANES; l++) acc[l] = RLVR_FMA(a[k + l], b[k + l], acc[l]);
    if (k < K) {
        for (int l = 0; l < RLVR_LANES; l++) {
            float av = k + l < K ? a[k + l] : 0.0f, bv = k + l < K ? b[k + l] : 0.0f;
            acc[l] = RLVR_FMA(av, bv, acc[l]);
        }
    }
    return scalar_tree16(acc);
}

RLVR_TARGET static inline void scalar_dots(const float *q, const float *keys, long ldk, long count, long K, float *out) {
    for (long j = 0; j < count; j++) out[j] = scalar_dot(q, keys + j * ldk, K);
}

RLVR_TARGET static inline void scalar_linear_forward(const float *x, const float *w, float *y, long M, long N, long K, long ldy) {
    if (M <= 0 || N <= 0) return;
    for (long m = 0; m < M; m++)
        for (long n = 0; n < N; n++) y[m * ldy + n] = scalar_dot(x + m * K, w + n * K, K);
}

/* The maximum of a row, canonical whatever the order of comparison: NaN is skipped (`>` is false for
   it, and the SIMD paths put the new value first in max(new, running), or use maxNum on NEON), and
   adding +0 turns a −0 maximum into +0, so ties between −0 and +0 cannot depend on lane order. */
static inline float rlvr_canonical_zero(float max) { return max + 0.0f; }

/* softmax(q·k_j · scale) over both segments, out = Σ_j p_j v_j (fma chain in ascending j). The sum
   of e^(s_j − max) goes to lane j mod 16, the last chunk of 16 zero-padded as in the dot product. */
RLVR_TARGET static inline float scalar_attend_segments(const float *q, const float *keys1, const float *values1, long ld1,
                                                       long count1, const float *keys2, const float *values2, long ld2,
                                                       long count2, long head_dim, float scale, float *scores, float *out) {
    long count = count1 + count2;
    scalar_dots(q, keys1, ld1, count1, head_dim, scores);
    scalar_dots(q, keys2, ld2, count2, head_dim, scores + count1);
    float max = -INFINITY;
    for (long j = 0; j < count; j++) {
        scores[j] = scores[j] * scale;
        if (scores[j] > max) max = scores[j];
    }
    max = rlvr_canonical_zero(max);
    float acc[RLVR_LANES] = {0};
    for (long j = 0; j < count; j++) {
        scores[j] = scalar_exp(scores[j] - max);
        acc[j % RLVR_LANES] = acc[j % RLVR_LANES] + scores[j];
    }
    for (long j = count; j % RLVR_LANES != 0; j++) acc[j % RLVR_LANES] = acc[j % RLVR_LANES] + 0.0f;
    float sum = scalar_tree16(acc);
    float inverse = 1.0f / sum;
    for (long d = 0; d < head_dim; d++) out[d] = 0.0f;
    for (long j = 0; j < count; j++) {
        float p = scores[j] * inverse;
        const float *v = j < count1 ? values1 + j * ld1 : values2 + (j - count1) * ld2;
        for (long d = 0; d < head_dim; d++) out[d] = RLVR_FMA(p, v[d], out[d]);
    }
    return max + scalar_log(sum);
}

/* For each query row i (ascending) and key j ≤ i (ascending):
     D_i = dout_i · out_i,  p = e^(fma(q_i·k_j, scale, −lse_i)),  ds = (p·(dout_i·v_j − D_i))·scale
     dq_i += ds·k_j,  dk_j += ds·q_i,  dv_j += p·dout_i        (each an fma per element) */
RLVR_TARGET static inline void scalar_attention_backward(const float *q, const float *k, const float *v, const float *out,
                                                         const float *dout, const float *lse, float *dq, float *dk,
                                                         float *dv, long length, long ldq, long ldkv, long head_dim,
                                                         float scale, float *scratch) {
    (void)scratch;
    for (long i = 0; i < length; i++) {
        const float *qi = q + i * ldq, *doi = dout + i * ldq;
        float *dqi = dq + i * ldq;
        float delta = scalar_dot(doi, out + i * ldq, head_dim);
        for (long j = 0; j <= i; j++) {
            const float *kj = k + j * ldkv, *vj = v + j * ldkv;
            float p = scalar_exp(RLVR_FMA(scalar_dot(qi, kj, head_dim), scale, -lse[i]));
            float dp = scalar_dot(doi, vj, head_dim);
            float ds = (p * (dp - delta)) * scale;
            float *dkj = dk + j * ldkv, *dvj = dv + j * ldkv;
            for (long d = 0; d < head_dim; d++) {
                dqi[d] = RLVR_FMA(ds, kj[d], dqi[d]);
                dkj[d] = RLVR_FMA(ds, qi[d], dkj[d]);
                dvj[d] = RLVR_FMA(p, doi[d], dvj[d]);
            }
        }
    }
}

/* z_v ← fma(−gH·p, (z_v − logZ) + H, −g·p), p = e^(z_v − logZ) */
RLVR_TARGET static inline void scalar_vocabulary_gradient_row(float *z, long n, float log_z, float g, float g_entropy, float entropy) {
    for (long v = 0; v < n; v++) {
        float shifted = z[v] - log_z;
        float p = scalar_exp(shifted);
        z[v] = RLVR_FMA(-g_entropy * p, shifted + entropy, -g * p);
    }
}

/* h = (g / (1 + e^(−g))) · u */
RLVR_TARGET static inline void scalar_silu_mul(const float *g, const float *u, float *h, long n) {
    for (long i = 0; i < n; i++) {
        float e = scalar_exp(-g[i]);
        float s = g[i] / (1.0f + e);
        h[i] = s * u[i];
    }
}

/* σ = 1 / (1 + e^(−g)); du = fma(dh, g·σ, du); dg = fma(dh·u, σ·fma(g, 1 − σ, 1), dg) */
RLVR_TARGET static inline void scalar_silu_mul_backward(const float *g, const float *u, const float *dh, float *dg, float *du, long n) {
    for (long i = 0; i < n; i++) {
        float sigmoid = 1.0f / (1.0f + scalar_exp(-g[i]));
        float silu = g[i] * sigmoid;
        du[i] = RLVR_FMA(dh[i], silu, du[i]);
        float slope = sigmoid * RLVR_FMA(g[i], 1.0f - sigmoid, 1.0f);
        dg[i] = RLVR_FMA(dh[i] * u[i], slope, dg[i]);
    }
}

/* One chunk of the online log-sum-exp: the chunk's maximum, Σ e^(z − M) and Σ e^(z − M)·z in lanes
   i mod 16 (the last chunk of 16 zero-padded) and the tree, then folded into the running totals:
   s = fma(s, e^(m − M), chunk sum). */
RLVR_TARGET static inline void scalar_online_softmax_update(const float *z, long n, float *m, float *s, float *a) {
    float chunk_max = -INFINITY;
    for (long i = 0; i < n; i++) if (z[i] > chunk_max) chunk_max = z[i];
    chunk_max = rlvr_canonical_zero(chunk_max);
    float new_max = chunk_max > *m ? chunk_max : *m;
    float sums[RLVR_LANES] = {0}, weighted[RLVR_LANES] = {0};
    for (long i = 0; i < n; i++) {
        float e = scalar_exp(z[i] - new_max);
        sums[i % RLVR_LANES] = sums[i % RLVR_LANES] + e;
        weighted[i % RLVR_LANES] = RLVR_FMA(e, z[i], weighted[i % RLVR_LANES]);
    }
    for (long i = n; i % RLVR_LANES != 0; i++) {
        sums[i % RLVR_LANES] = sums[i % RLVR_LANES] + 0.0f;
        weighted[i % RLVR_LANES] = RLVR_FMA(0.0f, 0.0f, weighted[i % RLVR_LANES]);
    }
    float rescale = *m == -INFINITY ? 0.0f : scalar_exp(*m - new_max);
    *s = RLVR_FMA(*s, rescale, scalar_tree16(sums));
    *a = RLVR_FMA(*a, rescale, scalar_tree16(weighted));
    *m = new_max;
}

RLVR_TARGET static inline void scalar_exp_many(const float *x, float *y, long n) {
    for (long i = 0; i < n; i++) y[i] = scalar_exp(x[i]);
}

/* A table of the scalar kernels (the portable paths). */
#define RLVR_SCALAR_TABLE(PATH)                                                                      \
    {                                                                                                \
        .path = PATH, .dot = scalar_dot, .dots = scalar_dots, .linear_forward = scalar_linear_forward,             \
        .attend_segments = scalar_attend_segments, .attention_backward = scalar_attention_backward,  \
        .vocabulary_gradient_row = scalar_vocabulary_gradient_row, .silu_mul = scalar_silu_mul,      \
        .silu_mul_backward = scalar_silu_mul_backward,                                               \
        .online_softmax_update = scalar_online_softmax_update, .exp_many = scalar_exp_many,          \
        .log = scalar_log,                                                                           \
    }

#endif
