import COpenBLAS
import Dispatch

/// One thread budget and one thread pool for the whole engine. OpenBLAS itself always runs
/// single-threaded: matrix products are split across the pool by `Gemm.multiply` like every other
/// kernel, so OpenBLAS's own workers (which spin for a while after each call) never compete with the
/// pool for the cores.
public enum ComputeThreads {
    nonisolated(unsafe) private static var current = 1

    public static var count: Int { current }

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
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let start = count * chunk / chunks
            let end = count * (chunk + 1) / chunks
            body(chunk, start..<end)
        }
    }
}
