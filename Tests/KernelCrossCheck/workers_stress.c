/*
 * The worker pool (Sources/CWorkers) under stress: one caller thread, then four at once, submit jobs
 * of 1–64 chunks, some of whose chunks start jobs of their own, 25,000 jobs in all; every chunk of
 * every job must run exactly once. Built natively and for aarch64 under qemu-user by scripts/cross_check_kernels.sh.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "workers.h"

enum { CALLERS = 4, JOBS_PER_CALLER = 5000, MAX_CHUNKS = 64 };

typedef struct {
    _Atomic int runs[MAX_CHUNKS];
    int nested;
} job;

static _Atomic long failures;

static void inner_task(void *context, long chunk) {
    atomic_fetch_add((_Atomic int *)context + chunk, 1);
}

static void task(void *context, long chunk) {
    job *j = context;
    atomic_fetch_add(&j->runs[chunk], 1);
    if (j->nested && chunk % 7 == 0) {
        _Atomic int inner[5] = {0};
        rlvr_workers_run(5, inner_task, (void *)inner);
        for (int c = 0; c < 5; c++)
            if (atomic_load(&inner[c]) != 1) atomic_fetch_add(&failures, 1);
    }
}

static void *caller(void *argument) {
    unsigned seed = (unsigned)(long)argument * 2654435761u + 1;
    for (int n = 0; n < JOBS_PER_CALLER; n++) {
        seed = seed * 1103515245u + 12345u;
        long chunks = 1 + (long)((seed >> 16) % MAX_CHUNKS);
        job j = {.nested = (seed >> 8) % 4 == 0};
        for (int c = 0; c < MAX_CHUNKS; c++) atomic_init(&j.runs[c], 0);
        rlvr_workers_run(chunks, task, &j);
        for (long c = 0; c < MAX_CHUNKS; c++)
            if (atomic_load(&j.runs[c]) != (c < chunks ? 1 : 0)) atomic_fetch_add(&failures, 1);
    }
    return NULL;
}

int main(void) {
    caller((void *)99);   /* alone: every job goes through the workers */
    pthread_t threads[CALLERS];
    for (long t = 0; t < CALLERS; t++) pthread_create(&threads[t], NULL, caller, (void *)t);
    for (int t = 0; t < CALLERS; t++) pthread_join(threads[t], NULL);
    long bad = atomic_load(&failures);
    fprintf(stderr, "worker pool: %d jobs from one thread, then %d threads; %d workers started: %s\n", (CALLERS + 1) * JOBS_PER_CALLER,
            CALLERS, rlvr_workers_started(), bad ? "FAILED" : "every chunk ran exactly once");
    return bad ? 1 : 0;
}
