import Foundation
import Kernels
import Testing

/// Every op's backward against finite differences of its forward, on tiny shapes.
@Suite struct OpGradientTests {
    let checker = GradientCheck()

    @Test func rmsNorm() {
        let rows = 3, dim = 8
        let x = randomFloats(rows * dim, seed: 1), w = randomFloats(dim, seed: 2, scale: 0.5).map { $0 + 1 }
        let dout = randomFloats(rows * dim, seed: 3)
        func forward(_ x: [Float], _ w: [Float]) -> [Float] {
            var out = [Float](repeating: 0, count: rows * dim), rstd = [Float](repeating: 0, count: rows)
            RMSNorm.forward(&out, rstd: &rstd, x, weight: w, rows: rows, dim: dim, eps: 1e-5)
            return out
        }
        var rstd = [Float](repeating: 0, count: rows), out = [Float](repeating: 0, count: rows * dim)
        RMSNorm.forward(&out, rstd: &rstd, x, weight: w, rows: rows, dim: dim, eps: 1e-5)
        var dx = [Float](repeating: 0, count: rows * dim), dw = [Float](repeating: 0, count: dim)
        RMSNorm.backward(dinp: &dx, dweight: &dw, dout: dout, inp: x, weight: w, rstd: rstd, rows: rows, dim: dim)
        checker.check("RMSNorm dx", x: x, analytic: dx) { GradientCheck.weightedSum(forward($0, w), dout) }
        checker.check("RMSNorm dw", x: w, analytic: dw) { GradientCheck.weightedSum(forward(x, $0), dout) }
    }

    @Test func rope() {
        let rows = 4, heads = 2, dim = 8
        let rope = RotaryEmbedding(headDim: dim, theta: 10_000, positions: 16)
        let positions: [Int32] = [0, 3, 7, 15]
        let x = randomFloats(rows * heads * dim, seed: 4), dout = randomFloats(rows * heads * dim, seed: 5)
        func forward(_ x: [Float]) -> [Float] {
            var y = x
            rope.forward(&y, rows: rows, heads: heads, positionOfRow: positions)
            return y
        }
        var dx = dout
        rope.backward(&dx, rows: rows, heads: heads, positionOfRow: positions)
        checker.check("RoPE", x: x, analytic: dx) { GradientCheck.weightedSum(forward($0), dout) }
        // Position 0 is the identity, and the rotation preserves each pair's length.
        #expect(Array(forward(x).prefix(heads * dim)) == Array(x.prefix(heads * dim)))
    }

    @Test func causalAttentionOverPackedSequences() {
        let shape = AttentionShape(queryHeads: 4, keyValueHeads: 2, headDim: 4)
        let sequences = PackedSequences(lengths: [3, 5])
        let n = sequences.tokenCount
        let q = randomFloats(n * shape.queryWidth, seed: 6), k = randomFloats(n * shape.keyValueWidth, seed: 7)
        let v = randomFloats(n * shape.keyValueWidth, seed: 8), dout = randomFloats(n * shape.queryWidth, seed: 9)
        var scratch = [Float](repeating: 0, count: CausalAttention.scratchCount(longestSequence: 5))
        func forward(_ q: [Float], _ k: [Float], _ v: [Float]) -> (out: [Float], lse: [Float]) {
            var out = [Float](repeating: 0, count: n * shape.queryWidth), lse = [Float](repeating: 0, count: n * shape.queryHeads)
            CausalAttention.forward(out: &out, lse: &lse, q: q, k: k, v: v, sequences: sequences, shape: shape, scratch: &scratch)
            return (out, lse)
        }
        let (out, lse) = forward(q, k, v)
        var dq = [Float](repeating: 0, count: q.count), dk = [Float](repeating: 0, count: k.count), dv = [Float](repeating: 0, count: v.count)
        CausalAttention.backward(dq: &dq, dk: &dk, dv: &dv, dout: dout, q: q, k: k, v: v, out: out, lse: lse,
                                 sequences: sequences, shape: shape, scratch: &scratch)
        checker.check("attention dq", x: q, analytic: dq) { GradientCheck.weightedSum(forward($0, k, v).out, dout) }
        checker.check("attention dk", x: k, analytic: dk) { GradientCheck.weightedSum(forward(q, $0, v).out, dout) }
        checker.check("attention dv", x: v, analytic: dv) { GradientCheck.weightedSum(forward(q, k, $0).out, dout) }
        // The first token of each sequence attends only to itself: its output is its value row.
        for (start, g) in [(0, 0), (3, 0), (3, 1)] {
            let h = g * shape.group
            let row = Array(out[(start * shape.queryWidth + h * 4)..<(start * shape.queryWidth + h * 4 + 4)])
            let value = Array(v[(start * shape.keyValueWidth + g * 4)..<(start * shape.keyValueWidth + g * 4 + 4)])
            #expect(zip(row, value).allSatisfy { abs($0 - $1) < 1e-6 })
        }
    }

    @Test func swiGLU() {
        let count = 24
        let g = randomFloats(count, seed: 10, scale: 3), u = randomFloats(count, seed: 11), dh = randomFloats(count, seed: 12)
        func forward(_ g: [Float], _ u: [Float]) -> [Float] {
            var h = [Float](repeating: 0, count: count)
            SwiGLU.forward(&h, gate: g, up: u, count: count)
            return h
        }
        var dg = [Float](repeating: 0, count: count), du = [Float](repeating: 0, count: count)
        SwiGLU.backward(dgate: &dg, dup: &du, dh: dh, gate: g, up: u, count: count)
        checker.check("SwiGLU dgate", x: g, analytic: dg) { GradientCheck.weightedSum(forward($0, u), dh) }
        checker.check("SwiGLU dup", x: u, analytic: du) { GradientCheck.weightedSum(forward(g, $0), dh) }
        // silu(0) = 0; silu(20) = 20·σ(20) = 20 to float precision; silu(−20) ≈ −4.1e-8
        var h = [Float](repeating: 0, count: 3)
        SwiGLU.forward(&h, gate: [0, 20, -20], up: [1, 1, 1], count: 3)
        #expect(h[0] == 0 && h[1] == 20 && abs(h[2] + 4.122e-8) < 1e-10)
    }

    @Test func linear() {
        let rows = 3, inF = 5, outF = 4
        let x = randomFloats(rows * inF, seed: 13), w = randomFloats(outF * inF, seed: 14), dy = randomFloats(rows * outF, seed: 15)
        func forward(_ x: [Float], _ w: [Float]) -> [Float] {
            var y = [Float](repeating: 0, count: rows * outF)
            Linear.forward(&y, x, w, rows: rows, inFeatures: inF, outFeatures: outF)
            return y
        }
        var dx = [Float](repeating: 0, count: x.count), dw = [Float](repeating: 0, count: w.count)
        Linear.backward(dx: &dx, dw: &dw, dy: dy, x: x, w: w, rows: rows, inFeatures: inF, outFeatures: outF)
        checker.check("Linear dx", x: x, analytic: dx) { GradientCheck.weightedSum(forward($0, w), dy) }
        checker.check("Linear dw", x: w, analytic: dw) { GradientCheck.weightedSum(forward(x, $0), dy) }
    }

    @Test func embedding() {
        let vocab = 5, dim = 3
        let table = randomFloats(vocab * dim, seed: 16), tokens: [Int32] = [2, 0, 2, 4], dout = randomFloats(4 * dim, seed: 17)
        func forward(_ table: [Float]) -> [Float] {
            var out = [Float](repeating: 0, count: 4 * dim)
            Embedding.forward(&out, table: table, tokens: tokens, rows: 4, dim: dim)
            return out
        }
        var dtable = [Float](repeating: 0, count: table.count)
        Embedding.backward(dtable: &dtable, dout: dout, tokens: tokens, rows: 4, dim: dim)
        checker.check("Embedding", x: table, analytic: dtable) { GradientCheck.weightedSum(forward($0), dout) }
    }

    @Test func vocabularyHeadLogProbAndEntropy() {
        let rows = 3, hidden = 6, vocab = 11
        let head = VocabularyHead(vocabulary: vocab, hiddenSize: hidden, capacity: rows, chunkSize: 4)   // 3 chunks: 4, 4, 3
        let x = randomFloats(rows * hidden, seed: 18), w = randomFloats(vocab * hidden, seed: 19)
        let targets: [Int32] = [3, -1, 10]
        let gLogProb: [Float] = [0.7, 0.0, -1.3], gEntropy: [Float] = [0.4, -0.9, 0.25]
        func forward(_ x: [Float], _ w: [Float]) -> (logZ: [Float], logProb: [Float], entropy: [Float]) {
            var logZ = [Float](repeating: 0, count: rows), logProb = logZ, entropy = logZ
            head.forward(hidden: x, weight: w, targets: targets, rows: rows, logZ: &logZ, logProb: &logProb, entropy: &entropy)
            return (logZ, logProb, entropy)
        }
        func loss(_ x: [Float], _ w: [Float]) -> Double {
            let r = forward(x, w)
            return GradientCheck.weightedSum(r.logProb, gLogProb) + GradientCheck.weightedSum(r.entropy, gEntropy)
        }
        // Against a direct softmax in Double.
        let r = forward(x, w)
        for row in 0..<rows {
            let z = (0..<vocab).map { v in (0..<hidden).reduce(0.0) { $0 + Double(x[row * hidden + $1]) * Double(w[v * hidden + $1]) } }
            let m = z.max()!, logZ = m + log(z.map { exp($0 - m) }.reduce(0, +))
            let entropy = -z.map { exp($0 - logZ) * ($0 - logZ) }.reduce(0, +)
            #expect(abs(Double(r.logZ[row]) - logZ) < 1e-5)
            #expect(abs(Double(r.entropy[row]) - entropy) < 1e-5)
            if targets[row] >= 0 { #expect(abs(Double(r.logProb[row]) - (z[Int(targets[row])] - logZ)) < 1e-5) }
        }
        var dx = [Float](repeating: 0, count: x.count), dw = [Float](repeating: 0, count: w.count)
        head.backward(dhidden: &dx, dweight: &dw, hidden: x, weight: w, targets: targets, rows: rows,
                      logZ: r.logZ, entropy: r.entropy, dLogProb: gLogProb, dEntropy: gEntropy)
        checker.check("vocabulary head dhidden", x: x, analytic: dx) { loss($0, w) }
        checker.check("vocabulary head dweight", x: w, analytic: dw) { loss(x, $0) }
    }
}
