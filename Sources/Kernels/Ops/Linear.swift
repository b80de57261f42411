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
        forward([Product(y, w, outFeatures: outFeatures, outputStride: outputStride)], x: x, rows: rows, inFeatures: inFeatures)
    }

    /// One weight matrix of a fused call: y[rows, outputStride] = x · wᵀ, w: [outFeatures, in].
    public struct Product {
        public var y: UnsafeMutablePointer<Float>
        public var w: UnsafePointer<Float>
        public var outFeatures: Int
        public var outputStride: Int

        public init(_ y: UnsafeMutablePointer<Float>, _ w: UnsafePointer<Float>, outFeatures: Int, outputStride: Int? = nil) {
            self.y = y
            self.w = w
            self.outFeatures = outFeatures
            self.outputStride = outputStride ?? outFeatures
        }
    }

    /// Several products of the same x (q/k/v, gate/up) in one parallel region: one hand-off to the
    /// threads instead of one per matrix, which matters when a decoding step's products take tens of
    /// microseconds each.
    public static func forward(_ products: [Product], x: UnsafePointer<Float>, rows: Int, inFeatures: Int) {
        guard rows > 0 else { return }
        // Every output element has one owner and one fixed summation order, so how the work is split
        // changes nothing in the result. Many rows: split the rows (each thread streams all weights);
        // few rows (decoding): split the weight rows instead.
        let threads = ComputeThreads.count
        if rows >= 32 * threads {
            let blocks = (rows + 3) / 4
            parallelFor(blocks, minimumChunk: 8) { range in
                let first = range.lowerBound * 4, last = min(rows, range.upperBound * 4)
                for p in products where p.outFeatures > 0 {
                    rlvr_linear_forward(x + first * inFeatures, p.w, p.y + first * p.outputStride, last - first, p.outFeatures, inFeatures, p.outputStride)
                }
            }
            return
        }
        // Weight rows of all products in blocks of 16 (a product's last block may be shorter), so the
        // threads get even shares even for narrow layers (k/v: 192).
        let block = 16
        var starts: [Int] = []   // first block of each product
        var blocks = 0
        for p in products {
            starts.append(blocks)
            blocks += (p.outFeatures + block - 1) / block
        }
        parallelFor(blocks, minimumChunk: 1) { range in
            for (index, p) in products.enumerated() {
                let first = max(range.lowerBound, starts[index]) - starts[index]
                let last = min(range.upperBound - starts[index], (p.outFeatures + block - 1) / block)
                guard first < last else { continue }
                let firstRow = first * block, lastRow = min(p.outFeatures, last * block)
                rlvr_linear_forward(x, p.w + firstRow * inFeatures, p.y + firstRow, rows, lastRow - firstRow, inFeatures, p.outputStride)
            }
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
