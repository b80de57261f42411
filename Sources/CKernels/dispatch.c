/* Which path runs: detected once from the CPU (or RLVR_KERNELS), switchable for tests. */
#include <ctype.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckernels.h"
#include "kernel_table.h"

static const char *const path_names[RLVR_PATH_COUNT] = {"portable", "portable-fma", "avx2", "avx512", "neon"};

/* ---- what the CPU has ---- */

typedef struct {
    int fma, avx2, avx512f, neon;
    char model[128];
    char features[96];
} cpu_info;

static cpu_info cpu;
static pthread_once_t cpu_once = PTHREAD_ONCE_INIT;

/* The first "key : value" line of /proc/cpuinfo with this key, or "" (Linux only). */
static void cpuinfo_value(const char *key, char *out, size_t size) {
    out[0] = 0;
    FILE *file = fopen("/proc/cpuinfo", "r");
    if (!file) return;
    char line[512];
    size_t length = strlen(key);
    while (fgets(line, sizeof line, file)) {
        if (strncmp(line, key, length) != 0) continue;
        char *colon = strchr(line + length, ':');
        if (!colon) continue;
        char *value = colon + 1;
        while (*value == ' ' || *value == '\t') value++;
        size_t n = strcspn(value, "\n");
        if (n >= size) n = size - 1;
        memcpy(out, value, n);
        out[n] = 0;
        break;
    }
    fclose(file);
}

#if defined(__x86_64__)
#include <cpuid.h>

static void detect_x86(void) {
    __builtin_cpu_init();
    cpu.fma = __builtin_cpu_supports("fma");
    cpu.avx2 = __builtin_cpu_supports("avx2");
    cpu.avx512f = __builtin_cpu_supports("avx512f");
    unsigned int brand[12] = {0}, eax, ebx, ecx, edx;
    if (__get_cpuid(0x80000000u, &eax, &ebx, &ecx, &edx) && eax >= 0x80000004u) {
        for (unsigned int leaf = 0; leaf < 3; leaf++)
            __get_cpuid(0x80000002u + leaf, &brand[4 * leaf], &brand[4 * leaf + 1], &brand[4 * leaf + 2], &brand[4 * leaf + 3]);
    }
    char name[49] = {0};
    memcpy(name, brand, 48);
    char *start = name;
    while (*start == ' ') start++;
    size_t n = strlen(start);
    while (n > 0 && start[n - 1] == ' ') start[--n] = 0;
    unsigned int family = 0, model = 0;
    if (__get_cpuid(1, &eax, &ebx, &ecx, &edx)) {
        family = (eax >> 8) & 0xf;
        model = (eax >> 4) & 0xf;
        if (family == 0xf) family += (eax >> 20) & 0xff;
        if (family >= 6) model += ((eax >> 16) & 0xf) << 4;
    }
    snprintf(cpu.model, sizeof cpu.model, "%s (family %u, model %u)", *start ? start : "x86-64", family, model);
    snprintf(cpu.features, sizeof cpu.features, "%s%s%s%s", cpu.avx512f ? "avx512f " : "", cpu.avx2 ? "avx2 " : "",
             cpu.fma ? "fma " : "", __builtin_cpu_supports("avx") ? "avx" : "sse2 (no avx)");
}
#endif

#if defined(__aarch64__)
static const char *arm_part_name(unsigned long implementer, unsigned long part) {
    if (implementer == 0x41) {
        switch (part) {
        case 0xd08: return "Cortex-A72";
        case 0xd0b: return "Cortex-A76";
        case 0xd0c: return "Neoverse-N1";
        case 0xd40: return "Neoverse-V1";
        case 0xd49: return "Neoverse-N2";
        case 0xd4f: return "Neoverse-V2";
        case 0xd8e: return "Neoverse-N3";
        case 0xd84: return "Neoverse-V3";
        }
    }
    if (implementer == 0xc0 && part == 0xac3) return "Ampere-1";
    if (implementer == 0x61) return "Apple";
    return NULL;
}

static void detect_arm(void) {
    cpu.neon = 1; /* Advanced SIMD is part of every AArch64 CPU */
    cpu.fma = 1;
    char implementer[32], part[32];
    cpuinfo_value("CPU implementer", implementer, sizeof implementer);
    cpuinfo_value("CPU part", part, sizeof part);
    unsigned long i = strtoul(implementer, NULL, 0), p = strtoul(part, NULL, 0);
    const char *name = arm_part_name(i, p);
    if (implementer[0])
        snprintf(cpu.model, sizeof cpu.model, "%s (implementer %s, part %s)", name ? name : "AArch64", implementer, part);
    else
        snprintf(cpu.model, sizeof cpu.model, "AArch64");
    snprintf(cpu.features, sizeof cpu.features, "neon fma");
}
#endif

static void detect_cpu(void) {
#if defined(__x86_64__)
    detect_x86();
#elif defined(__aarch64__)
    detect_arm();
#else
    snprintf(cpu.features, sizeof cpu.features, "none of the SIMD paths");
#endif
    char name[128];
    cpuinfo_value("model name", name, sizeof name);
    if (name[0] && strncmp(cpu.model, name, strlen(name)) != 0) {
        /* /proc/cpuinfo's name (it may name the part better than the brand string does) */
        char merged[128];
        snprintf(merged, sizeof merged, "%s", name);
        const char *detail = strchr(cpu.model, '(');
        if (detail) snprintf(merged, sizeof merged, "%s %s", name, detail);
        memcpy(cpu.model, merged, sizeof merged);
    }
    if (!cpu.model[0]) snprintf(cpu.model, sizeof cpu.model, "unknown CPU");
}

static const cpu_info *cpu_get(void) {
    pthread_once(&cpu_once, detect_cpu);
    return &cpu;
}

const char *rlvr_cpu_model_name(void) { return cpu_get()->model; }
const char *rlvr_cpu_features(void) { return cpu_get()->features; }

/* ---- paths ---- */

static const rlvr_kernel_table *table_of(rlvr_kernel_path path) {
    const cpu_info *c = cpu_get();
    switch (path) {
    case RLVR_PATH_PORTABLE: return &rlvr_portable_table;
#if defined(__x86_64__)
    case RLVR_PATH_PORTABLE_FMA: return c->fma ? &rlvr_portable_fma_table : NULL;
    case RLVR_PATH_AVX2: return c->avx2 && c->fma ? &rlvr_avx2_table : NULL;
    case RLVR_PATH_AVX512: return c->avx512f && c->avx2 && c->fma ? &rlvr_avx512_table : NULL;
#endif
#if defined(__aarch64__)
    case RLVR_PATH_NEON: return c->neon ? &rlvr_neon_table : NULL;
#endif
    default: (void)c; return NULL;
    }
}

int rlvr_kernels_path_available(rlvr_kernel_path path) {
    return path >= 0 && path < RLVR_PATH_COUNT && table_of(path) != NULL;
}

const char *rlvr_kernels_path_name(rlvr_kernel_path path) {
    return path >= 0 && path < RLVR_PATH_COUNT ? path_names[path] : "unknown";
}

/* The portable path as the user names it: with the FMA instruction when the CPU has one. */
static rlvr_kernel_path portable_path(void) {
    return rlvr_kernels_path_available(RLVR_PATH_PORTABLE_FMA) ? RLVR_PATH_PORTABLE_FMA : RLVR_PATH_PORTABLE;
}

static rlvr_kernel_path fastest_path(void) {
    static const rlvr_kernel_path order[] = {RLVR_PATH_AVX512, RLVR_PATH_AVX2, RLVR_PATH_NEON};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        if (rlvr_kernels_path_available(order[i])) return order[i];
    return portable_path();
}

static _Atomic(const rlvr_kernel_table *) active_table;
static _Atomic int fell_back;
static pthread_once_t configure_once = PTHREAD_ONCE_INIT;

int rlvr_kernels_select(rlvr_kernel_path path) {
    const rlvr_kernel_table *table = rlvr_kernels_path_available(path) ? table_of(path) : NULL;
    if (!table) return -1;
    atomic_store(&active_table, table);
    atomic_store(&fell_back, 0);
    return 0;
}

/* The path RLVR_KERNELS names (or the fastest one), or −1 with a message. */
static int path_from_environment(rlvr_kernel_path *chosen, int *automatic, char *message, long size) {
    const char *setting = getenv("RLVR_KERNELS");
    char value[32] = {0};
    for (size_t i = 0; setting && setting[i] && i + 1 < sizeof value; i++) value[i] = (char)tolower((unsigned char)setting[i]);
    rlvr_kernel_path path;
    *automatic = 0;
    if (!setting || !value[0] || strcmp(value, "auto") == 0) {
        path = fastest_path();
        *automatic = 1;
    } else if (strcmp(value, "portable") == 0) {
        path = portable_path();
    } else {
        path = RLVR_PATH_COUNT;
        for (int p = RLVR_PATH_PORTABLE_FMA + 1; p < RLVR_PATH_COUNT; p++)
            if (strcmp(value, path_names[p]) == 0) path = (rlvr_kernel_path)p;
        if (path == RLVR_PATH_COUNT) {
            if (message && size > 0)
                snprintf(message, (size_t)size, "RLVR_KERNELS=%s: unknown kernel path (expected avx512, avx2, neon, portable or auto)", setting);
            return -1;
        }
        if (!rlvr_kernels_path_available(path)) {
            if (message && size > 0) {
                char available[64] = "";
                for (int p = RLVR_PATH_COUNT - 1; p > RLVR_PATH_PORTABLE_FMA; p--)
                    if (rlvr_kernels_path_available((rlvr_kernel_path)p)) {
                        strcat(available, path_names[p]);
                        strcat(available, ", ");
                    }
                strcat(available, "portable");
                snprintf(message, (size_t)size, "RLVR_KERNELS=%s: this CPU (%s; found: %s) cannot run the %s path; available here: %s",
                         setting, rlvr_cpu_model_name(), rlvr_cpu_features(), path_names[path], available);
            }
            return -1;
        }
    }
    *chosen = path;
    if (message && size > 0) message[0] = 0;
    return 0;
}

static int is_portable(rlvr_kernel_path path) { return path == RLVR_PATH_PORTABLE || path == RLVR_PATH_PORTABLE_FMA; }

int rlvr_kernels_configure_from_environment(char *message, long size) {
    rlvr_kernel_path path;
    int automatic;
    if (path_from_environment(&path, &automatic, message, size) != 0) return -1;
    rlvr_kernels_select(path);
    atomic_store(&fell_back, automatic && is_portable(path));
    return 0;
}

/* First use: RLVR_KERNELS or the fastest path, unless a path was selected meanwhile. A bad setting
   cannot be ignored (the user asked for a path this process cannot run); the command-line tool
   reports it before any kernel runs, and other programs stop here with the same message. */
static void configure_on_first_use(void) {
    char message[512];
    rlvr_kernel_path path;
    int automatic;
    if (path_from_environment(&path, &automatic, message, sizeof message) != 0) {
        if (atomic_load(&active_table)) return;
        fprintf(stderr, "rlvr: error: %s\n", message);
        exit(2);
    }
    const rlvr_kernel_table *expected = NULL;
    if (atomic_compare_exchange_strong(&active_table, &expected, table_of(path)))
        atomic_store(&fell_back, automatic && is_portable(path));
}

static inline const rlvr_kernel_table *active(void) {
    const rlvr_kernel_table *table = atomic_load_explicit(&active_table, memory_order_acquire);
    if (__builtin_expect(table != NULL, 1)) return table;
    pthread_once(&configure_once, configure_on_first_use);
    return atomic_load(&active_table);
}

rlvr_kernel_path rlvr_kernels_active_path(void) { return active()->path; }

int rlvr_kernels_fell_back_to_portable(void) {
    active();
    return atomic_load(&fell_back);
}

/* ---- kernels on the active path ---- */

void rlvr_linear_forward(const float *x, const float *w, float *y, long M, long N, long K, long ldy) {
    active()->linear_forward(x, w, y, M, N, K, ldy);
}

void rlvr_dots(const float *q, const float *keys, long ldk, long count, long K, float *out) {
    active()->dots(q, keys, ldk, count, K, out);
}

float rlvr_dot(const float *a, const float *b, long K) { return active()->dot(a, b, K); }

float rlvr_exp(float x) {
    float y;
    active()->exp_many(&x, &y, 1);
    return y;
}

float rlvr_log(float x) { return active()->log(x); }

float rlvr_attend_segments(const float *q, const float *keys1, const float *values1, long ld1, long count1,
                           const float *keys2, const float *values2, long ld2, long count2, long head_dim,
                           float scale, float *scores, float *out) {
    return active()->attend_segments(q, keys1, values1, ld1, count1, keys2, values2, ld2, count2, head_dim, scale, scores, out);
}

float rlvr_attend(const float *q, const float *keys, const float *values, long ld, long count, long head_dim,
                  float scale, float *scores, float *out) {
    return active()->attend_segments(q, keys, values, ld, count, keys, values, ld, 0, head_dim, scale, scores, out);
}

/* The table's grouped kernel, or its single-query one once per query. */
static void attend_group_on(const rlvr_kernel_table *t, const float *q, long queries, const float *keys1, const float *values1,
                            long ld1, long count1, const float *keys2, const float *values2, long ld2, long count2,
                            long head_dim, float scale, float *scores, float *out, float *lse) {
    if (t->attend_group) {
        t->attend_group(q, queries, keys1, values1, ld1, count1, keys2, values2, ld2, count2, head_dim, scale, scores, out, lse);
        return;
    }
    for (long i = 0; i < queries; i++)
        lse[i] = t->attend_segments(q + i * head_dim, keys1, values1, ld1, count1, keys2, values2, ld2, count2, head_dim, scale,
                                    scores, out + i * head_dim);
}

void rlvr_attend_group(const float *q, long queries, const float *keys1, const float *values1, long ld1, long count1,
                       const float *keys2, const float *values2, long ld2, long count2, long head_dim, float scale,
                       float *scores, float *out, float *lse) {
    attend_group_on(active(), q, queries, keys1, values1, ld1, count1, keys2, values2, ld2, count2, head_dim, scale, scores, out, lse);
}

void rlvr_attention_backward(const float *q, const float *k, const float *v, const float *out, const float *dout,
                             const float *lse, float *dq, float *dk, float *dv, long length, long ldq, long ldkv,
                             long head_dim, float scale, float *scratch) {
    active()->attention_backward(q, k, v, out, dout, lse, dq, dk, dv, length, ldq, ldkv, head_dim, scale, scratch);
}

void rlvr_vocabulary_gradient_row(float *z, long n, float log_z, float g, float g_entropy, float entropy) {
    active()->vocabulary_gradient_row(z, n, log_z, g, g_entropy, entropy);
}

void rlvr_silu_mul(const float *g, const float *u, float *h, long n) { active()->silu_mul(g, u, h, n); }

void rlvr_silu_mul_backward(const float *g, const float *u, const float *dh, float *dg, float *du, long n) {
    active()->silu_mul_backward(g, u, dh, dg, du, n);
}

void rlvr_online_softmax_update(const float *z, long n, float *m, float *s, float *a) {
    active()->online_softmax_update(z, n, m, s, a);
}

/* ---- kernels on a named path (tests) ---- */

#define ON_PATH(path, call)                                                              \
    do {                                                                                 \
        const rlvr_kernel_table *t = rlvr_kernels_path_available(path) ? table_of(path) : NULL; \
        if (!t) return 0;                                                                \
        t->call;                                                                         \
        return 1;                                                                        \
    } while (0)

int rlvr_path_linear_forward(rlvr_kernel_path path, const float *x, const float *w, float *y, long M, long N, long K, long ldy) {
    ON_PATH(path, linear_forward(x, w, y, M, N, K, ldy));
}

int rlvr_path_dots(rlvr_kernel_path path, const float *q, const float *keys, long ldk, long count, long K, float *out) {
    ON_PATH(path, dots(q, keys, ldk, count, K, out));
}

int rlvr_path_attend_segments(rlvr_kernel_path path, const float *q, const float *keys1, const float *values1, long ld1,
                              long count1, const float *keys2, const float *values2, long ld2, long count2,
                              long head_dim, float scale, float *scores, float *out, float *lse) {
    const rlvr_kernel_table *t = rlvr_kernels_path_available(path) ? table_of(path) : NULL;
    if (!t) return 0;
    float value = t->attend_segments(q, keys1, values1, ld1, count1, keys2, values2, ld2, count2, head_dim, scale, scores, out);
    if (lse) *lse = value;
    return 1;
}

int rlvr_path_attend_group(rlvr_kernel_path path, const float *q, long queries, const float *keys1, const float *values1,
                           long ld1, long count1, const float *keys2, const float *values2, long ld2, long count2,
                           long head_dim, float scale, float *scores, float *out, float *lse) {
    const rlvr_kernel_table *t = rlvr_kernels_path_available(path) ? table_of(path) : NULL;
    if (!t) return 0;
    attend_group_on(t, q, queries, keys1, values1, ld1, count1, keys2, values2, ld2, count2, head_dim, scale, scores, out, lse);
    return 1;
}

int rlvr_path_attention_backward(rlvr_kernel_path path, const float *q, const float *k, const float *v, const float *out,
                                 const float *dout, const float *lse, float *dq, float *dk, float *dv, long length,
                                 long ldq, long ldkv, long head_dim, float scale, float *scratch) {
    ON_PATH(path, attention_backward(q, k, v, out, dout, lse, dq, dk, dv, length, ldq, ldkv, head_dim, scale, scratch));
}

int rlvr_path_vocabulary_gradient_row(rlvr_kernel_path path, float *z, long n, float log_z, float g, float g_entropy, float entropy) {
    ON_PATH(path, vocabulary_gradient_row(z, n, log_z, g, g_entropy, entropy));
}

int rlvr_path_silu_mul(rlvr_kernel_path path, const float *g, const float *u, float *h, long n) {
    ON_PATH(path, silu_mul(g, u, h, n));
}

int rlvr_path_silu_mul_backward(rlvr_kernel_path path, const float *g, const float *u, const float *dh, float *dg, float *du, long n) {
    ON_PATH(path, silu_mul_backward(g, u, dh, dg, du, n));
}

int rlvr_path_online_softmax_update(rlvr_kernel_path path, const float *z, long n, float *m, float *s, float *a) {
    ON_PATH(path, online_softmax_update(z, n, m, s, a));
}

int rlvr_path_exp(rlvr_kernel_path path, const float *x, float *y, long n) { ON_PATH(path, exp_many(x, y, n)); }

int rlvr_path_log(rlvr_kernel_path path, const float *x, float *y, long n) {
    const rlvr_kernel_table *t = rlvr_kernels_path_available(path) ? table_of(path) : NULL;
    if (!t) return 0;
    for (long i = 0; i < n; i++) y[i] = t->log(x[i]);
    return 1;
}
