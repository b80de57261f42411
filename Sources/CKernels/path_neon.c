/*
 * The aarch64 NEON path (Graviton, Ampere, Neoverse, Apple silicon under Linux). The canonical
 * 16-lane order of ckernels.h is carried by four 4-lane registers: a0 holds lanes 0–3, a1 4–7,
 * a2 8–11, a3 12–15, so the tree's first step s8 = acc[i] + acc[i+8] is (a0 + a2, a1 + a3).
 * NEON has no masked loads: the last partial chunk is copied into a zero-padded buffer.
 */
#if defined(__aarch64__)
#include <arm_neon.h>

#include "ckernels.h"
#include "kernel_table.h"

#define RLVR_TARGET
#define RLVR_FMA(a, b, c) __builtin_fmaf(a, b, c)
#include "scalar_kernels.h"

#define KERNEL static inline
#define KERNEL_INLINE static inline __attribute__((always_inline))

/* e^x, four at a time (scalar_exp's operations; FMIN propagates NaN as the scalar clamp does). */
KERNEL_INLINE float32x4_t exp4(float32x4_t x) {
    uint32x4_t underflow = vcltq_f32(x, vdupq_n_f32(RLVR_EXP_LO));
    float32x4_t clamped = vminq_f32(vdupq_n_f32(RLVR_EXP_HI), x);
    float32x4_t n = vrndnq_f32(vmulq_f32(clamped, vdupq_n_f32(RLVR_LOG2E)));
    float32x4_t r = vfmaq_f32(clamped, n, vdupq_n_f32(RLVR_LN2_HI));
    r = vfmaq_f32(r, n, vdupq_n_f32(RLVR_LN2_LO));
    float32x4_t p = vdupq_n_f32(RLVR_EXP_P0);
    p = vfmaq_f32(vdupq_n_f32(RLVR_EXP_P1), p, r);
    p = vfmaq_f32(vdupq_n_f32(RLVR_EXP_P2), p, r);
    p = vfmaq_f32(vdupq_n_f32(RLVR_EXP_P3), p, r);
    p = vfmaq_f32(vdupq_n_f32(RLVR_EXP_P4), p, r);
    p = vfmaq_f32(vdupq_n_f32(RLVR_EXP_P5), p, r);
    float32x4_t e = vfmaq_f32(r, p, vmulq_f32(r, r));
    e = vaddq_f32(e, vdupq_n_f32(1.0f));
    float32x4_t safe = vminq_f32(vmaxq_f32(n, vdupq_n_f32(-127.0f)), vdupq_n_f32(128.0f));
    int32x4_t bits = vshlq_n_s32(vaddq_s32(vcvtq_s32_f32(safe), vdupq_n_s32(127)), 23);
    e = vmulq_f32(e, vreinterpretq_f32_s32(bits));
    return vreinterpretq_f32_u32(vbicq_u32(vreinterpretq_u32_f32(e), underflow));
}

/* Lanes 0..<left of a 4-lane group set (as an all-ones mask). */
KERNEL_INLINE uint32x4_t valid4(long left) {
    static const uint32_t ramp[4] = {0, 1, 2, 3};
    long clamped = left < 0 ? 0 : left > 4 ? 4 : left;
    return vcltq_u32(vld1q_u32(ramp), vdupq_n_u32((uint32_t)clamped));
}

KERNEL_INLINE float32x4_t keep(float32x4_t v, uint32x4_t mask) {
    return vreinterpretq_f32_u32(vandq_u32(vreinterpretq_u32_f32(v), mask));
}

/* s4 of the canonical tree from the four lane groups: (a0 + a2) + (a1 + a3). */
KERNEL_INLINE float32x4_t fold16(float32x4_t a0, float32x4_t a1, float32x4_t a2, float32x4_t a3) {
    return vaddq_f32(vaddq_f32(a0, a2), vaddq_f32(a1, a3));
}

/* s2[i] = s4[i] + s4[i+2], s = s2[0] + s2[1] */
KERNEL_INLINE float tree4(float32x4_t s4) {
    float32x2_t s2 = vadd_f32(vget_low_f32(s4), vget_high_f32(s4));
    return vget_lane_f32(s2, 0) + vget_lane_f32(s2, 1);
}

KERNEL_INLINE float tree16(float32x4_t a0, float32x4_t a1, float32x4_t a2, float32x4_t a3) {
    return tree4(fold16(a0, a1, a2, a3));
}

/* The tree's last two steps for four outputs at once (lane o = output o). */
KERNEL_INLINE float32x4_t tree4x4(float32x4_t s0, float32x4_t s1, float32x4_t s2, float32x4_t s3) {
    float32x4_t q01 = vaddq_f32(vcombine_f32(vget_low_f32(s0), vget_low_f32(s1)), vcombine_f32(vget_high_f32(s0), vget_high_f32(s1)));
    float32x4_t q23 = vaddq_f32(vcombine_f32(vget_low_f32(s2), vget_low_f32(s3)), vcombine_f32(vget_high_f32(s2), vget_high_f32(s3)));
    return vpaddq_f32(q01, q23);
}

/* The last partial chunk of a vector, zero-padded to 16 floats. */
KERNEL_INLINE void pad16(const float *p, long left, float out[16]) {
    for (int l = 0; l < 16; l++) out[l] = l < left ? p[l] : 0.0f;
}

/* ---- dot products ---- */

KERNEL float dot_neon(const float *a, const float *b, long K) {
    float32x4_t a0 = vdupq_n_f32(0.0f), a1 = a0, a2 = a0, a3 = a0;
    long k = 0;
    for (; k + RLVR_LANES <= K; k += RLVR_LANES) {
        a0 = vfmaq_f32(a0, vld1q_f32(a + k), vld1q_f32(b + k));
        a1 = vfmaq_f32(a1, vld1q_f32(a + k + 4), vld1q_f32(b + k + 4));
        a2 = vfmaq_f32(a2, vld1q_f32(a + k + 8), vld1q_f32(b + k + 8));
        a3 = vfmaq_f32(a3, vld1q_f32(a + k + 12), vld1q_f32(b + k + 12));
    }
    if (k < K) {
        float pa[16], pb[16];
        pad16(a + k, K - k, pa);
        pad16(b + k, K - k, pb);
        a0 = vfmaq_f32(a0, vld1q_f32(pa), vld1q_f32(pb));
        a1 = vfmaq_f32(a1, vld1q_f32(pa + 4), vld1q_f32(pb + 4));
        a2 = vfmaq_f32(a2, vld1q_f32(pa + 8), vld1q_f32(pb + 8));
        a3 = vfmaq_f32(a3, vld1q_f32(pa + 12), vld1q_f32(pb + 12));
    }
    return tree16(a0, a1, a2, a3);
}

/* q against four keys at once: four outputs, each with its four lane groups. */
KERNEL void dots_neon(const float *q, const float *keys, long ldk, long count, long K, float *out) {
    long j = 0;
    for (; j + 4 <= count; j += 4) {
        const float *kr[4] = {keys + j * ldk, keys + (j + 1) * ldk, keys + (j + 2) * ldk, keys + (j + 3) * ldk};
        float32x4_t acc[4][4];
        for (int t = 0; t < 4; t++)
            for (int g = 0; g < 4; g++) acc[t][g] = vdupq_n_f32(0.0f);
        long k = 0;
        for (; k + RLVR_LANES <= K; k += RLVR_LANES)
            for (int g = 0; g < 4; g++) {
                float32x4_t qv = vld1q_f32(q + k + 4 * g);
                for (int t = 0; t < 4; t++) acc[t][g] = vfmaq_f32(acc[t][g], qv, vld1q_f32(kr[t] + k + 4 * g));
            }
        if (k < K) {
            float pq[16], pk[16];
            pad16(q + k, K - k, pq);
            for (int t = 0; t < 4; t++) {
                pad16(kr[t] + k, K - k, pk);
                for (int g = 0; g < 4; g++) acc[t][g] = vfmaq_f32(acc[t][g], vld1q_f32(pq + 4 * g), vld1q_f32(pk + 4 * g));
            }
        }
        vst1q_f32(out + j, tree4x4(fold16(acc[0][0], acc[0][1], acc[0][2], acc[0][3]), fold16(acc[1][0], acc[1][1], acc[1][2], acc[1][3]),
                                   fold16(acc[2][0], acc[2][1], acc[2][2], acc[2][3]), fold16(acc[3][0], acc[3][1], acc[3][2], acc[3][3])));
    }
    for (; j < count; j++) out[j] = dot_neon(q, keys + j * ldk, K);
}

/* ---- y = x · wᵀ ---- */

/* A ROWS × COLS tile (ROWS ≤ 2, COLS ≤ 3): 24 accumulators, 5 loads per 6 fused multiply-adds. */
KERNEL_INLINE void tile_neon(const float *x, const float *w, float *y, long K, long ldy, const int ROWS, const int COLS) {
    float32x4_t acc[2][3][4];
    for (int i = 0; i < ROWS; i++)
        for (int j = 0; j < COLS; j++)
            for (int g = 0; g < 4; g++) acc[i][j][g] = vdupq_n_f32(0.0f);
    long k = 0;
    for (; k + RLVR_LANES <= K; k += RLVR_LANES)
        for (int g = 0; g < 4; g++) {
            float32x4_t xv[2], wv[3];
            for (int i = 0; i < ROWS; i++) xv[i] = vld1q_f32(x + i * K + k + 4 * g);
            for (int j = 0; j < COLS; j++) wv[j] = vld1q_f32(w + j * K + k + 4 * g);
            for (int i = 0; i < ROWS; i++)
                for (int j = 0; j < COLS; j++) acc[i][j][g] = vfmaq_f32(acc[i][j][g], xv[i], wv[j]);
        }
    if (k < K) {
        float px[2][16], pw[3][16];
        for (int i = 0; i < ROWS; i++) pad16(x + i * K + k, K - k, px[i]);
        for (int j = 0; j < COLS; j++) pad16(w + j * K + k, K - k, pw[j]);
        for (int g = 0; g < 4; g++)
            for (int i = 0; i < ROWS; i++)
                for (int j = 0; j < COLS; j++)
                    acc[i][j][g] = vfmaq_f32(acc[i][j][g], vld1q_f32(px[i] + 4 * g), vld1q_f32(pw[j] + 4 * g));
    }
    for (int i = 0; i < ROWS; i++)
        for (int j = 0; j < COLS; j++) y[i * ldy + j] = tree16(acc[i][j][0], acc[i][j][1], acc[i][j][2], acc[i][j][3]);
}

static void tile_2x3(const float *x, const float *w, float *y, long K, long ldy) { tile_neon(x, w, y, K, ldy, 2, 3); }
static void tile_2x1(const float *x, const float *w, float *y, long K, long ldy) { tile_neon(x, w, y, K, ldy, 2, 1); }
static void tile_1x3(const float *x, const float *w, float *y, long K, long ldy) { tile_neon(x, w, y, K, ldy, 1, 3); }

/* Weight rows per block: about 128 KB of them stay in L2 while the x rows stream past. */
static long weight_block(long K) {
    long rows = 32768 / (K > 0 ? K : 1);
    rows -= rows % 3;
    return rows < 12 ? 12 : rows;
}

static void linear_forward_neon(const float *x, const float *w, float *y, long M, long N, long K, long ldy) {
    if (M <= 0 || N <= 0) return;
    long block = weight_block(K);
    for (long n0 = 0; n0 < N; n0 += block) {
        long n1 = n0 + block < N ? n0 + block : N;
        long m = 0;
        for (; m + 2 <= M; m += 2) {
            long n = n0;
            for (; n + 3 <= n1; n += 3) tile_2x3(x + m * K, w + n * K, y + m * ldy + n, K, ldy);
            for (; n < n1; n++) tile_2x1(x + m * K, w + n * K, y + m * ldy + n, K, ldy);
        }
        if (m < M) {
            long n = n0;
            for (; n + 3 <= n1; n += 3) tile_1x3(x + m * K, w + n * K, y + m * ldy + n, K, ldy);
            for (; n < n1; n++) y[m * ldy + n] = dot_neon(x + m * K, w + n * K, K);
        }
    }
}

/* ---- attention ---- */

/* dst[d] = fma(coef[r·stride], rows[r·ld + d], dst[d]) for r = 0..<count ascending: the weighted
   sums of attention (forward: Σ_t p_t v_t; backward: dq, dk, dv), 64 columns in sixteen registers. */
KERNEL void fma_rows_neon(float *dst, const float *coef, long stride, const float *rows, long ld, long count, long D) {
    long d = 0;
    for (; d + 64 <= D; d += 64) {
        float32x4_t o[16];
        for (int b = 0; b < 16; b++) o[b] = vld1q_f32(dst + d + 4 * b);
        for (long r = 0; r < count; r++) {
            float c = coef[r * stride];
            const float *row = rows + r * ld + d;
            for (int b = 0; b < 16; b++) o[b] = vfmaq_n_f32(o[b], vld1q_f32(row + 4 * b), c);
        }
        for (int b = 0; b < 16; b++) vst1q_f32(dst + d + 4 * b, o[b]);
    }
    for (; d + 4 <= D; d += 4) {
        float32x4_t o = vld1q_f32(dst + d);
        for (long r = 0; r < count; r++) o = vfmaq_n_f32(o, vld1q_f32(rows + r * ld + d), coef[r * stride]);
        vst1q_f32(dst + d, o);
    }
    for (; d < D; d++) {
        float o = dst[d];
        for (long r = 0; r < count; r++) o = RLVR_FMA(coef[r * stride], rows[r * ld + d], o);
        dst[d] = o;
    }
}

static float attend_neon(const float *q, const float *keys1, const float *values1, long ld1, long count1,
                         const float *keys2, const float *values2, long ld2, long count2, long head_dim, float scale,
                         float *scores, float *out) {
    long count = count1 + count2;
    dots_neon(q, keys1, ld1, count1, head_dim, scores);
    dots_neon(q, keys2, ld2, count2, head_dim, scores + count1);
    float32x4_t vscale = vdupq_n_f32(scale), vmax = vdupq_n_f32(-INFINITY);
    long j = 0;
    for (; j + 4 <= count; j += 4) {
        float32x4_t s = vmulq_f32(vld1q_f32(scores + j), vscale);
        vst1q_f32(scores + j, s);
        vmax = vmaxnmq_f32(vmax, s);   /* maxNum: a NaN score is skipped, as in the reference */
    }
    float max = vmaxnmvq_f32(vmax);
    for (; j < count; j++) {
        scores[j] = scores[j] * scale;
        if (scores[j] > max) max = scores[j];
    }
    max = rlvr_canonical_zero(max);
    /* e^(s − max), summed in lanes j mod 16 */
    float32x4_t vm = vdupq_n_f32(max), acc[4];
    for (int g = 0; g < 4; g++) acc[g] = vdupq_n_f32(0.0f);
    for (j = 0; j + RLVR_LANES <= count; j += RLVR_LANES)
        for (int g = 0; g < 4; g++) {
            float32x4_t e = exp4(vsubq_f32(vld1q_f32(scores + j + 4 * g), vm));
            vst1q_f32(scores + j + 4 * g, e);
            acc[g] = vaddq_f32(acc[g], e);
        }
    if (j < count) {
        float padded[16];
        pad16(scores + j, count - j, padded);
        for (int g = 0; g < 4; g++) {
            float32x4_t e = keep(exp4(vsubq_f32(vld1q_f32(padded + 4 * g), vm)), valid4(count - j - 4 * g));
            vst1q_f32(padded + 4 * g, e);
            acc[g] = vaddq_f32(acc[g], e);
        }
        for (long t = j; t < count; t++) scores[t] = padded[t - j];
    }
    float sum = tree16(acc[0], acc[1], acc[2], acc[3]);
    float inverse = 1.0f / sum;
    for (j = 0; j < count; j++) scores[j] = scores[j] * inverse;
    for (long d = 0; d < head_dim; d++) out[d] = 0.0f;
    fma_rows_neon(out, scores, 1, values1, ld1, count1, head_dim);
    fma_rows_neon(out, scores + count1, 1, values2, ld2, count2, head_dim);
    return max + scalar_log(sum);
}

/* p_j = e^(fma(s_j, scale, −lse)), ds_j = (p_j·(dp_j − delta))·scale, four keys at a time. */
KERNEL void score_gradients_neon(float *p, float *ds, long count, float scale, float lse, float delta) {
    float32x4_t vscale = vdupq_n_f32(scale), vnlse = vdupq_n_f32(-lse), vdelta = vdupq_n_f32(delta);
    long j = 0;
    for (; j + 4 <= count; j += 4) {
        float32x4_t pv = exp4(vfmaq_f32(vnlse, vld1q_f32(p + j), vscale));
        vst1q_f32(ds + j, vmulq_f32(vmulq_f32(pv, vsubq_f32(vld1q_f32(ds + j), vdelta)), vscale));
        vst1q_f32(p + j, pv);
    }
    for (; j < count; j++) {
        float pj = scalar_exp(RLVR_FMA(p[j], scale, -lse));
        ds[j] = (pj * (ds[j] - delta)) * scale;
        p[j] = pj;
    }
}

#define PATH_DOT dot_neon
#define PATH_DOTS dots_neon
#define PATH_FMA_ROWS fma_rows_neon
#define PATH_SCORE_GRADIENTS score_gradients_neon
#include "attention_backward_blocked.h"

/* ---- elementwise and softmax ---- */

static void vocabulary_gradient_neon(float *z, long n, float log_z, float g, float g_entropy, float entropy) {
    float32x4_t vlz = vdupq_n_f32(log_z), vg = vdupq_n_f32(-g), vgh = vdupq_n_f32(-g_entropy), vh = vdupq_n_f32(entropy);
    long v = 0;
    for (; v + 4 <= n; v += 4) {
        float32x4_t shifted = vsubq_f32(vld1q_f32(z + v), vlz);
        float32x4_t p = exp4(shifted);
        vst1q_f32(z + v, vfmaq_f32(vmulq_f32(vg, p), vmulq_f32(vgh, p), vaddq_f32(shifted, vh)));
    }
    scalar_vocabulary_gradient_row(z + v, n - v, log_z, g, g_entropy, entropy);
}

static void silu_mul_neon(const float *g, const float *u, float *h, long n) {
    float32x4_t one = vdupq_n_f32(1.0f);
    long i = 0;
    for (; i + 4 <= n; i += 4) {
        float32x4_t gv = vld1q_f32(g + i);
        float32x4_t e = exp4(vsubq_f32(vdupq_n_f32(0.0f), gv));
        vst1q_f32(h + i, vmulq_f32(vdivq_f32(gv, vaddq_f32(one, e)), vld1q_f32(u + i)));
    }
    scalar_silu_mul(g + i, u + i, h + i, n - i);
}

static void silu_mul_backward_neon(const float *g, const float *u, const float *dh, float *dg, float *du, long n) {
    float32x4_t one = vdupq_n_f32(1.0f);
    long i = 0;
    for (; i + 4 <= n; i += 4) {
        float32x4_t gv = vld1q_f32(g + i), uv = vld1q_f32(u + i), dhv = vld1q_f32(dh + i);
        float32x4_t sigmoid = vdivq_f32(one, vaddq_f32(one, exp4(vsubq_f32(vdupq_n_f32(0.0f), gv))));
        float32x4_t silu = vmulq_f32(gv, sigmoid);
        vst1q_f32(du + i, vfmaq_f32(vld1q_f32(du + i), dhv, silu));
        float32x4_t slope = vmulq_f32(sigmoid, vfmaq_f32(one, gv, vsubq_f32(one, sigmoid)));
        vst1q_f32(dg + i, vfmaq_f32(vld1q_f32(dg + i), vmulq_f32(dhv, uv), slope));
    }
    scalar_silu_mul_backward(g + i, u + i, dh + i, dg + i, du + i, n - i);
}

static void online_softmax_update_neon(const float *z, long n, float *m, float *s, float *a) {
    float32x4_t vmax = vdupq_n_f32(-INFINITY);
    long i = 0;
    for (; i + 4 <= n; i += 4) vmax = vmaxnmq_f32(vmax, vld1q_f32(z + i));
    float chunk_max = vmaxnmvq_f32(vmax);
    for (; i < n; i++) if (z[i] > chunk_max) chunk_max = z[i];
    chunk_max = rlvr_canonical_zero(chunk_max);
    float new_max = chunk_max > *m ? chunk_max : *m;
    float32x4_t vm = vdupq_n_f32(new_max), sums[4], weighted[4];
    for (int g = 0; g < 4; g++) sums[g] = weighted[g] = vdupq_n_f32(0.0f);
    for (i = 0; i + RLVR_LANES <= n; i += RLVR_LANES)
        for (int g = 0; g < 4; g++) {
            float32x4_t zv = vld1q_f32(z + i + 4 * g);
            float32x4_t e = exp4(vsubq_f32(zv, vm));
            sums[g] = vaddq_f32(sums[g], e);
            weighted[g] = vfmaq_f32(weighted[g], e, zv);
        }
    if (i < n) {
        float padded[16];
        pad16(z + i, n - i, padded);
        for (int g = 0; g < 4; g++) {
            float32x4_t zv = vld1q_f32(padded + 4 * g);
            float32x4_t e = keep(exp4(vsubq_f32(zv, vm)), valid4(n - i - 4 * g));
            sums[g] = vaddq_f32(sums[g], e);
            weighted[g] = vfmaq_f32(weighted[g], e, zv);
        }
    }
    float rescale = *m == -INFINITY ? 0.0f : scalar_exp(*m - new_max);
    *s = RLVR_FMA(*s, rescale, tree16(sums[0], sums[1], sums[2], sums[3]));
    *a = RLVR_FMA(*a, rescale, tree16(weighted[0], weighted[1], weighted[2], weighted[3]));
    *m = new_max;
}

static void exp_many_neon(const float *x, float *y, long n) {
    long i = 0;
    for (; i + 4 <= n; i += 4) vst1q_f32(y + i, exp4(vld1q_f32(x + i)));
    scalar_exp_many(x + i, y + i, n - i);
}

const rlvr_kernel_table rlvr_neon_table = {
    .path = RLVR_PATH_NEON,
    .dot = dot_neon,
    .dots = dots_neon,
    .linear_forward = linear_forward_neon,
    .attend_segments = attend_neon,
    .attention_backward = blocked_attention_backward,
    .vocabulary_gradient_row = vocabulary_gradient_neon,
    .silu_mul = silu_mul_neon,
    .silu_mul_backward = silu_mul_backward_neon,
    .online_softmax_update = online_softmax_update_neon,
    .exp_many = exp_many_neon,
    .log = scalar_log,
};
#endif
