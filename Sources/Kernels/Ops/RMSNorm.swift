import CKernels
import Foundation

/// Root-mean-square normalisation (Zhang & Sennrich 2019), as Hugging Face Llama computes it:
///
///     rstd = 1 / √(mean(x²) + ε),   y = (x · rstd) ⊙ w
///
/// Backward, with x̂ = x · rstd and g = dy ⊙ w:
///     dw += Σ_rows dy ⊙ x̂,   dx += rstd · (g − x̂ · mean(g ⊙ x̂))
public enum RMSNorm {
    /// out, inp: [rows, dim]; rstd: [rows] (saved for backward); weight: [dim].
    public static func forward(
        _ out: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>,
        _ inp: UnsafePointer<Float>, weight: UnsafePointer<Float>, rows: Int, dim: Int, eps: Float
    ) {
        parallelFor(rows, minimumChunk: 16) { range in
            for r in range {
                let x = inp + r * dim, y = out + r * dim
                let sumOfSquares = rlvr_dot(x, x, dim)
                let scale = 1 / (sumOfSquares / Float(dim) + eps).squareRoot()
                rstd[r] = scale
                for i in 0..<dim { y[i] = (x[i] * scale) * weight[i] }
            }
        }
    }

    /// Recomputes the normalised rows from the saved `rstd` (cheaper to redo than to store).
    public static func recompute(
        _ out: UnsafeMutablePointer<Float>, rstd: UnsafePointer<Float>,
        _ inp: UnsafePointer<Float>, weight: UnsafePointer<Float>, rows: Int, dim: Int
    ) {
        parallelFor(rows, minimumChunk: 16) { range in
            for r in range {
                let x = inp + r * dim, y = out + r * dim, scale = rstd[r]
                for i in 0..<dim { y[i] = (x[i] * scale) * weight[i] }
            }
        }
    }

    public static func backward(
        dinp: UnsafeMutablePointer<Float>, dweight: UnsafeMutablePointer<Float>?,
        dout: UnsafePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        rstd: UnsafePointer<Float>, rows: Int, dim: Int
    ) {
        parallelFor(rows, minimumChunk: 16) { range in
            for r in range {
                let x = inp + r * dim, dy = dout + r * dim, dx = dinp + r * dim, scale = rstd[r]
                var dot: Float = 0   // Σ g ⊙ x̂
                for i in 0..<dim { dot += dy[i] * weight[i] * (x[i] * scale) }
                let meanDot = dot / Float(dim)
                for i in 0..<dim {
                    let xhat = x[i] * scale
                    dx[i] += scale * (dy[i] * weight[i] - xhat * meanDot)
                }
            }
        }
        guard let dweight else { return }
        // Columns are split between threads so that each dweight element has one writer.
        parallelFor(dim, minimumChunk: 32) { columns in
            for r in 0..<rows {
                let x = inp + r * dim, dy = dout + r * dim, scale = rstd[r]
                for i in columns { dweight[i] += dy[i] * (x[i] * scale) }
            }
        }
    }
}
