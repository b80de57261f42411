import COpenBLAS
import CWorkers

/// One thread budget and one thread pool for the whole engine. OpenBLAS itself always runs
/// single-threaded: matrix products are split across the pool by `Gemm.multiply` like every other
/// kernel, so OpenBLAS's own workers (which spin for a while after each call) never compete with the
/// pool for the cores. The pool (`Sources/CWorkers`) hands a job to its workers in about a
/// microsecond: idle workers spin for up to 100 µs before they sleep, because a decoding step is
/// hundreds of parallel regions of tens of microseconds each.
public enum ComputeThreads {
    nonisolated(unsafe) private static var current = 1

    public static var count: Int { current }

    /// "1 thread", "2 threads": for the lines runs log.
    public static var summary: String { "\(current) thread\(current == 1 ? "" : "s")" }

    /// OpenBLAS single-threaded from the first matrix product on, whether or not `configure` ran
    /// (OpenBLAS starts with one thread per core, and a product it splits itself may differ in the
    /// last bits from the same product unsplit). Swift runs this once, on first use, thread-safely.
    static let singleThreadedBLAS: Void = openblas_set_num_threads(1)

    /// The most threads `configure` allows: scratch buffers sized with it fit any setting.
    public static let maximum = 64

    /// Sets the budget (at least 1) for `parallelFor` and for the split matrix products.
    public static func configure(_ threads: Int) {
        current = min(maximum, max(1, threads))
        openblas_set_num_threads(1)
    }

    /// The BLAS library as built (core type, threading model, thread limit).
    public static var blasDescription: String {
        guard let text = openblas_get_config() else { return "OpenBLAS" }
        return String(cString: text)
    }
}

/// Runs `body(range)` over `count` items split into at most `ComputeThreads.count` contiguous chunks,
/// in parallel. Each item is handled by exactly one chunk, so results do not depend on the split as
/// long as `body` treats items independently.
public func parallelFor(_ count: Int, minimumChunk: Int = 1, _ body: (Range<Int>) -> Void) {
    parallelChunks(count, minimumChunk: minimumChunk) { _, range in body(range) }
}

/// As `parallelFor`, also passing the chunk's index (0 ..< ComputeThreads.count), so each chunk can
/// use its own slice of a scratch buffer.
public func parallelChunks(_ count: Int, minimumChunk: Int = 1, _ body: (_ chunk: Int, Range<Int>) -> Void) {
    guard count > 0 else { return }
    let chunks = min(ComputeThreads.count, max(1, count / max(1, minimumChunk)))
    if chunks == 1 {
        body(0, 0..<count)
        return
    }
    withoutActuallyEscaping(body) { body in
        var job = ChunkJob(body: body, count: count, chunks: chunks)
        withUnsafeMutablePointer(to: &job) { pointer in
            _ = rlvr_workers_run(chunks, runChunk, pointer)
        }
    }
}

/// One parallel region: `count` items split into `chunks` contiguous ranges.
private struct ChunkJob {
    let body: (_ chunk: Int, Range<Int>) -> Void
    let count: Int
    let chunks: Int
}

/// Runs chunk `chunk` of the `ChunkJob` at `context` (called by the worker threads).
private let runChunk: rlvr_chunk_task = { context, chunk in
    let job = context!.assumingMemoryBound(to: ChunkJob.self).pointee
    let index = Int(chunk)
    job.body(index, (job.count * index / job.chunks)..<(job.count * (index + 1) / job.chunks))
}
