import CKernels
import COpenBLAS

/// A linear layer without bias, weights stored as Hugging Face does: `w` is [out, in].
///
///     forward:  y[M, out] = x[M, in] · wᵀ                       (batch-invariant C kernel)
///     backward: dx[M, in] += dy[M, out] · w;  dw[out, in] += dyᵀ · x   (OpenBLAS sgemm, β = 1)
///
/// The forward pass uses the canonical dot-product kernel so that a row's result never depends on
/// how many rows are computed with it; the backward pass is free to use the fastest sgemm.
/// FLOPs: 2·M·in·out forward, 4·M·in·out backward.
public enum Linear {
    /// `outputStride`: floats between rows of y (default `outFeatures`; larger to write a column block
    /// of a wider matrix).
    public static func forward(
        _ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
        rows: Int, inFeatures: Int, outFeatures: Int, outputStride: Int? = nil
    ) {
        guard rows > 0, outFeatures > 0 else { return }
        let ldy = outputStride ?? outFeatures
        // Every output element has one owner and one fixed summation order, so how the work is split
        // changes nothing in the result. Many rows: split the rows (each thread streams all weights);
        // few rows (decoding): split the weight rows instead.
        let threads = ComputeThreads.count
        if rows >= 32 * threads {
            let blocks = (rows + 3) / 4
            parallelFor(blocks, minimumChunk: 8) { range in
                let first = range.lowerBound * 4, last = min(rows, range.upperBound * 4)
                rlvr_linear_forward(x + first * inFeatures, w, y + first * ldy, last - first, outFeatures, inFeatures, ldy)
            }
            return
        }
        // Weight rows in blocks of 16 so the threads get even shares even for narrow layers (k/v: 192).
        let block = 16
        let tasks = (outFeatures + block - 1) / block
        parallelFor(tasks, minimumChunk: 1) { range in
            let first = range.lowerBound * block
            let last = min(outFeatures, range.upperBound * block)
            rlvr_linear_forward(x, w + first * inFeatures, y + first, rows, last - first, inFeatures, ldy)
        }
    }

    public static func backward(
        dx: UnsafeMutablePointer<Float>?, dw: UnsafeMutablePointer<Float>?,
        dy: UnsafePointer<Float>, x: UnsafePointer<Float>, w: UnsafePointer<Float>,
        rows: Int, inFeatures: Int, outFeatures: Int
    ) {
        guard rows > 0 else { return }
        if let dx {
            Gemm.multiply(dy, .none, w, .none, into: dx, m: rows, n: inFeatures, k: outFeatures, beta: 1)
        }
        if let dw {
            Gemm.multiply(dy, .transposed, x, .none, into: dw, m: outFeatures, n: inFeatures, k: rows, beta: 1)
        }
    }
}
