/*
 * Causal attention backward for the SIMD paths, in blocks of RLVR_ATTENTION_BACKWARD_ROWS query rows.
 *
 * For each row i of a block: D_i = dout_i·out_i, s_ij = q_i·k_j and dp_ij = dout_i·v_j for every
 * key j ≤ i, p_ij and ds_ij from them (kept for the block), then dq_i += Σ_j ds_ij k_j. Then for
 * every key j: dk_j += Σ_i ds_ij q_i and dv_j += Σ_i p_ij dout_i over the block's rows i ≥ j.
 *
 * Every gradient element is the fma chain of scalar_attention_backward — dq_i over j ascending,
 * dk_j and dv_j over i ascending — so the bits are the reference's; but dk_j and dv_j are read and
 * written once per block of rows instead of once per row.
 *
 * The including file defines RLVR_TARGET and these (its own path's kernels):
 *   PATH_DOT(a, b, K)                                 the canonical dot product
 *   PATH_DOTS(q, keys, ldk, count, K, out)            q against `count` keys
 *   PATH_FMA_ROWS(dst, coef, stride, rows, ld, count, D)
 *       dst[d] = fma(coef[r·stride], rows[r·ld + d], dst[d]) for r = 0..<count ascending, d < D
 *   PATH_SCORE_GRADIENTS(p, ds, count, scale, lse, delta)
 *       in place: p[j] ← e^(fma(p[j], scale, −lse)), ds[j] ← (p[j]·(ds[j] − delta))·scale
 */
#ifndef RLVR_ATTENTION_BACKWARD_BLOCKED_H
#define RLVR_ATTENTION_BACKWARD_BLOCKED_H

RLVR_TARGET static void blocked_attention_backward(const float *q, const float *k, const float *v, const float *out,
                                                   const float *dout, const float *lse, float *dq, float *dk, float *dv,
                                                   long length, long ldq, long ldkv, long head_dim, float scale,
                                                   float *scratch) {
    enum { ROWS = RLVR_ATTENTION_BACKWARD_ROWS };
    float *probabilities = scratch, *score_gradients = scratch + ROWS * length;   /* [ROWS, length] each */
    for (long i0 = 0; i0 < length; i0 += ROWS) {
        long i1 = i0 + ROWS < length ? i0 + ROWS : length;
        for (long i = i0; i < i1; i++) {
            const float *qi = q + i * ldq, *doi = dout + i * ldq;
            float *p = probabilities + (i - i0) * length, *ds = score_gradients + (i - i0) * length;
            float delta = PATH_DOT(doi, out + i * ldq, head_dim);
            PATH_DOTS(qi, k, ldkv, i + 1, head_dim, p);
            PATH_DOTS(doi, v, ldkv, i + 1, head_dim, ds);
            PATH_SCORE_GRADIENTS(p, ds, i + 1, scale, lse[i], delta);
            PATH_FMA_ROWS(dq + i * ldq, ds, 1, k, ldkv, i + 1, head_dim);
        }
        for (long j = 0; j < i1; j++) {
            long first = j > i0 ? j : i0;
            PATH_FMA_ROWS(dk + j * ldkv, score_gradients + (first - i0) * length + j, length, q + first * ldq, ldq, i1 - first, head_dim);
            PATH_FMA_ROWS(dv + j * ldkv, probabilities + (first - i0) * length + j, length, dout + first * ldq, ldq, i1 - first, head_dim);
        }
    }
}

#endif
