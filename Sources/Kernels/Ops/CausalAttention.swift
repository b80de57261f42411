import CKernels
import Foundation

/// Grouped-query causal self-attention over packed sequences (Vaswani et al. 2017; GQA, Ainslie et
/// al. 2023): query head h reads key/value head h / (queryHeads / keyValueHeads), and a token attends
/// to the tokens before it in its own sequence only.
///
///     out_i = Σ_{j ≤ i} softmax_j(q_i·k_j / √d) v_j
///
/// Only the log-sum-exp of each row's scores is kept for backward; the probabilities are recomputed
/// there (as FlashAttention does), so memory is O(tokens · heads), not O(tokens²).
public struct AttentionShape: Sendable, Equatable {
    public let queryHeads: Int
    public let keyValueHeads: Int
    public let headDim: Int

    public init(queryHeads: Int, keyValueHeads: Int, headDim: Int) {
        precondition(queryHeads % keyValueHeads == 0, "\(keyValueHeads) KV heads do not divide \(queryHeads) query heads")
        self.queryHeads = queryHeads
        self.keyValueHeads = keyValueHeads
        self.headDim = headDim
    }

    public var queryWidth: Int { queryHeads * headDim }
    public var keyValueWidth: Int { keyValueHeads * headDim }
    public var group: Int { queryHeads / keyValueHeads }
    public var scale: Float { 1 / Float(headDim).squareRoot() }
}

public enum CausalAttention {
    /// Rows of the longest sequence each thread's scratch holds: one for a head's log-sum-exp, and
    /// the kernel's probabilities and score gradients for a block of query rows.
    static let scratchRows = 1 + 2 * Int(RLVR_ATTENTION_BACKWARD_ROWS)

    /// Scratch floats forward and backward need: `scratchRows` rows of the longest sequence per thread.
    public static func scratchCount(longestSequence: Int) -> Int {
        max(1, ComputeThreads.maximum) * scratchRows * max(16, longestSequence)
    }

    /// q: [N, queryWidth], k, v: [N, keyValueWidth] (RoPE already applied) →
    /// out: [N, queryWidth], lse: [N, queryHeads].
    public static func forward(
        out: UnsafeMutablePointer<Float>, lse: UnsafeMutablePointer<Float>,
        q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
        sequences: PackedSequences, shape: AttentionShape, scratch: UnsafeMutablePointer<Float>
    ) {
        let items = sequences.count * shape.queryHeads
        let stride = max(16, sequences.longest)
        let qw = shape.queryWidth, kvw = shape.keyValueWidth, d = shape.headDim
        parallelChunks(items) { chunk, range in
            let scores = scratch + chunk * stride
            for item in range {
                let s = item / shape.queryHeads, h = item % shape.queryHeads
                let start = sequences.starts[s], length = sequences.lengths[s]
                let kvOffset = (h / shape.group) * d
                for i in 0..<length {
                    let row = start + i
                    lse[row * shape.queryHeads + h] = rlvr_attend(
                        q + row * qw + h * d, k + start * kvw + kvOffset, v + start * kvw + kvOffset,
                        kvw, i + 1, d, shape.scale, scores, out + row * qw + h * d)
                }
            }
        }
    }

    /// Accumulates dq: [N, queryWidth], dk, dv: [N, keyValueWidth]. Work is split by (sequence,
    /// key/value head), so every gradient element has one writer and the result does not depend on
    /// the thread count.
    public static func backward(
        dq: UnsafeMutablePointer<Float>, dk: UnsafeMutablePointer<Float>, dv: UnsafeMutablePointer<Float>,
        dout: UnsafePointer<Float>, q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
        out: UnsafePointer<Float>, lse: UnsafePointer<Float>, sequences: PackedSequences, shape: AttentionShape,
        scratch: UnsafeMutablePointer<Float>
    ) {
        let items = sequences.count * shape.keyValueHeads
        let qw = shape.queryWidth, kvw = shape.keyValueWidth, d = shape.headDim
        let row = max(16, sequences.longest)
        parallelChunks(items) { chunk, range in
            // lse for one head, gathered contiguously, then the kernel's scratch rows
            let headLSE = scratch + chunk * scratchRows * row
            let kernelScratch = headLSE + row
            for item in range {
                let s = item / shape.keyValueHeads, g = item % shape.keyValueHeads
                let start = sequences.starts[s], length = sequences.lengths[s]
                for h in (g * shape.group)..<((g + 1) * shape.group) {
                    for i in 0..<length { headLSE[i] = lse[(start + i) * shape.queryHeads + h] }
                    let qOffset = start * qw + h * d, kvOffset = start * kvw + g * d
                    rlvr_attention_backward(
                        q + qOffset, k + kvOffset, v + kvOffset, out + qOffset, dout + qOffset, headLSE,
                        dq + qOffset, dk + kvOffset, dv + kvOffset, length, qw, kvw, d, shape.scale, kernelScratch)
                }
            }
        }
    }
}
