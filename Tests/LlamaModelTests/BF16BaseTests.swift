import Foundation
import Kernels
import LlamaModel
import Testing
import TestSupport

/// `model.base_dtype: bf16`: the decoder layers of a frozen base stored as bfloat16 and read widened.
/// The model must compute, bit for bit and on every kernel path, what an fp32 model computes whose
/// layer weights were rounded to the nearest bfloat16 — rounded here by arithmetic on Doubles, not
/// by the store's bit trick.
@Suite(.serialized) struct BF16BaseTests {
    /// The nearest bfloat16 (8 significant bits), ties to even.
    static func nearestBF16(_ x: Float) -> Float {
        guard x != 0, x.isFinite else { return x }
        let ulp = Foundation.pow(2.0, Double(Double(x).magnitude.exponent) - 7)
        return Float((Double(x) / ulp).rounded(.toNearestOrEven) * ulp)
    }

    /// Two copies of one random model with the same adapters: the first to be stored as bf16, the
    /// second fp32 with its layer weights rounded (the embedding and final norm untouched).
    static func pair() throws -> (bf16: LlamaModel, rounded: LlamaModel) {
        let stored = try randomLlama(), rounded = try randomLlama()
        let first = rounded.layout.layers[0].inputNorm, end = rounded.layout.finalNorm
        for i in first..<end { rounded.parameters[i] = nearestBF16(rounded.parameters[i]) }
        attachRandomAdapters(to: stored)
        attachRandomAdapters(to: rounded)
        try stored.storeBaseInBF16()
        return (stored, rounded)
    }

    let tokens: [Int32] = [5, 17, 250, 3, 99, 42, 7, 7, 120, 64, 1, 280]
    let targets: [Int32] = [17, 250, 3, 99, -1, 7, 7, 120, 64, 1, 280, -1]

    func logProbs(_ model: LlamaModel, activations a: LlamaActivations) throws -> [UInt32] {
        try model.forward(tokens: tokens, sequences: PackedSequences(lengths: [5, 7]), activations: a)
        try model.tokenLogProbs(targets: targets, activations: a)
        return (0..<tokens.count).map { a.logProb[$0].bitPattern }
    }

    @Test func theReferenceRoundingIsRoundToNearestEven() {
        #expect(Self.nearestBF16(1 + 0x1p-8) == 1)                  // a tie: to the even significand
        #expect(Self.nearestBF16(1 + 3 * 0x1p-8) == 1 + 0x1p-6)     // a tie: up to the even one
        #expect(Self.nearestBF16(1 + 0x1p-8 + 0x1p-20) == 1 + 0x1p-7)
        #expect(Self.nearestBF16(-0.3) == -0.30078125)
    }

    @Test(arguments: KernelPath.available) func forwardAndAdapterGradientsEqualTheRoundedModel(path: KernelPath) throws {
        try KernelPath.with(path) {
            for retention in LlamaActivations.Retention.allCases {
                let (bf16, rounded) = try Self.pair()
                #expect(bf16.baseIsBF16 && !rounded.baseIsBF16)
                var gradients: [[UInt32]] = []
                for model in [bf16, rounded] {
                    let a = LlamaActivations(config: model.config, capacity: tokens.count, longestSequence: 7, retention: retention)
                    model.enableGradients()
                    model.zeroGradients()
                    _ = try logProbs(model, activations: a)
                    model.backward(dLogProb: targets.map { $0 < 0 ? 0 : -1 }, activations: a)
                    gradients.append(Array(try #require(model.adapters?.gradients).buffer).map(\.bitPattern))
                }
                let a = LlamaActivations(config: bf16.config, capacity: tokens.count, longestSequence: 7, retention: retention)
                #expect(try logProbs(bf16, activations: a) == logProbs(rounded, activations: a), "\(path) \(retention)")
                #expect(gradients[0] == gradients[1], "\(path) \(retention): adapter gradients")
                // the reference (adapters off) too
                bf16.adaptersEnabled = false
                rounded.adaptersEnabled = false
                #expect(try logProbs(bf16, activations: a) == logProbs(rounded, activations: a), "\(path): reference")
            }
        }
    }

    @Test func theLayersTakeHalfTheBytes() throws {
        let (bf16, rounded) = try Self.pair()
        let layers = bf16.layout.finalNorm - bf16.layout.layers[0].inputNorm, layer = layers / bf16.config.numHiddenLayers
        #expect(bf16.weightBytes == rounded.weightBytes - 2 * layers + 4 * layer)
        #expect(LlamaModel.weightBytes(config: bf16.config, bf16Layers: true) == bf16.weightBytes)
    }

    @Test func onlyAFrozenBaseIsStoredAsBF16() throws {
        let plain = try randomLlama()
        #expect(throws: LlamaModelError.self) { try plain.storeBaseInBF16() }
        plain.enableGradients()
        attachRandomAdapters(to: plain)
        #expect(throws: LlamaModelError.self) { try plain.storeBaseInBF16() }   // it has base gradients
    }
}
