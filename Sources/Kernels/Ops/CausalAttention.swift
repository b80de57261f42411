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
    ///
    /// The query heads of a key/value head go through the kernel together (`rlvr_attend_group`: each
    /// key and value row read once for all of them), and the work is split by (block of query rows,
    /// key/value head). Every (row, head) is computed alone in the canonical order, so neither the
    /// grouping nor the split changes a bit.
    public static func forward(
        out: UnsafeMutablePointer<Float>, lse: UnsafeMutablePointer<Float>,
        q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
        sequences: PackedSequences, shape: AttentionShape, scratch: UnsafeMutablePointer<Float>
    ) {
        var blocks: [(sequence: Int, firstRow: Int)] = []
        for s in 0..<sequences.count {
            blocks += stride(from: 0, to: sequences.lengths[s], by: rowsPerItem).map { (s, $0) }
        }
        let stride = max(16, sequences.longest)
        let qw = shape.queryWidth, kvw = shape.keyValueWidth, d = shape.headDim
        parallelChunks(blocks.count * shape.keyValueHeads) { chunk, range in
            let scores = scratch + chunk * scratchRows * stride
            for item in range {
                let (s, firstRow) = blocks[item / shape.keyValueHeads], kvHead = item % shape.keyValueHeads
                let start = sequences.starts[s], length = sequences.lengths[s]
                let keys = k + start * kvw + kvHead * d, values = v + start * kvw + kvHead * d
                for i in firstRow..<min(length, firstRow + rowsPerItem) {
                    let row = start + i
                    // the group's heads, at most `scratchRows` per call (each needs a row of scores)
                    var head = kvHead * shape.group
                    while head < (kvHead + 1) * shape.group {
                        let heads = min(scratchRows, (kvHead + 1) * shape.group - head)
                        rlvr_attend_group(q + row * qw + head * d, heads, keys, values, kvw, i + 1, keys, values, kvw, 0,
                                          d, shape.scale, scores, out + row * qw + head * d, lse + row * shape.queryHeads + head)
                        head += heads
                    }
                }
            }
        }
    }

    /// Query rows per work item of the forward pass: enough to amortise an item's set-up, few enough
    /// that one long sequence still spreads over the threads.
    static let rowsPerItem = 64

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
