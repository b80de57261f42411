/* The portable path: the canonical kernels (scalar_kernels.h) compiled for the baseline CPU. Where
   the baseline has a fused multiply-add instruction (aarch64, or x86 built with FMA) fmaf compiles to
   it; otherwise (x86-64 baseline) it is computed exactly in software rather than by a libm call. */
#include "exact_fma.h"
#include "ckernels.h"
#include "kernel_table.h"

#if defined(__FP_FAST_FMAF)
#define RLVR_FMA(a, b, c) __builtin_fmaf(a, b, c)
#else
#define RLVR_FMA(a, b, c) rlvr_exact_fmaf(a, b, c)
#endif
#define RLVR_TARGET
#include "scalar_kernels.h"

const rlvr_kernel_table rlvr_portable_table = RLVR_SCALAR_TABLE(RLVR_PATH_PORTABLE);

float rlvr_exact_fma(float a, float b, float c) { return rlvr_exact_fmaf(a, b, c); }
