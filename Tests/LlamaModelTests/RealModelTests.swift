import Foundation
import Kernels
import LlamaModel
import ModelIO
import Testing

private let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
private let realModelPath = packageRoot.appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf").path
private let realModelPresent = FileManager.default.fileExists(atPath: realModelPath)

/// SmolLM2-135M-Instruct from its GGUF against Hugging Face transformers running the same
/// dequantised weights in float32 (`scripts/reference_real_model.py`).
@Suite(.serialized, .enabled(if: realModelPresent, "models/SmolLM2-135M-Instruct.Q4_1.gguf is absent: run `make model`"))
struct RealModelTests {
    @Test func logProbsMatchTransformers() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: try ReferenceFixture.path("smollm2_135m_reference.json")))
        let reference = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let cases = try #require(reference["cases"] as? [[String: Any]])
        let model = try LlamaCheckpoint.load(realModelPath)
        for item in cases {
            let name = item["name"] as? String ?? "?"
            let ids = try #require(item["token_ids"] as? [Int]).map { Int32($0) }
            let positions = try #require(item["positions"] as? [[String: Any]])
            let a = LlamaActivations(config: model.config, capacity: ids.count, longestSequence: ids.count)
            try model.forward(tokens: ids, sequences: PackedSequences(lengths: [ids.count]), activations: a)
            try model.tokenLogProbs(targets: Array(ids.dropFirst()) + [-1], activations: a)
            let logits = model.logits(activations: a)
            var worst = 0.0
            for (t, position) in positions.enumerated() {
                if let want = position["next_token_logprob"] as? Double, t + 1 < ids.count {
                    worst = max(worst, abs(Double(a.logProb[t]) - want))
                }
                for (i, want) in (position["logits_first8"] as? [Double] ?? []).enumerated() {
                    worst = max(worst, abs(Double(logits[t * model.config.vocabSize + i]) - want))
                }
                let top = try #require(position["top5"] as? [[String: Any]])
                let row = logits[(t * model.config.vocabSize)..<((t + 1) * model.config.vocabSize)]
                let ours = row.indices.sorted { row[$0] > row[$1] }.prefix(1).map { $0 - t * model.config.vocabSize }
                #expect(ours.first == top.first?["id"] as? Int, "\(name) position \(t): top-1")
            }
            // float32 on both sides, different summation orders over 30 layers: agreement to 2e-3.
            #expect(worst < 2e-3, "\(name): largest log-prob / logit difference \(worst)")
        }
    }

    @Test func theCapitalOfFranceIsParis() throws {
        let model = try LlamaCheckpoint.load(realModelPath)
        let ids: [Int32] = [504, 3575, 282, 4649, 314]   // "The capital of France is"
        let a = LlamaActivations(config: model.config, capacity: 5, longestSequence: 5)
        try model.forward(tokens: ids, sequences: PackedSequences(lengths: [5]), activations: a)
        try model.tokenLogProbs(targets: [Int32](repeating: -1, count: 5), activations: a)
        let logits = model.logits(activations: a)
        let last = logits[(4 * model.config.vocabSize)...]
        let top5 = last.indices.sorted { last[$0] > last[$1] }.prefix(5).map { $0 - 4 * model.config.vocabSize }
        #expect(top5.contains(7042), "top-5 after \"is\": \(top5); \" Paris\" is token 7042")
        #expect(a.logProb[0] == 0 && a.entropy[4].isFinite)
    }
}
