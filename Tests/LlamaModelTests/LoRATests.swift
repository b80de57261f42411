import Kernels
import LlamaModel
import Testing
import TestSupport

/// LoRA adapters (y = x·Wᵀ + s·(x·Aᵀ)·Bᵀ) against the model they are equivalent to: B = 0 is the base
/// model bit for bit, the merged weights W + s·B·A give the same forward (to fp32 rounding), and the
/// adapter gradients equal the chain rule through the merged model's verified weight gradient
/// (dB = s·dW′·Aᵀ, dA = s·Bᵀ·dW′) and central finite differences.
@Suite(.serialized) struct LoRATests {
    let tokens: [Int32] = [5, 17, 250, 3, 99, 42, 7, 7, 120, 64, 1, 280]
    let lengths = [5, 7]

    private func logProbs(_ model: LlamaModel, retention: LlamaActivations.Retention = .all) throws -> (values: [Float], activations: LlamaActivations) {
        let a = LlamaActivations(config: model.config, capacity: tokens.count, longestSequence: 7, retention: retention)
        try model.forward(tokens: tokens, sequences: PackedSequences(lengths: lengths), activations: a)
        let targets: [Int32] = [17, 250, 3, 99, -1, 7, 7, 120, 64, 1, 280, -1]
        try model.tokenLogProbs(targets: targets, activations: a)
        return ((0..<tokens.count).map { a.logProb[$0] }, a)
    }

    /// dL/d log p for L = −Σ log p over the target rows.
    private var dLogProb: [Float] { [-1, -1, -1, -1, 0, -1, -1, -1, -1, -1, -1, 0] }

    private func loss(_ model: LlamaModel) throws -> Double {
        try logProbs(model).values.enumerated().reduce(0.0) { $0 - Double($1.element) * Double(-dLogProb[$1.offset]) }
    }

    @Test func zeroBIsTheBaseModelBitForBit() throws {
        let model = try randomLlama()
        let base = try logProbs(model).values
        let adapters = attachRandomAdapters(to: model)
        for adapter in adapters.all { (adapters.parameters.pointer + adapter.b).update(repeating: 0, count: adapter.outFeatures * adapters.rank) }
        #expect(try logProbs(model).values.map(\.bitPattern) == base.map(\.bitPattern))
    }

    @Test func switchedOffAdaptersGiveTheBaseModel() throws {
        let model = try randomLlama()
        let base = try logProbs(model).values
        attachRandomAdapters(to: model)
        let adapted = try logProbs(model).values
        #expect(adapted != base)
        model.adaptersEnabled = false
        #expect(try logProbs(model).values.map(\.bitPattern) == base.map(\.bitPattern))
    }

    @Test func forwardEqualsTheMergedModel() throws {
        let model = try randomLlama()
        attachRandomAdapters(to: model)
        let adapted = try logProbs(model).values
        let reference = try logProbs(try model.merged()).values
        let worst = zip(adapted, reference).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
        #expect(worst <= 2e-5, "largest relative difference from the merged model: \(worst)")
    }

    @Test func parameterCountIsTheArenasSize() throws {
        let model = try randomLlama()
        for targets in [[LoRAAdapters.Target.q], [.v, .down], LoRAAdapters.Target.allCases] {
            let adapters = LoRAAdapters(config: model.config, rank: 3, alpha: 6, targets: targets)
            #expect(LoRAAdapters.parameterCount(config: model.config, rank: 3, targets: targets) == adapters.parameters.count)
        }
    }

    @Test func frozenBaseHasNoGradientArena() throws {
        let model = try randomLlama()
        let adapters = attachRandomAdapters(to: model)
        model.enableGradients()
        #expect(model.gradients == nil)
        #expect(adapters.gradients?.count == adapters.parameters.count)
    }

    /// dL/dB = s·dL/dW′·Aᵀ and dL/dA = s·Bᵀ·dL/dW′, where dL/dW′ is the merged model's weight
    /// gradient (checked against the float64 reference in LlamaReferenceTests).
    /// (With the MLP recomputed in backward as well: its gate and up carry their deltas again.)
    @Test(arguments: [([LoRAAdapters.Target.q, .v], LlamaActivations.Retention.all), (LoRAAdapters.Target.allCases, .all),
                      (LoRAAdapters.Target.allCases, .recomputeMLP)])
    func gradientsFollowTheMergedModelsWeightGradient(targets: [LoRAAdapters.Target], retention: LlamaActivations.Retention) throws {
        let model = try randomLlama()
        let adapters = attachRandomAdapters(to: model, rank: 3, alpha: 6, targets: targets)
        model.enableGradients()
        model.zeroGradients()
        model.backward(dLogProb: dLogProb, activations: try logProbs(model, retention: retention).activations)
        let grads = try #require(adapters.gradients)

        let full = try model.merged()
        full.enableGradients()
        full.backward(dLogProb: dLogProb, activations: try logProbs(full).activations)
        let dW = try #require(full.gradients)
        let r = adapters.rank, s = Double(adapters.scale)
        for adapter in adapters.all {
            let out = adapter.outFeatures, inF = adapter.inFeatures
            let w = dW.pointer + model.layout.offset(of: adapter.target, layer: adapter.layer), a = adapters.parameters.pointer + adapter.a, b = adapters.parameters.pointer + adapter.b
            var worst = 0.0, scale = 1e-6
            for k in 0..<r {
                for j in 0..<inF {   // dA[k, j] = s Σ_o B[o, k] dW[o, j]
                    var want = 0.0
                    for o in 0..<out { want += Double(b[o * r + k]) * Double(w[o * inF + j]) }
                    want *= s
                    scale = max(scale, abs(want))
                    worst = max(worst, abs(Double(grads[adapter.a + k * inF + j]) - want))
                }
            }
            for o in 0..<out {
                for k in 0..<r {   // dB[o, k] = s Σ_j dW[o, j] A[k, j]
                    var want = 0.0
                    for j in 0..<inF { want += Double(w[o * inF + j]) * Double(a[k * inF + j]) }
                    want *= s
                    scale = max(scale, abs(want))
                    worst = max(worst, abs(Double(grads[adapter.b + o * r + k]) - want))
                }
            }
            #expect(worst <= 1e-4 * scale, "layer \(adapter.layer) \(adapter.target): largest difference \(worst) on a scale of \(scale)")
        }
    }

    /// With dropout on (a fixed training pass, so a fixed mask) the gradients are still those of the
    /// function the forward computes, through the masked dx of every later adapter.
    @Test(arguments: [0.0, 0.3]) func gradientsMatchFiniteDifferences(dropout: Double) throws {
        let model = try randomLlama()
        let adapters = attachRandomAdapters(to: model, rank: 2, alpha: 4)
        adapters.dropout = dropout
        adapters.dropoutSeed = 7
        adapters.dropoutPass = LoRAAdapters.DropoutPass(step: 3, microBatch: 1)
        model.enableGradients()
        model.zeroGradients()
        model.backward(dLogProb: dLogProb, activations: try logProbs(model).activations)
        let grads = try #require(adapters.gradients)
        // the largest gradients of A and of B in every adapter
        for adapter in adapters.all {
            for (start, count) in [(adapter.a, adapters.rank * adapter.inFeatures), (adapter.b, adapter.outFeatures * adapters.rank)] {
                let i = (start..<(start + count)).max { abs(grads[$0]) < abs(grads[$1]) }!
                let saved = adapters.parameters[i], h: Float = 1e-2
                adapters.parameters[i] = saved + h
                let plus = try loss(model)
                adapters.parameters[i] = saved - h
                let minus = try loss(model)
                adapters.parameters[i] = saved
                let numeric = (plus - minus) / Double(2 * h), analytic = Double(grads[i])
                #expect(abs(numeric - analytic) <= 0.02 * abs(analytic) + 1e-3,
                        "layer \(adapter.layer) \(adapter.target) [\(i - start)]: analytic \(analytic), numeric \(numeric)")
            }
        }
    }

    /// Dropout acts only in a training pass: outside one the adapted model is unchanged bit for bit;
    /// inside, the output changes, and the same pass gives the same bits again.
    @Test func dropoutActsOnlyInATrainingPass() throws {
        let model = try randomLlama()
        let adapters = attachRandomAdapters(to: model)
        let plain = try logProbs(model).values.map(\.bitPattern)
        adapters.dropout = 0.5
        #expect(try logProbs(model).values.map(\.bitPattern) == plain)
        adapters.dropoutPass = LoRAAdapters.DropoutPass(step: 1, microBatch: 0)
        let dropped = try logProbs(model).values.map(\.bitPattern)
        #expect(dropped != plain)
        #expect(try logProbs(model).values.map(\.bitPattern) == dropped)
        adapters.dropoutPass = LoRAAdapters.DropoutPass(step: 1, microBatch: 1)
        #expect(try logProbs(model).values.map(\.bitPattern) != dropped)
    }

    /// The masks keep 1 − p of the elements (binomial: within 4 standard deviations over 200,000) and
    /// differ from key to key.
    @Test(arguments: [0.05, 0.3, 0.9]) func dropoutKeepsOneMinusPOfTheElements(p: Double) {
        let n = 200_000
        let kept = (0..<n).filter { LoRAAdapters.keeps(key: 42, index: $0, dropout: p) }.count
        let expected = Double(n) * Double(1 - p), sd = (Double(n) * Double(p) * Double(1 - p)).squareRoot()
        #expect(abs(Double(kept) - expected) < 4 * sd, "kept \(kept) of \(n), expected \(expected)")
        let other = (0..<1000).map { LoRAAdapters.keeps(key: 43, index: $0, dropout: p) }
        #expect(other != (0..<1000).map { LoRAAdapters.keeps(key: 42, index: $0, dropout: p) })
    }
}
