/* x86 CPUs with FMA: the same canonical C as the portable path, compiled with the FMA instruction
   (and whatever vector instructions the compiler finds for the 16-lane loops). Used for the
   portable path whenever the CPU has FMA, so forcing the portable path is never a libm call per
   element. */
#if defined(__x86_64__)
#include "kernel_table.h"

#define RLVR_TARGET __attribute__((target("fma")))
#define RLVR_FMA(a, b, c) __builtin_fmaf(a, b, c)
#include "scalar_kernels.h"

const rlvr_kernel_table rlvr_portable_fma_table = RLVR_SCALAR_TABLE(RLVR_PATH_PORTABLE_FMA);
#endif
