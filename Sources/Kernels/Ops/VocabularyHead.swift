import CKernels
import Foundation

/// The language-model head as a loss head: for each row, the log-probability of a chosen target
/// token and the entropy of the next-token distribution, computed chunk by chunk over the
/// vocabulary with an online log-sum-exp, so no [rows × vocabulary] array ever exists.
///
///     z = h · Wᵀ,  log Z = log Σ_v e^{z_v},  log p(t) = z_t − log Z,  H = log Z − Σ_v p_v z_v
///
/// Backward from dL/d log p(t) (and optionally dL/dH), with p = softmax(z):
///     dz_v = g_t·(1[v = t] − p_v) − g_H·p_v·(z_v − log Z + H)
///     dh += dz · W,   dW += dzᵀ · h            (chunk by chunk, logits recomputed)
public final class VocabularyHead: @unchecked Sendable {
    public let vocabulary: Int
    public let hiddenSize: Int
    public let chunkSize: Int
    public let capacity: Int
    /// [capacity, chunkSize] logits of one vocabulary chunk.
    private let chunk: FloatBuffer
    /// Per row: running max, Σ e^{z−m}, Σ e^{z−m}·z, target logit.
    private let runningMax: FloatBuffer, runningSum: FloatBuffer, runningWeighted: FloatBuffer, targetLogit: FloatBuffer

    /// Vocabulary entries per chunk. Decoding must use the same chunks so log Z has the same bits.
    public static let defaultChunkSize = 4096

    public init(vocabulary: Int, hiddenSize: Int, capacity: Int, chunkSize: Int = defaultChunkSize) {
        self.vocabulary = vocabulary
        self.hiddenSize = hiddenSize
        self.capacity = capacity
        self.chunkSize = min(chunkSize, vocabulary)
        chunk = FloatBuffer(count: capacity * self.chunkSize)
        runningMax = FloatBuffer(count: capacity)
        runningSum = FloatBuffer(count: capacity)
        runningWeighted = FloatBuffer(count: capacity)
        targetLogit = FloatBuffer(count: capacity)
    }

    public var scratchBytes: Int { (chunk.count + 4 * capacity) * MemoryLayout<Float>.stride }

    /// hidden: [rows, hiddenSize]; weight: [vocabulary, hiddenSize]; targets: [rows] (−1: none).
    /// Writes logZ [rows] (kept for backward), logProb [rows] (0 where no target) and entropy [rows].
    public func forward(
        hidden: UnsafePointer<Float>, weight: UnsafePointer<Float>, targets: UnsafePointer<Int32>, rows: Int,
        logZ: UnsafeMutablePointer<Float>, logProb: UnsafeMutablePointer<Float>, entropy: UnsafeMutablePointer<Float>
    ) {
        precondition(rows <= capacity, "\(rows) rows exceed the head's capacity \(capacity)")
        let m = runningMax.pointer, s = runningSum.pointer, a = runningWeighted.pointer, zt = targetLogit.pointer
        for r in 0..<rows { m[r] = -.infinity; s[r] = 0; a[r] = 0; zt[r] = 0 }
        forEachChunk(hidden: hidden, weight: weight, rows: rows) { start, width, logits in
            parallelFor(rows, minimumChunk: 8) { range in
                for r in range {
                    let row = logits + r * width
                    rlvr_online_softmax_update(row, width, m + r, s + r, a + r)
                    let t = Int(targets[r])
                    if t >= start && t < start + width { zt[r] = row[t - start] }
                }
            }
        }
        for r in 0..<rows {
            let lz = m[r] + rlvr_log(s[r])   // our own log: the same bits with every C library
            logZ[r] = lz
            logProb[r] = targets[r] >= 0 ? zt[r] - lz : 0
            entropy[r] = lz - a[r] / s[r]
        }
    }

    /// Accumulates dhidden [rows, hiddenSize] and dweight [vocabulary, hiddenSize] (either may be nil).
    /// dLogProb: [rows]; dEntropy: [rows] or nil; logZ and entropy from `forward`.
    public func backward(
        dhidden: UnsafeMutablePointer<Float>?, dweight: UnsafeMutablePointer<Float>?,
        hidden: UnsafePointer<Float>, weight: UnsafePointer<Float>, targets: UnsafePointer<Int32>, rows: Int,
        logZ: UnsafePointer<Float>, entropy: UnsafePointer<Float>,
        dLogProb: UnsafePointer<Float>, dEntropy: UnsafePointer<Float>?
    ) {
        forEachChunk(hidden: hidden, weight: weight, rows: rows) { start, width, dz in
            parallelFor(rows, minimumChunk: 8) { range in
                for r in range {
                    let row = dz + r * width
                    let g = dLogProb[r], gH = dEntropy?[r] ?? 0
                    let t = Int(targets[r]) - start
                    rlvr_vocabulary_gradient_row(row, width, logZ[r], g, gH, entropy[r])
                    if t >= 0 && t < width { row[t] += g }
                }
            }
            Linear.backward(dx: dhidden, dw: dweight.map { $0 + start * hiddenSize }, dy: dz, x: hidden,
                            w: weight + start * hiddenSize, rows: rows, inFeatures: hiddenSize, outFeatures: width)
        }
    }

    /// The vocabulary `chunkSize` entries at a time: `body(first entry, width, logits [rows, width])`
    /// after the chunk's logits are computed into the shared chunk buffer.
    private func forEachChunk(hidden: UnsafePointer<Float>, weight: UnsafePointer<Float>, rows: Int,
                              _ body: (_ first: Int, _ width: Int, _ logits: UnsafeMutablePointer<Float>) -> Void) {
        var first = 0
        while first < vocabulary {
            let width = min(chunkSize, vocabulary - first)
            Linear.forward(chunk.pointer, hidden, weight + first * hiddenSize, rows: rows, inFeatures: hiddenSize, outFeatures: width)
            body(first, width, chunk.pointer)
            first += width
        }
    }

    /// Full logits of a few rows (for inspection commands such as `rlvr score`): [rows, vocabulary].
    public func logits(hidden: UnsafePointer<Float>, weight: UnsafePointer<Float>, rows: Int) -> [Float] {
        var out = [Float](repeating: 0, count: rows * vocabulary)
        out.withUnsafeMutableBufferPointer { buffer in
            Linear.forward(buffer.baseAddress!, hidden, weight, rows: rows, inFeatures: hiddenSize, outFeatures: vocabulary)
        }
        return out
    }
}
