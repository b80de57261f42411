import Kernels

/// Global-norm gradient clipping (Pascanu et al. 2013), as `torch.nn.utils.clip_grad_norm_`:
/// g ← g · min(1, max_norm / (‖g‖₂ + 1e-6)). The norm is summed in Double in a fixed order, so it
/// does not depend on the thread count.
public enum GradientClipping {
    /// The L2 norm of the whole gradient arena.
    public static func globalNorm(_ gradients: FloatBuffer) -> Double {
        sumOfSquares(gradients).squareRoot()
    }

    /// The L2 norm over several arenas (a model and its extra heads), as if they were one.
    public static func globalNorm(_ buffers: [FloatBuffer]) -> Double {
        buffers.reduce(0.0) { $0 + sumOfSquares($1) }.squareRoot()
    }

    static func sumOfSquares(_ gradients: FloatBuffer) -> Double {
        let g = gradients.pointer
        let blocks = 64
        var partial = [Double](repeating: 0, count: blocks)
        let count = gradients.count
        partial.withUnsafeMutableBufferPointer { sums in
            parallelFor(blocks) { range in
                for b in range {
                    var sum = 0.0
                    for i in (count * b / blocks)..<(count * (b + 1) / blocks) { sum += Double(g[i]) * Double(g[i]) }
                    sums[b] = sum
                }
            }
        }
        return partial.reduce(0, +)
    }

    /// Scales the gradients so their global norm is at most `maxNorm`; returns the norm before clipping.
    @discardableResult
    public static func clip(_ gradients: FloatBuffer, maxNorm: Double) -> Double {
        clip([gradients], maxNorm: maxNorm)
    }

    /// Clips several arenas by their joint norm; returns the norm before clipping.
    @discardableResult
    public static func clip(_ buffers: [FloatBuffer], maxNorm: Double) -> Double {
        let norm = globalNorm(buffers)
        let scale = maxNorm / (norm + 1e-6)
        if scale < 1 {
            let factor = Float(scale)
            for gradients in buffers {
                let g = gradients.pointer
                parallelFor(gradients.count, minimumChunk: 1 << 14) { range in
                    for i in range { g[i] *= factor }
                }
            }
        }
        return norm
    }
}
