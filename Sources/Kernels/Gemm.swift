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
        let lda = transposeA == .none ? k : m
        let ldb = transposeB == .none ? n : k
        // Split C between the pool's threads, by rows when there are enough of them, else by columns;
        // each part is an ordinary single-threaded sgemm (never split along k, so results do not
        // depend on the thread count).
        let threads = ComputeThreads.count
        let flops = flops(m: m, n: n, k: k)
        if threads == 1 || flops < 4e6 {
            cblas_sgemm(CblasRowMajor, transposeA.cblas, transposeB.cblas,
                        Int32(m), Int32(n), Int32(k), alpha, a, Int32(max(lda, 1)), b, Int32(max(ldb, 1)), beta, c, Int32(n))
            return
        }
        if m >= 16 * threads {
            parallelFor(m, minimumChunk: 16) { rows in
                // rows of op(A): row r starts at r·lda (not transposed) or at column r (transposed)
                let aPart = transposeA == .none ? a + rows.lowerBound * lda : a + rows.lowerBound
                cblas_sgemm(CblasRowMajor, transposeA.cblas, transposeB.cblas,
                            Int32(rows.count), Int32(n), Int32(k), alpha, aPart, Int32(max(lda, 1)), b, Int32(max(ldb, 1)),
                            beta, c + rows.lowerBound * n, Int32(n))
            }
        } else {
            parallelFor(n, minimumChunk: 16) { columns in
                // columns of op(B): column j starts at column j (not transposed) or at row j·ldb (transposed)
                let bPart = transposeB == .none ? b + columns.lowerBound : b + columns.lowerBound * ldb
                cblas_sgemm(CblasRowMajor, transposeA.cblas, transposeB.cblas,
                            Int32(m), Int32(columns.count), Int32(k), alpha, a, Int32(max(lda, 1)), bPart, Int32(max(ldb, 1)),
                            beta, c + columns.lowerBound, Int32(n))
            }
        }
    }

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
