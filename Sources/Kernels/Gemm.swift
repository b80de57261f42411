import COpenBLAS

/// Whether a matrix operand is used as stored or transposed.
public enum Transpose: Sendable {
    case none, transposed

    var cblas: CBLAS_TRANSPOSE { self == .none ? CblasNoTrans : CblasTrans }
}

/// The one path for every matrix product in the engine: row-major single-precision GEMM on OpenBLAS.
///
///     C[m×n] = alpha · op(A)[m×k] · op(B)[k×n] + beta · C
///
/// `A` is stored as m×k (or k×m when transposed), `B` as k×n (or n×k when transposed), all row-major
/// with tight leading dimensions. A product is 2·m·n·k floating-point operations.
public enum Gemm {
    public static func multiply(
        _ a: UnsafePointer<Float>, _ transposeA: Transpose,
        _ b: UnsafePointer<Float>, _ transposeB: Transpose,
        into c: UnsafeMutablePointer<Float>,
        m: Int, n: Int, k: Int,
        alpha: Float = 1, beta: Float = 0
    ) {
        precondition(m >= 0 && n >= 0 && k >= 0, "negative GEMM extent m=\(m) n=\(n) k=\(k)")
        if m == 0 || n == 0 { return }
        _ = ComputeThreads.singleThreadedBLAS
        let lda = transposeA == .none ? k : m
        let ldb = transposeB == .none ? n : k
        // C is cut into parts that depend on the shape alone, never on the thread count, and each part
        // is an ordinary single-threaded sgemm (never split along k). The cut must not follow the
        // thread count: OpenBLAS may compute a part with another kernel than the whole (on its Zen
        // kernels an 8 × 1536 × 576 product cut into two column halves differs from the uncut one in
        // 2,273 of 12,288 elements), which made a 2-thread run differ from a 1-thread run.
        let parts = partition(m: m, n: n, k: k)
        if parts.count == 1 {
            cblas_sgemm(CblasRowMajor, transposeA.cblas, transposeB.cblas,
                        Int32(m), Int32(n), Int32(k), alpha, a, Int32(max(lda, 1)), b, Int32(max(ldb, 1)), beta, c, Int32(n))
            return
        }
        parallelFor(parts.count, minimumChunk: 1) { range in
            for part in range {
                let extent = parts.byRows ? m : n
                let lower = part * extent / parts.count, upper = (part + 1) * extent / parts.count
                if parts.byRows {
                    // rows of op(A): row r starts at r·lda (not transposed) or at column r (transposed)
                    let aPart = transposeA == .none ? a + lower * lda : a + lower
                    cblas_sgemm(CblasRowMajor, transposeA.cblas, transposeB.cblas,
                                Int32(upper - lower), Int32(n), Int32(k), alpha, aPart, Int32(max(lda, 1)), b, Int32(max(ldb, 1)),
                                beta, c + lower * n, Int32(n))
                } else {
                    // columns of op(B): column j starts at column j (not transposed) or at row j·ldb (transposed)
                    let bPart = transposeB == .none ? b + lower : b + lower * ldb
                    cblas_sgemm(CblasRowMajor, transposeA.cblas, transposeB.cblas,
                                Int32(m), Int32(upper - lower), Int32(k), alpha, a, Int32(max(lda, 1)), bPart, Int32(max(ldb, 1)),
                                beta, c + lower, Int32(n))
                }
            }
        }
    }

    /// How a product's C is cut: `count` equal parts of its rows (at least 32 each) or, with fewer than
    /// 64 rows, of its columns (at least 64 each); at most `maximumParts`, one part below 4 MFLOP.
    static func partition(m: Int, n: Int, k: Int) -> (count: Int, byRows: Bool) {
        if flops(m: m, n: n, k: k) < 4e6 { return (1, true) }
        if m >= 64 { return (min(maximumParts, m / 32), true) }
        return (max(1, min(maximumParts, n / 64)), false)
    }

    /// Parts per product: enough to share among the threads of the machines this engine targets,
    /// few enough that packing the shared operand once per part stays a small cost.
    static let maximumParts = 8

    /// The same product with OpenBLAS's own threading (for benchmarks: the ceiling to compare with).
    public static func multiplyWithOpenBLASThreads(
        _ a: UnsafePointer<Float>, _ transposeA: Transpose, _ b: UnsafePointer<Float>, _ transposeB: Transpose,
        into c: UnsafeMutablePointer<Float>, m: Int, n: Int, k: Int
    ) {
        openblas_set_num_threads(Int32(ComputeThreads.count))
        defer { openblas_set_num_threads(1) }
        cblas_sgemm(CblasRowMajor, transposeA.cblas, transposeB.cblas, Int32(m), Int32(n), Int32(k), 1,
                    a, Int32(transposeA == .none ? k : m), b, Int32(transposeB == .none ? n : k), 0, c, Int32(n))
    }

    public static func flops(m: Int, n: Int, k: Int) -> Double {
        2 * Double(m) * Double(n) * Double(k)
    }
}
