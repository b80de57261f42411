import Foundation

/// Rotary position embedding in Hugging Face's rotate-half layout (Su et al. 2021): for head
/// dimension d, pairs (x[i], x[i + d/2]) are rotated by the angle p·θ^(−2i/d):
///
///     x'[i]       = x[i]·cos − x[i + d/2]·sin
///     x'[i + d/2] = x[i + d/2]·cos + x[i]·sin
///
/// Backward applies the inverse rotation (the transpose) to the gradient.
public final class RotaryEmbedding: @unchecked Sendable {
    public let headDim: Int
    public let theta: Double
    /// cos and sin tables: [positions, headDim/2], angles computed in Double then rounded.
    private var cosTable: [Float] = []
    private var sinTable: [Float] = []
    public private(set) var positions = 0

    public init(headDim: Int, theta: Double, positions: Int) {
        precondition(headDim % 2 == 0, "RoPE needs an even head dimension, got \(headDim)")
        self.headDim = headDim
        self.theta = theta
        reserve(positions: positions)
    }

    /// Makes the tables cover positions 0..<positions (called at setup, never in a step).
    public func reserve(positions wanted: Int) {
        guard wanted > positions else { return }
        let half = headDim / 2
        cosTable = [Float](repeating: 0, count: wanted * half)
        sinTable = [Float](repeating: 0, count: wanted * half)
        for p in 0..<wanted {
            for i in 0..<half {
                let frequency = pow(theta, -Double(2 * i) / Double(headDim))
                let angle = Double(p) * frequency
                cosTable[p * half + i] = Float(cos(angle))
                sinTable[p * half + i] = Float(sin(angle))
            }
        }
        positions = wanted
    }

    /// Rotates x: [rows, heads, headDim] in place; row r sits at position `positionOfRow[r]`.
    public func forward(_ x: UnsafeMutablePointer<Float>, rows: Int, heads: Int, positionOfRow: UnsafePointer<Int32>) {
        rotate(x, rows: rows, heads: heads, positionOfRow: positionOfRow, direction: 1)
    }

    /// Rotates the gradient back: dx = Rᵀ·dy, in place.
    public func backward(_ dx: UnsafeMutablePointer<Float>, rows: Int, heads: Int, positionOfRow: UnsafePointer<Int32>) {
        rotate(dx, rows: rows, heads: heads, positionOfRow: positionOfRow, direction: -1)
    }

    private func rotate(_ x: UnsafeMutablePointer<Float>, rows: Int, heads: Int, positionOfRow: UnsafePointer<Int32>, direction: Float) {
        let half = headDim / 2, dim = headDim
        cosTable.withUnsafeBufferPointer { cosines in
            sinTable.withUnsafeBufferPointer { sines in
                let cosines = cosines.baseAddress!, sines = sines.baseAddress!
                parallelFor(rows, minimumChunk: 16) { range in
                    for r in range {
                        let p = Int(positionOfRow[r])
                        precondition(p < self.positions, "position \(p) beyond the RoPE table (\(self.positions))")
                        let c = cosines + p * half, s = sines + p * half
                        for h in 0..<heads {
                            let v = x + (r * heads + h) * dim
                            for i in 0..<half {
                                let a = v[i], b = v[i + half], sn = direction * s[i]
                                v[i] = a * c[i] - b * sn
                                v[i + half] = b * c[i] + a * sn
                            }
                        }
                    }
                }
            }
        }
    }
}
