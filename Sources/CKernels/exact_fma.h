#ifndef RLVR_EXACT_FMA_H
#define RLVR_EXACT_FMA_H
/*
 * a·b + c rounded once to float, for CPUs without an FMA instruction (where fmaf would be a slow
 * libm call per element). The product of two floats is exact in double (24 + 24 ≤ 53 bits); the sum
 * is rounded to double with round-to-odd (an inexact result gets its last bit set, using the exact
 * TwoSum error), and rounding a round-to-odd value with p ≥ 24 + 2 bits to float is correct
 * (Boldo & Melquiond, "Emulation of FMA and correctly rounded sums", IEEE Trans. Computers 2008).
 * Plain arithmetic and integer operations only, so the compiler can vectorise the loops around it.
 */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif
#include <stdint.h>
#include <string.h>

static inline float rlvr_exact_fmaf(float a, float b, float c) {
    double p = (double)a * (double)b;              /* exact */
    double cd = (double)c;
    double s = p + cd;                             /* rounded to nearest double */
    double bv = s - p;                             /* TwoSum (Knuth): s + err = p + c exactly */
    double err = (p - (s - bv)) + (cd - bv);
    uint64_t bits;
    memcpy(&bits, &s, sizeof bits);
    /* inexact, finite and even: step one place towards the exact value (makes the last bit odd).
       Written without branches so that loops around it vectorise. */
    uint64_t adjust = (uint64_t)(err != 0.0) & (uint64_t)(s - s == 0.0) & (~bits & 1u);
    uint64_t up = (uint64_t)((err > 0.0) == (s > 0.0));
    bits += adjust * (up * 2u - 1u);
    memcpy(&s, &bits, sizeof bits);
    return (float)s;
}

#endif
