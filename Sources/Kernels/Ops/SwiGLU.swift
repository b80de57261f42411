import CKernels
import Foundation

/// The gated activation of the Llama MLP (Shazeer 2020): h = silu(g) ⊙ u with silu(g) = g·σ(g).
///
/// Backward: du = dh ⊙ silu(g);  dg = dh ⊙ u ⊙ σ(g)·(1 + g·(1 − σ(g))).
public enum SwiGLU {
    public static func forward(_ h: UnsafeMutablePointer<Float>, gate: UnsafePointer<Float>, up: UnsafePointer<Float>, count: Int) {
        let chunk = 4096
        parallelFor((count + chunk - 1) / chunk) { range in
            let start = range.lowerBound * chunk, end = min(count, range.upperBound * chunk)
            rlvr_silu_mul(gate + start, up + start, h + start, end - start)
        }
    }

    /// Accumulates into dgate and dup.
    public static func backward(
        dgate: UnsafeMutablePointer<Float>, dup: UnsafeMutablePointer<Float>, dh: UnsafePointer<Float>,
        gate: UnsafePointer<Float>, up: UnsafePointer<Float>, count: Int
    ) {
        let chunk = 4096
        parallelFor((count + chunk - 1) / chunk) { range in
            let start = range.lowerBound * chunk, end = min(count, range.upperBound * chunk)
            rlvr_silu_mul_backward(gate + start, up + start, dh + start, dgate + start, dup + start, end - start)
        }
    }
}
