#ifndef RLVR_WORKERS_H
#define RLVR_WORKERS_H
/*
 * The engine's worker threads: runs `chunks` pieces of one job in parallel, the caller taking part.
 *
 * Workers wait for the next job by spinning briefly (so the many short parallel regions of a
 * decoding step hand off in about a microsecond instead of a thread wake-up), then sleep on a
 * condition variable. A job runs serially on the calling thread when the workers are busy with
 * another caller's job or when called from inside a job (nested parallelism): results never depend
 * on how a job is split, only its speed does.
 */
#ifdef __cplusplus
extern "C" {
#endif

typedef void (*rlvr_chunk_task)(void *context, long chunk);

/* Runs task(context, c) once for every c in 0..<chunks and returns when all have finished (more
   than 255 chunks run serially). Returns how many threads the job was offered to (1 when it ran serially). */
int rlvr_workers_run(long chunks, rlvr_chunk_task task, void *context);

/* How long an idle worker spins before it sleeps, in microseconds (default 100, at most 10 s; 0: sleep
   at once). Workers beyond the CPUs this process may use never spin. */
void rlvr_workers_set_spin(long microseconds);

/* Threads started so far (workers are started on demand and kept). */
int rlvr_workers_started(void);

#ifdef __cplusplus
}
#endif
#endif
