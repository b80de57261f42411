/*
 * Every kernel of Sources/CKernels on fixed inputs, on every path this machine can run.
 *
 * Prints one line per case: the case's name and a 64-bit FNV-1a digest of the portable path's
 * output bits. Exits non-zero when any other path's output differs from the portable path's in any
 * bit (naming the case, the path and the first differing element). Built natively and, with a cross
 * compiler, for aarch64 under qemu-user (scripts/cross_check_kernels.sh): the digests of both runs
 * and the committed Tests/KernelCrossCheck/expected_digests.txt must be identical, so the NEON path
 * is checked against the x86 paths bit for bit.
 *
 * Build: scripts/cross_check_kernels.sh (the kernel sources and this file, -ffp-contract=off)
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckernels.h"

/* ---- deterministic inputs ---- */

static uint64_t rng_state;

static uint64_t splitmix64(void) {
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Uniform in [lo, hi): 24 random bits, exact in float, then one multiply and one add. */
static float uniform(float lo, float hi) {
    float unit = (float)(splitmix64() >> 40) * (1.0f / 16777216.0f);
    return lo + unit * (hi - lo);
}

static float *random_floats(long n, float lo, float hi) {
    float *p = malloc((size_t)(n > 0 ? n : 1) * sizeof(float));
    for (long i = 0; i < n; i++) p[i] = uniform(lo, hi);
    return p;
}

static float *zeros(long n) { return calloc((size_t)(n > 0 ? n : 1), sizeof(float)); }

static float *copy_floats(const float *src, long n) {
    float *p = malloc((size_t)(n > 0 ? n : 1) * sizeof(float));
    memcpy(p, src, (size_t)n * sizeof(float));
    return p;
}

/* ---- comparing paths ---- */

static int failures;
static rlvr_kernel_path paths[RLVR_PATH_COUNT];
static int path_count;

static uint64_t digest(const float *values, long n) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (long i = 0; i < n; i++) {
        uint32_t bits;
        memcpy(&bits, &values[i], 4);
        if (values[i] != values[i]) bits = 0x7fc00000u; /* NaN: only NaN-ness is canonical */
        for (int b = 0; b < 4; b++) h = (h ^ ((bits >> (8 * b)) & 0xff)) * 0x100000001b3ull;
    }
    return h;
}

static int same_bits(float a, float b) {
    uint32_t x, y;
    memcpy(&x, &a, 4);
    memcpy(&y, &b, 4);
    return x == y || (a != a && b != b);
}

/* Compares `n` outputs of path `p` with the portable path's, reports the first difference. */
static void compare(const char *name, rlvr_kernel_path p, const float *reference, const float *got, long n) {
    for (long i = 0; i < n; i++) {
        if (!same_bits(reference[i], got[i])) {
            printf("MISMATCH %s on %s: element %ld of %ld: portable %.9g (0x%08x), %s %.9g\n", name, rlvr_kernels_path_name(p), i, n,
                   reference[i], *(const uint32_t *)&reference[i], rlvr_kernels_path_name(p), got[i]);
            failures++;
            return;
        }
    }
}

/* ---- cases ---- */

/* y has 64 guard floats after its M·ldy: a path that writes past the product fails the comparison. */
static void linear_case(long M, long N, long K, long ldy) {
    enum { GUARD = 64 };
    float *x = random_floats(M * K, -1, 1), *w = random_floats(N * K, -1, 1);
    float *reference = zeros(M * ldy + GUARD);
    rlvr_path_linear_forward(RLVR_PATH_PORTABLE, x, w, reference, M, N, K, ldy);
    char name[96];
    snprintf(name, sizeof name, "linear_forward M=%ld N=%ld K=%ld ldy=%ld", M, N, K, ldy);
    for (int i = 1; i < path_count; i++) {
        float *y = zeros(M * ldy + GUARD);
        rlvr_path_linear_forward(paths[i], x, w, y, M, N, K, ldy);
        compare(name, paths[i], reference, y, M * ldy + GUARD);
        free(y);
    }
    printf("%-64s %016llx\n", name, (unsigned long long)digest(reference, M * ldy));
    free(x), free(w), free(reference);
}

static void dots_case(long count, long K, long ldk) {
    float *q = random_floats(K, -1, 1), *keys = random_floats(count * ldk, -1, 1);
    float *reference = zeros(count);
    rlvr_path_dots(RLVR_PATH_PORTABLE, q, keys, ldk, count, K, reference);
    char name[96];
    snprintf(name, sizeof name, "dots count=%ld K=%ld ldk=%ld", count, K, ldk);
    for (int i = 1; i < path_count; i++) {
        float *out = zeros(count);
        rlvr_path_dots(paths[i], q, keys, ldk, count, K, out);
        compare(name, paths[i], reference, out, count);
        free(out);
    }
    printf("%-64s %016llx\n", name, (unsigned long long)digest(reference, count));
    free(q), free(keys), free(reference);
}

static void attend_case(long count1, long count2, long head_dim, long ld) {
    long count = count1 + count2;
    float *q = random_floats(head_dim, -2, 2);
    float *k1 = random_floats(count1 * ld, -2, 2), *v1 = random_floats(count1 * ld, -1, 1);
    float *k2 = random_floats(count2 * ld, -2, 2), *v2 = random_floats(count2 * ld, -1, 1);
    float scale = 1.0f / sqrtf((float)head_dim);
    float *reference = zeros(head_dim + 1), *scores = zeros(count + 16);
    rlvr_path_attend_segments(RLVR_PATH_PORTABLE, q, k1, v1, ld, count1, k2, v2, ld, count2, head_dim, scale, scores,
                              reference, reference + head_dim);
    char name[96];
    snprintf(name, sizeof name, "attend count=%ld+%ld head_dim=%ld ld=%ld", count1, count2, head_dim, ld);
    for (int i = 1; i < path_count; i++) {
        float *out = zeros(head_dim + 1);
        rlvr_path_attend_segments(paths[i], q, k1, v1, ld, count1, k2, v2, ld, count2, head_dim, scale, scores, out, out + head_dim);
        compare(name, paths[i], reference, out, head_dim + 1);
        free(out);
    }
    printf("%-64s %016llx\n", name, (unsigned long long)digest(reference, head_dim + 1));
    free(q), free(k1), free(v1), free(k2), free(v2), free(reference), free(scores);
}

/* `queries` heads sharing one key/value head, on every path (the portable one included): each
   head's out and lse must be the portable single-query kernel's bits. */
static void attend_group_case(long queries, long count1, long count2, long head_dim, long ld) {
    long count = count1 + count2, width = queries * head_dim;
    float *q = random_floats(width, -2, 2);
    float *k1 = random_floats(count1 * ld, -2, 2), *v1 = random_floats(count1 * ld, -1, 1);
    float *k2 = random_floats(count2 * ld, -2, 2), *v2 = random_floats(count2 * ld, -1, 1);
    float scale = 1.0f / sqrtf((float)head_dim);
    float *reference = zeros(width + queries), *scores = zeros(queries * count + 16);
    for (long i = 0; i < queries; i++)
        rlvr_path_attend_segments(RLVR_PATH_PORTABLE, q + i * head_dim, k1, v1, ld, count1, k2, v2, ld, count2, head_dim, scale,
                                  scores, reference + i * head_dim, reference + width + i);
    char name[96];
    snprintf(name, sizeof name, "attend_group queries=%ld count=%ld+%ld head_dim=%ld ld=%ld", queries, count1, count2, head_dim, ld);
    for (int i = 0; i < path_count; i++) {
        float *out = zeros(width + queries);
        rlvr_path_attend_group(paths[i], q, queries, k1, v1, ld, count1, k2, v2, ld, count2, head_dim, scale, scores, out, out + width);
        compare(name, paths[i], reference, out, width + queries);
        free(out);
    }
    printf("%-64s %016llx\n", name, (unsigned long long)digest(reference, width + queries));
    free(q), free(k1), free(v1), free(k2), free(v2), free(reference), free(scores);
}

static void attention_backward_case(long length, long head_dim, long ldq, long ldkv) {
    float *q = random_floats(length * ldq, -1, 1), *k = random_floats(length * ldkv, -1, 1), *v = random_floats(length * ldkv, -1, 1);
    float *dout = random_floats(length * ldq, -1, 1), *out = zeros(length * ldq), *lse = zeros(length);
    float *scores = zeros(length + 16);
    float scale = 1.0f / sqrtf((float)head_dim);
    for (long i = 0; i < length; i++)
        rlvr_path_attend_segments(RLVR_PATH_PORTABLE, q + i * ldq, k, v, ldkv, i + 1, k, v, ldkv, 0, head_dim, scale, scores,
                                  out + i * ldq, lse + i);
    long nq = length * ldq, nkv = length * ldkv, total = nq + 2 * nkv;
    float *start = random_floats(total, -0.5f, 0.5f);   /* gradients accumulate into existing values */
    float *reference = copy_floats(start, total), *scratch = zeros(2 * RLVR_ATTENTION_BACKWARD_ROWS * length + 16);
    rlvr_path_attention_backward(RLVR_PATH_PORTABLE, q, k, v, out, dout, lse, reference, reference + nq, reference + nq + nkv,
                                 length, ldq, ldkv, head_dim, scale, scratch);
    char name[96];
    snprintf(name, sizeof name, "attention_backward length=%ld head_dim=%ld ldq=%ld ldkv=%ld", length, head_dim, ldq, ldkv);
    for (int i = 1; i < path_count; i++) {
        float *grads = copy_floats(start, total);
        rlvr_path_attention_backward(paths[i], q, k, v, out, dout, lse, grads, grads + nq, grads + nq + nkv, length, ldq, ldkv,
                                     head_dim, scale, scratch);
        compare(name, paths[i], reference, grads, total);
        free(grads);
    }
    printf("%-64s %016llx\n", name, (unsigned long long)digest(reference, total));
    free(q), free(k), free(v), free(dout), free(out), free(lse), free(scores), free(start), free(reference), free(scratch);
}

static void elementwise_case(long n) {
    float *g = random_floats(n, -12, 12), *u = random_floats(n, -2, 2), *dh = random_floats(n, -1, 1);
    float *start = random_floats(2 * n, -0.5f, 0.5f);
    /* silu_mul, silu_mul_backward (dg, du), vocabulary gradient (z) side by side */
    long total = 4 * n;
    float *reference = zeros(total);
    float *z0 = random_floats(n, -30, 10);
    float log_z = 9.5f, gt = -0.7f, gh = 0.3f, entropy = 2.25f;
    rlvr_path_silu_mul(RLVR_PATH_PORTABLE, g, u, reference, n);
    memcpy(reference + n, start, 2 * (size_t)n * sizeof(float));
    rlvr_path_silu_mul_backward(RLVR_PATH_PORTABLE, g, u, dh, reference + n, reference + 2 * n, n);
    memcpy(reference + 3 * n, z0, (size_t)n * sizeof(float));
    rlvr_path_vocabulary_gradient_row(RLVR_PATH_PORTABLE, reference + 3 * n, n, log_z, gt, gh, entropy);
    char name[96];
    snprintf(name, sizeof name, "silu, silu_backward, vocabulary_gradient n=%ld", n);
    for (int i = 1; i < path_count; i++) {
        float *out = zeros(total);
        rlvr_path_silu_mul(paths[i], g, u, out, n);
        memcpy(out + n, start, 2 * (size_t)n * sizeof(float));
        rlvr_path_silu_mul_backward(paths[i], g, u, dh, out + n, out + 2 * n, n);
        memcpy(out + 3 * n, z0, (size_t)n * sizeof(float));
        rlvr_path_vocabulary_gradient_row(paths[i], out + 3 * n, n, log_z, gt, gh, entropy);
        compare(name, paths[i], reference, out, total);
        free(out);
    }
    printf("%-64s %016llx\n", name, (unsigned long long)digest(reference, total));
    free(g), free(u), free(dh), free(start), free(reference), free(z0);
}

/* A row of logits fed chunk by chunk (chunk sizes cover tails); outputs m, s, a after each chunk.
   `values` (optional) replaces the random logits; `m0`, `a0` start the running totals. */
static void online_softmax_values_case(const long *chunks, int count, const float *values, float m0, float a0) {
    long n = 0;
    for (int c = 0; c < count; c++) n += chunks[c];
    float *z = values ? copy_floats(values, n) : random_floats(n, -20, 20);
    float reference[3 * 16], got[3 * 16];
    char name[96];
    int length = snprintf(name, sizeof name, "online_softmax chunks=");
    for (int c = 0; c < count && length < 80; c++) length += snprintf(name + length, sizeof name - (size_t)length, "%s%ld", c ? "," : "", chunks[c]);
    if (values) length += snprintf(name + length, sizeof name - (size_t)length, " (special values)");
    for (int i = 0; i < path_count; i++) {
        float m = m0, s = 0, a = a0, *out = i == 0 ? reference : got;
        long offset = 0;
        for (int c = 0; c < count; c++) {
            rlvr_path_online_softmax_update(paths[i], z + offset, chunks[c], &m, &s, &a);
            offset += chunks[c];
            out[3 * c] = m, out[3 * c + 1] = s, out[3 * c + 2] = a;
        }
        if (i > 0) compare(name, paths[i], reference, got, 3 * count);
    }
    printf("%-64s %016llx\n", name, (unsigned long long)digest(reference, 3 * count));
    free(z);
}

static void online_softmax_case(const long *chunks, int count) { online_softmax_values_case(chunks, count, NULL, -INFINITY, 0); }

/* Logits that make SIMD and scalar code disagree unless the canonical order is followed exactly:
   ties between −0 and +0 at the maximum, a NaN in the chunk, and products e·z that underflow to −0
   in lanes that the zero-padded last chunk then touches. */
static void online_softmax_special_cases(void) {
    float ties[17] = {-0.0f, 0.0f};
    for (int i = 2; i < 17; i++) ties[i] = -1.0f;
    static const long sixteen[] = {16}, seventeen[] = {17}, eight[] = {8};
    online_softmax_values_case(sixteen, 1, ties, -INFINITY, 0);
    online_softmax_values_case(eight, 1, ties, -INFINITY, 0);
    float with_nan[17] = {0};
    with_nan[3] = 5.0f;
    with_nan[15] = NAN;
    online_softmax_values_case(sixteen, 1, with_nan, -INFINITY, 0);
    with_nan[7] = NAN;
    online_softmax_values_case(eight, 1, with_nan, -INFINITY, 0);
    float tiny[17];
    for (int i = 0; i < 17; i++) tiny[i] = -1e-9f;
    online_softmax_values_case(seventeen, 1, tiny, 86.9f, -0.0f);
}

/* An elementwise function of `n` inputs on every path against the portable one. */
static void unary_case(const char *name, int (*run)(rlvr_kernel_path, const float *, float *, long), const float *x, float *reference,
                       float *out, long n) {
    run(RLVR_PATH_PORTABLE, x, reference, n);
    for (int i = 1; i < path_count; i++) {
        run(paths[i], x, out, n);
        compare(name, paths[i], reference, out, n);
    }
    printf("%-64s %016llx\n", name, (unsigned long long)digest(reference, n));
}

/* e^x and log x over a sweep of their ranges and special values. */
static void exp_log_case(void) {
    enum { SWEEP = 20000, SPECIAL = 16 };
    long n = SWEEP + SPECIAL;
    float *x = malloc((size_t)n * sizeof(float)), *reference = malloc((size_t)n * sizeof(float)), *out = malloc((size_t)n * sizeof(float));
    for (long i = 0; i < SWEEP; i++) x[i] = -104.0f + 200.0f * (float)i / SWEEP + uniform(0, 0.01f);
    const float special[SPECIAL] = {0.0f, -0.0f, 88.0f, 88.5f, -87.0f, -87.5f, 1e-8f, -1e-8f, 0.5f, -0.5f,
                                    INFINITY, -INFINITY, NAN, 88.7f, -86.99f, 1.0f};
    memcpy(x + SWEEP, special, sizeof special);
    unary_case("exp sweep [-104, 96] and special values", rlvr_path_exp, x, reference, out, n);
    for (long i = 0; i < SWEEP; i++) {
        uint32_t bits = (uint32_t)(splitmix64() >> 33);  /* positive floats of every exponent, subnormals included */
        memcpy(&x[i], &bits, 4);
    }
    const float log_special[SPECIAL] = {0.0f, -0.0f, 1.0f, -1.0f, INFINITY, -INFINITY, NAN, 1e-45f,
                                        1.17549435e-38f, 3.4028235e38f, 0.70710677f, 0.70710683f, 2.0f, 0.5f, 1.0000001f, 0.99999994f};
    memcpy(x + SWEEP, log_special, sizeof log_special);
    unary_case("log of positive floats of every exponent and special values", rlvr_path_log, x, reference, out, n);
    free(x), free(reference), free(out);
}

int main(void) {
    for (int p = 0; p < RLVR_PATH_COUNT; p++)
        if (rlvr_kernels_path_available((rlvr_kernel_path)p)) paths[path_count++] = (rlvr_kernel_path)p;
    fprintf(stderr, "CPU: %s; features: %s; paths:", rlvr_cpu_model_name(), rlvr_cpu_features());
    for (int i = 0; i < path_count; i++) fprintf(stderr, " %s", rlvr_kernels_path_name(paths[i]));
    fprintf(stderr, "\n");

    rng_state = 20261206;
    static const long sizes[] = {1, 3, 4, 5, 17};
    static const long reductions[] = {1, 3, 15, 16, 17, 31, 33, 64, 100, 576};
    for (int a = 0; a < 5; a++)
        for (int b = 0; b < 5; b++)
            for (int c = 0; c < 10; c++) linear_case(sizes[a], sizes[b], reductions[c], sizes[b] + (c % 2));
    linear_case(37, 130, 576, 130);     /* several weight blocks */
    linear_case(64, 70, 1536, 72);      /* the MLP's down projection's reduction length */
    for (int c = 0; c < 10; c++) {
        dots_case(1, reductions[c], reductions[c]);
        dots_case(9, reductions[c], reductions[c] + 3);
        dots_case(17, reductions[c], reductions[c]);
    }
    static const long counts[][2] = {{1, 0}, {5, 0}, {8, 0}, {16, 0}, {17, 0}, {100, 0}, {3, 4}, {16, 1}, {40, 9}, {0, 3}};
    static const long head_dims[] = {64, 8, 20, 100, 128};
    for (int c = 0; c < 10; c++)
        for (int h = 0; h < 5; h++) attend_case(counts[c][0], counts[c][1], head_dims[h], head_dims[h] + (h % 2) * 64);
    static const long lengths[] = {1, 5, 17, 40};
    for (int l = 0; l < 4; l++) {
        attention_backward_case(lengths[l], 64, 576, 192);
        attention_backward_case(lengths[l], 20, 20, 20);
    }
    static const long elementwise[] = {1, 7, 8, 15, 16, 17, 100, 4099};
    for (int e = 0; e < 8; e++) elementwise_case(elementwise[e]);
    static const long chunks1[] = {1}, chunks2[] = {15, 16, 17, 33}, chunks3[] = {4096, 4096, 29}, chunks4[] = {7, 4096, 100};
    online_softmax_case(chunks1, 1);
    online_softmax_case(chunks2, 4);
    online_softmax_case(chunks3, 3);
    online_softmax_case(chunks4, 3);
    online_softmax_special_cases();
    linear_case(0, 5, 16, 5);
    linear_case(3, 0, 16, 1);
    exp_log_case();
    for (long queries = 1; queries <= 5; queries++)
        for (int c = 0; c < 10; c += 3) {
            attend_group_case(queries, counts[c][0], counts[c][1], 64, 192);
            attend_group_case(queries, counts[c + 1 < 10 ? c + 1 : c][0], counts[c + 1 < 10 ? c + 1 : c][1], 20, 20);
            attend_group_case(queries, counts[9 - c][0], counts[9 - c][1], 100, 164);
        }

    if (failures) {
        fprintf(stderr, "%d case(s) differ between paths\n", failures);
        return 1;
    }
    fprintf(stderr, "every path gives the portable path's bits\n");
    return 0;
}
