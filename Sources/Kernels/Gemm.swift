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
        cblas_sgemm(CblasRowMajor, transposeA.cblas, transposeB.cblas,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(max(lda, 1)), b, Int32(max(ldb, 1)), beta, c, Int32(n))
    }

    public static func flops(m: Int, n: Int, k: Int) -> Double {
        2 * Double(m) * Double(n) * Double(k)
    }
}
