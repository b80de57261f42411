import Checkpoints
import Foundation
import Kernels
import LlamaModel
import ModelIO
import Testing
import Training
import Generation
import TestSupport

/// Whole-model checks against the independent numpy reference. Tolerance: float32 against a
/// float64 reference, |Δ| ≤ 1e-5 · max(|x|, scale) where scale is the tensor's largest magnitude
/// (so values near zero are compared on the tensor's scale).
@Suite(.serialized) struct LlamaReferenceTests {
    static let tolerance: Float = 1e-5

    private func expectClose(_ got: [Float], _ want: [Float], _ what: String, tolerance: Float = tolerance) {
        #expect(got.count == want.count, "\(what): \(got.count) values, expected \(want.count)")
        let scale = want.map(abs).max() ?? 1
        let (error, index) = maxRelativeError(got, want, floor: max(scale, 1e-12))
        #expect(error <= tolerance, "\(what): relative error \(error) at \(index): \(got[index]) vs \(want[index])")
    }

    private func forward(_ fixture: ReferenceFixture, _ model: LlamaModel) throws -> LlamaActivations {
        let activations = LlamaActivations(config: fixture.config, capacity: 32, longestSequence: 16)
        try model.forward(tokens: fixture.tokens, sequences: fixture.sequences, activations: activations)
        try model.tokenLogProbs(targets: fixture.targets, activations: activations)
        return activations
    }

    @Test(arguments: ["tied", "untied"])
    func forwardMatchesReference(variant: String) throws {
        let fixture = try ReferenceFixture(variant)
        let model = try fixture.model()
        let a = try forward(fixture, model)
        let n = fixture.tokens.count
        expectClose(buffer(a.finalHidden.pointer, n * fixture.config.hiddenSize), try fixture.floats("expected.final_hidden"), "final hidden")
        expectClose(model.logits(activations: a), try fixture.floats("expected.logits"), "logits")
        expectClose(buffer(a.logProb.pointer, n), try fixture.floats("expected.target_logprobs"), "target log-probs")
        expectClose(buffer(a.entropy.pointer, n), try fixture.floats("expected.entropy"), "entropy")
        let targets = fixture.targets.filter { $0 >= 0 }.count
        let loss = -buffer(a.logProb.pointer, n).reduce(0, +) / Float(targets)
        let want = try fixture.floats("expected.loss")[0]
        #expect(abs(loss - want) <= 1e-5 * want, "loss \(loss) vs \(want)")
    }

    @Test(arguments: ["tied", "untied"])
    func gradientsMatchReference(variant: String) throws {
        let fixture = try ReferenceFixture(variant)
        let model = try fixture.model()
        model.enableGradients()
        let a = try forward(fixture, model)
        model.backward(dLogProb: fixture.meanLossGradient, activations: a)
        let gradients = try #require(model.gradients)
        for entry in model.layout.entries {
            expectClose(buffer(gradients.pointer + entry.offset, entry.count), try fixture.floats("grad.\(entry.name)"),
                        "gradient of \(entry.name)", tolerance: 2e-5)
        }
    }

    @Test func backwardFromHiddenStates() throws {
        let fixture = try ReferenceFixture("untied")
        let model = try fixture.model()
        model.enableGradients()
        let a = try forward(fixture, model)
        let g = try fixture.floats("dhidden_check.G")
        g.withUnsafeBufferPointer { model.backward(dHidden: $0.baseAddress!, activations: a) }
        let gradients = try #require(model.gradients)
        for entry in model.layout.entries where entry.name != "lm_head.weight" {
            expectClose(buffer(gradients.pointer + entry.offset, entry.count), try fixture.floats("dhidden_check.grad.\(entry.name)"),
                        "d(Σ hidden ⊙ G)/d \(entry.name)", tolerance: 2e-5)
        }
    }

    @Test(arguments: ["tied", "untied"])
    func twoAdamWStepsMatchReference(variant: String) throws {
        let fixture = try ReferenceFixture(variant)
        let model = try fixture.model()
        model.enableGradients()
        let decayed = model.layout.entries.filter { !$0.isNorm }.map { $0.offset..<($0.offset + $0.count) }
        let optimizer = AdamW(parameterCount: model.layout.count, decayedRanges: decayed,
                              settings: .init(beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1))
        let gradients = try #require(model.gradients)
        for step in 1...2 {
            model.zeroGradients()
            let a = try forward(fixture, model)
            model.backward(dLogProb: fixture.meanLossGradient, activations: a)
            let norm = GradientClipping.clip(gradients, maxNorm: 1.0)
            let wantNorm = try fixture.floats(step == 1 ? "expected.grad_norm" : "expected.grad_norm_2")[0]
            #expect(abs(Float(norm) - wantNorm) <= 1e-5 * wantNorm, "step \(step) gradient norm \(norm) vs \(wantNorm)")
            optimizer.update(parameters: model.parameters, gradients: gradients, lr: 1e-2)
            // Adam divides by √v, so a gradient element near zero turns its float32 rounding into a
            // visible step difference; 5e-5 of the tensor's scale bounds that (the optimizer alone is
            // checked tightly in `adamWArithmeticMatchesReference`).
            for entry in model.layout.entries {
                expectClose(buffer(model.parameters.pointer + entry.offset, entry.count), try fixture.floats("adamw\(step).\(entry.name)"),
                            "\(entry.name) after AdamW step \(step)", tolerance: 5e-5)
            }
        }
        let a = try forward(fixture, model)
        let loss = -buffer(a.logProb.pointer, fixture.tokens.count).reduce(0, +) / Float(fixture.targets.filter { $0 >= 0 }.count)
        let want = try fixture.floats("expected.loss_after_2")[0]
        #expect(abs(loss - want) <= 1e-4 * want, "loss after two steps \(loss) vs \(want)")
    }

    /// The optimizer alone: fed the reference's own gradients, one clipped AdamW step must land on
    /// the reference weights to float32 rounding.
    @Test(arguments: ["tied", "untied"])
    func adamWArithmeticMatchesReference(variant: String) throws {
        let fixture = try ReferenceFixture(variant)
        let model = try fixture.model()
        model.enableGradients()
        let gradients = try #require(model.gradients)
        for entry in model.layout.entries {
            let g = try fixture.floats("grad.\(entry.name)")
            (gradients.pointer + entry.offset).update(from: g, count: entry.count)
        }
        let decayed = model.layout.entries.filter { !$0.isNorm }.map { $0.offset..<($0.offset + $0.count) }
        let optimizer = AdamW(parameterCount: model.layout.count, decayedRanges: decayed,
                              settings: .init(beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1))
        GradientClipping.clip(gradients, maxNorm: 1.0)
        optimizer.update(parameters: model.parameters, gradients: gradients, lr: 1e-2)
        for entry in model.layout.entries {
            expectClose(buffer(model.parameters.pointer + entry.offset, entry.count), try fixture.floats("adamw1.\(entry.name)"),
                        "\(entry.name) after one AdamW step from the reference gradients", tolerance: 1e-6)
        }
    }

    @Test func ggufLoadUndoesTheConverterPermutation() throws {
        let fixture = try ReferenceFixture("tied")
        let fromSafetensors = try fixture.model()
        let fromGGUF = try LlamaCheckpoint.load(try ReferenceFixture.path("tiny_llama_tied.gguf"))
        var expected = fromSafetensors.config   // the GGUF carries no tokenizer, so no special token ids
        expected.bosTokenID = nil
        expected.eosTokenIDs = []
        expected.padTokenID = nil
        #expect(fromGGUF.config == expected)
        #expect(buffer(fromGGUF.parameters.pointer, fromGGUF.layout.count) == buffer(fromSafetensors.parameters.pointer, fromSafetensors.layout.count))
    }

    @Test func savedCheckpointLoadsBackIdentical() throws {
        let fixture = try ReferenceFixture("untied")
        let model = try fixture.model()
        let folder = ScratchFolder.path("rlvr-save")
        try LlamaCheckpoint.save(model, to: folder)
        let again = try LlamaCheckpoint.load(folder)
        #expect(again.config == model.config)
        #expect(buffer(again.parameters.pointer, again.layout.count) == buffer(model.parameters.pointer, model.layout.count))
    }
}

/// Greedy decoding through the KV-cache engine against the numpy reference's greedy continuation.
@Suite struct ReferenceGreedyTests {
    @Test(arguments: ["tied", "untied"])
    func greedyContinuationMatchesNumpy(variant: String) throws {
        let fixture = try ReferenceFixture(variant)
        let model = try fixture.model()
        let prompt = try fixture.file.integers("greedy.prompt").map { Int32($0) }
        let want = try fixture.file.integers("greedy.continuation").map { Int32($0) }
        let wantLogProbs = try fixture.floats("greedy.logprobs")
        let generator = try Generator(model: model, settings: SamplingSettings(temperature: 0, maxNewTokens: want.count), eosTokens: [])
        let sample = try generator.generate([GenerationRequest(id: 0, prompt: prompt)])[0]
        #expect(sample.tokens == want)
        for (got, expected) in zip(sample.modelLogProbs, wantLogProbs) {
            #expect(abs(got - expected) <= 1e-5 * max(1, abs(expected)), "log-prob \(got) vs \(expected)")
        }
    }
}
