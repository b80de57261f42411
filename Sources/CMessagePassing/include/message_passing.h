// The few MPI calls the engine makes, behind plain C types so Swift never sees <mpi.h>.
// Every function returns 0 on success or an MPI error code (the world communicator is set to
// return errors rather than abort, so the caller can say what failed before the job ends).
#ifndef RLVR_MESSAGE_PASSING_H
#define RLVR_MESSAGE_PASSING_H

#include <stddef.h>
#include <stdint.h>

/// An MPI communicator (MPI_Comm) as an opaque handle.
typedef void *rlvr_comm;

/// MPI_Init_thread (funneled: only the thread that initialised calls MPI); the world's rank and size
/// and the number of ranks on this node. Errors on the world communicator are returned, not fatal.
/// An MPI library that cannot give the funneled thread level is an error (MPI_ERR_OTHER).
int rlvr_mpi_init(int *rank, int *size, int *local_size);
int rlvr_mpi_finalize(void);
/// Ends every process of the job with `code` (MPI_Abort on the world communicator).
void rlvr_mpi_abort(int code);
/// The text of an MPI error code.
void rlvr_mpi_error_string(int code, char *text, int capacity);

/// CPUs this process may run on (its affinity mask: MPI launchers bind ranks to cores), and CPUs online.
int rlvr_allowed_cpu_count(void);
int rlvr_online_cpu_count(void);

/// MPI_Comm_split of the world: ranks with the same colour form a communicator, ordered by key.
int rlvr_mpi_split(int color, int key, rlvr_comm *out);

/// In-place MPI_Allreduce(MPI_SUM) of `count` floats over `comm`, in slices of at most 2^28.
int rlvr_mpi_allreduce_sum_float(rlvr_comm comm, float *values, size_t count);
/// MPI_Bcast of `count` floats from `root` (a rank of `comm`), in slices of at most 2^28.
int rlvr_mpi_broadcast_float(rlvr_comm comm, float *values, size_t count, int root);
/// MPI_Allgather of one 64-bit integer per rank over the world (`all` holds size entries).
int rlvr_mpi_allgather_int64(int64_t value, int64_t *all);
/// MPI_Allgatherv of bytes over the world: `counts`/`offsets` per rank, in bytes (each < 2^31).
int rlvr_mpi_allgatherv_bytes(const void *send, int count, void *receive, const int *counts, const int *offsets);
/// MPI_Bcast of `count` bytes from `root` over the world, in slices of at most 2^30.
int rlvr_mpi_broadcast_bytes(void *bytes, size_t count, int root);
int rlvr_mpi_barrier(void);

#endif
