/* The engine's worker threads (see workers.h). */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "workers.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
static inline void cpu_relax(void) { _mm_pause(); }
#elif defined(__aarch64__)
static inline void cpu_relax(void) { __asm__ __volatile__("yield"); }
#else
static inline void cpu_relax(void) {}
#endif

enum { MAX_CHUNKS = 255, MAX_WORKERS = MAX_CHUNKS - 1 };

/* The current job, published in one word so that a worker can never pair one job's chunk count
   with another's: generation (48 bits) | chunks (8 bits) | next unclaimed chunk (8 bits). A chunk
   is claimed by a compare-and-swap of this word; task and context are written before the word is
   published and stay valid until every claimed chunk has finished. */
static _Atomic uint64_t cursor;
static rlvr_chunk_task job_task;
static void *job_context;
static _Atomic long job_remaining;

static inline uint64_t generation_of(uint64_t v) { return v >> 16; }
static inline long chunks_of(uint64_t v) { return (long)((v >> 8) & 0xff); }
static inline long next_of(uint64_t v) { return (long)(v & 0xff); }

static pthread_mutex_t run_lock = PTHREAD_MUTEX_INITIALIZER;   /* one job at a time */
static pthread_mutex_t sleep_lock = PTHREAD_MUTEX_INITIALIZER;

/* Worker i (1-based: the caller is 0) takes part in jobs of more than i chunks and sleeps on its own
   condition variable, so a two-chunk job never wakes the workers a 64-chunk job once needed. */
typedef struct {
    pthread_cond_t wake;
    _Atomic int sleeping;
    uint64_t start_generation;   /* the generation before the job that started this worker */
} worker_slot;

static worker_slot slots[MAX_WORKERS + 1];
static _Atomic long spin_nanoseconds = 100000;
static _Atomic int started;        /* workers 1...started exist; written under run_lock */
static int start_failed;           /* pthread_create failed once: do not retry (under run_lock) */
static long allowed_cpus;          /* written under run_lock before the first worker starts */
static _Thread_local int inside_job;

void rlvr_workers_set_spin(long microseconds) {
    long clamped = microseconds < 0 ? 0 : microseconds > 10000000 ? 10000000 : microseconds;   /* at most 10 s */
    atomic_store(&spin_nanoseconds, clamped * 1000);
}

int rlvr_workers_started(void) { return atomic_load(&started); }

/* Claims and runs chunks of `generation` until none are left. */
static void take_chunks(uint64_t generation) {
    uint64_t v = atomic_load_explicit(&cursor, memory_order_acquire);
    for (;;) {
        if (generation_of(v) != generation || next_of(v) >= chunks_of(v)) return;
        if (!atomic_compare_exchange_weak_explicit(&cursor, &v, v + 1, memory_order_acq_rel, memory_order_acquire)) continue;
        job_task(job_context, next_of(v));
        atomic_fetch_sub_explicit(&job_remaining, 1, memory_order_release);
        v = atomic_load_explicit(&cursor, memory_order_acquire);
    }
}

static long elapsed_nanoseconds(const struct timespec *start) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - start->tv_sec) * 1000000000L + (now.tv_nsec - start->tv_nsec);
}

/* A job for worker `index`: a generation other than `seen` with more than `index` chunks. */
static inline int is_for(uint64_t v, uint64_t seen, int index) {
    return generation_of(v) != seen && chunks_of(v) > index;
}

/* Waits for a job for worker `index`: spins (yielding the core after a quarter of the time, and not
   at all when this worker would oversubscribe the CPUs), then sleeps until the caller signals it. */
static uint64_t wait_for_job(int index, uint64_t seen) {
    long limit = index + 1 > allowed_cpus ? 0 : atomic_load_explicit(&spin_nanoseconds, memory_order_relaxed);
    if (limit > 0) {
        struct timespec start;
        clock_gettime(CLOCK_MONOTONIC, &start);
        for (;;) {
            for (int i = 0; i < 64; i++) {
                uint64_t v = atomic_load_explicit(&cursor, memory_order_acquire);
                if (is_for(v, seen, index)) return v;
                cpu_relax();
            }
            long elapsed = elapsed_nanoseconds(&start);
            if (elapsed > limit) break;
            if (elapsed > limit / 4) sched_yield();
        }
    }
    worker_slot *slot = &slots[index];
    pthread_mutex_lock(&sleep_lock);
    atomic_store_explicit(&slot->sleeping, 1, memory_order_seq_cst);
    uint64_t v;
    while (!is_for(v = atomic_load_explicit(&cursor, memory_order_seq_cst), seen, index)) pthread_cond_wait(&slot->wake, &sleep_lock);
    atomic_store_explicit(&slot->sleeping, 0, memory_order_relaxed);
    pthread_mutex_unlock(&sleep_lock);
    return v;
}

static void *worker_main(void *argument) {
    int index = (int)(intptr_t)argument;
    inside_job = 1;   /* a job's task that starts a job of its own runs it serially */
    uint64_t seen = slots[index].start_generation;   /* so the job that started it is not missed */
    for (;;) {
        seen = generation_of(wait_for_job(index, seen));
        take_chunks(seen);
    }
    return NULL;
}

static long count_allowed_cpus(void) {
#if defined(__linux__)
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) return CPU_COUNT(&set);
#endif
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    return online > 0 ? online : 1;
}

/* Starts workers up to `count` (called under run_lock, before the job is published). A thread that
   cannot be started is simply not there: the caller then runs more of the chunks itself, and no
   further thread is attempted. */
static void ensure_workers(long count) {
    if (allowed_cpus == 0) allowed_cpus = count_allowed_cpus();
    while (!start_failed && atomic_load(&started) < count && atomic_load(&started) < MAX_WORKERS) {
        int index = atomic_load(&started) + 1;
        pthread_cond_init(&slots[index].wake, NULL);
        slots[index].start_generation = generation_of(atomic_load(&cursor));
        pthread_t thread;
        pthread_attr_t attributes;
        pthread_attr_init(&attributes);
        pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
        int failed = pthread_create(&thread, &attributes, worker_main, (void *)(intptr_t)index);
        pthread_attr_destroy(&attributes);
        if (failed) {
            pthread_cond_destroy(&slots[index].wake);
            start_failed = 1;
            return;
        }
        atomic_store(&started, index);
    }
}

int rlvr_workers_run(long chunks, rlvr_chunk_task task, void *context) {
    if (chunks <= 0) return 0;
    if (chunks == 1 || chunks > MAX_CHUNKS || inside_job || pthread_mutex_trylock(&run_lock) != 0) {
        int was_inside = inside_job;
        inside_job = 1;
        for (long c = 0; c < chunks; c++) task(context, c);
        inside_job = was_inside;
        return 1;
    }
    ensure_workers(chunks - 1);
    job_task = task;
    job_context = context;
    atomic_store_explicit(&job_remaining, chunks, memory_order_relaxed);
    uint64_t generation = generation_of(atomic_load_explicit(&cursor, memory_order_relaxed)) + 1;
    atomic_store_explicit(&cursor, generation << 16 | (uint64_t)chunks << 8, memory_order_seq_cst);
    long helpers = chunks - 1 < atomic_load(&started) ? chunks - 1 : atomic_load(&started);
    for (long i = 1; i <= helpers; i++) {
        if (atomic_load_explicit(&slots[i].sleeping, memory_order_seq_cst)) {
            pthread_mutex_lock(&sleep_lock);
            pthread_cond_signal(&slots[i].wake);
            pthread_mutex_unlock(&sleep_lock);
        }
    }
    inside_job = 1;
    take_chunks(generation);
    inside_job = 0;
    while (atomic_load_explicit(&job_remaining, memory_order_acquire) > 0) cpu_relax();
    pthread_mutex_unlock(&run_lock);
    return (int)helpers + 1;
}
