#define _GNU_SOURCE
#include "message_passing.h"

#include <mpi.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

int rlvr_online_cpu_count(void) {
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    return online > 0 ? (int)online : 1;
}

int rlvr_allowed_cpu_count(void) {
#ifdef __linux__
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        int count = CPU_COUNT(&set);
        if (count > 0) return count;
    }
#endif
    return rlvr_online_cpu_count();
}

int rlvr_mpi_init(int *rank, int *size, int *local_size) {
    int provided = 0;
    int status = MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided);
    if (status != MPI_SUCCESS) return status;
    if (provided < MPI_THREAD_FUNNELED) return MPI_ERR_OTHER;
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_rank(MPI_COMM_WORLD, rank);
    MPI_Comm_size(MPI_COMM_WORLD, size);
    MPI_Comm node;
    status = MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, *rank, MPI_INFO_NULL, &node);
    if (status != MPI_SUCCESS) return status;
    MPI_Comm_size(node, local_size);
    MPI_Comm_free(&node);
    return MPI_SUCCESS;
}

int rlvr_mpi_finalize(void) { return MPI_Finalize(); }

void rlvr_mpi_abort(int code) { MPI_Abort(MPI_COMM_WORLD, code); }

void rlvr_mpi_error_string(int code, char *text, int capacity) {
    char buffer[MPI_MAX_ERROR_STRING];
    int length = 0;
    if (MPI_Error_string(code, buffer, &length) != MPI_SUCCESS) length = 0;
    buffer[length < MPI_MAX_ERROR_STRING ? length : MPI_MAX_ERROR_STRING - 1] = 0;
    if (capacity > 0) {
        strncpy(text, buffer, (size_t)capacity - 1);
        text[capacity - 1] = 0;
    }
}

int rlvr_mpi_split(int color, int key, rlvr_comm *out) {
    MPI_Comm comm;
    int status = MPI_Comm_split(MPI_COMM_WORLD, color, key, &comm);
    if (status != MPI_SUCCESS) return status;
    MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN);
    *out = (rlvr_comm)comm;
    return MPI_SUCCESS;
}

int rlvr_mpi_allreduce_sum_float(rlvr_comm comm, float *values, size_t count) {
    const size_t slice = (size_t)1 << 28;
    for (size_t start = 0; start < count; start += slice) {
        size_t n = count - start < slice ? count - start : slice;
        int status = MPI_Allreduce(MPI_IN_PLACE, values + start, (int)n, MPI_FLOAT, MPI_SUM, (MPI_Comm)comm);
        if (status != MPI_SUCCESS) return status;
    }
    return MPI_SUCCESS;
}

int rlvr_mpi_broadcast_float(rlvr_comm comm, float *values, size_t count, int root) {
    const size_t slice = (size_t)1 << 28;
    for (size_t start = 0; start < count; start += slice) {
        size_t n = count - start < slice ? count - start : slice;
        int status = MPI_Bcast(values + start, (int)n, MPI_FLOAT, root, (MPI_Comm)comm);
        if (status != MPI_SUCCESS) return status;
    }
    return MPI_SUCCESS;
}

int rlvr_mpi_allgather_int64(int64_t value, int64_t *all) {
    return MPI_Allgather(&value, 1, MPI_INT64_T, all, 1, MPI_INT64_T, MPI_COMM_WORLD);
}

int rlvr_mpi_allgatherv_bytes(const void *send, int count, void *receive, const int *counts, const int *offsets) {
    return MPI_Allgatherv(send, count, MPI_BYTE, receive, counts, offsets, MPI_BYTE, MPI_COMM_WORLD);
}

int rlvr_mpi_broadcast_bytes(void *bytes, size_t count, int root) {
    const size_t slice = (size_t)1 << 30;
    for (size_t start = 0; start < count; start += slice) {
        size_t n = count - start < slice ? count - start : slice;
        int status = MPI_Bcast((char *)bytes + start, (int)n, MPI_BYTE, root, MPI_COMM_WORLD);
        if (status != MPI_SUCCESS) return status;
    }
    return MPI_SUCCESS;
}

int rlvr_mpi_barrier(void) { return MPI_Barrier(MPI_COMM_WORLD); }
