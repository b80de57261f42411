import Foundation
import Generation
import Kernels
import LlamaModel
import ModelIO
import Testing
import Tokenization

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

@Suite(.serialized, .enabled(if: realModelPresent, "models/SmolLM2-135M-Instruct.Q4_1.gguf is absent: run `make model`"))
struct RealModelChatTests {
    @Test func greedyChatAnswersAreCoherent() throws {
        let model = try LlamaCheckpoint.load(realModelPath)
        let tokenizer = try BPETokenizer.load(checkpoint: realModelPath)
        let template = try ChatTemplate.detect(jinja: tokenizer.chatTemplate ?? "", eosToken: "<|im_end|>")
        let questions = ["What is the capital of France?", "What is 2 + 3? Answer with a number."]
        let requests = questions.enumerated().map { index, question in
            GenerationRequest(id: index, prompt: tokenizer.encode(template.render([ChatMessage(role: "user", content: question)], addGenerationPrompt: true)))
        }
        let generator = try Generator(model: model, settings: SamplingSettings(temperature: 0, maxNewTokens: 40),
                                      eosTokens: [tokenizer.eosTokenID!], maxBatch: 2)
        let answers = try generator.generate(requests).sorted { $0.requestID < $1.requestID }.map { tokenizer.decode($0.tokens, skipSpecial: true) }
        #expect(answers[0].contains("Paris"), "\(answers[0])")
        #expect(answers[1].contains("5"), "\(answers[1])")
    }
}

@Suite(.enabled(if: realModelPresent, "models/SmolLM2-135M-Instruct.Q4_1.gguf is absent: run `make model`"))
struct RealModelTokenizerTests {
    /// The tokenizer read from GGUF metadata gives the ids transformers gave for the reference texts.
    @Test func ggufTokenizerMatchesTransformers() throws {
        let tokenizer = try BPETokenizer.load(checkpoint: realModelPath)
        #expect(tokenizer.vocabularySize == 49152 && tokenizer.eosTokenID == 2 && tokenizer.bosTokenID == 1)
        let data = try Data(contentsOf: URL(fileURLWithPath: try ReferenceFixture.path("smollm2_135m_reference.json")))
        let reference = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        for item in try #require(reference["cases"] as? [[String: Any]]) {
            let text = try #require(item["text"] as? String)
            #expect(tokenizer.encode(text) == (item["token_ids"] as? [Int])?.map(Int32.init), "\(item["name"] ?? "?")")
        }
        #expect(tokenizer.encode("<|im_start|>user\nWhat is 12345 + 678?<|im_end|>") ==
                [1, 4093, 198, 1780, 314, 216, 33, 34, 35, 36, 37, 1232, 216, 38, 39, 40, 47, 2])
    }
}
