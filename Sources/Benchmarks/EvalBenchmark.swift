import Evaluation
import Foundation
import Kernels
import LlamaModel

/// Multiple-choice scoring speed against prompt processing on the same model.
public struct EvalBenchmark {
    public let model: LlamaModel

    public init(model: LlamaModel) {
        self.model = model
    }

    /// Tokens per second of scoring `questions` synthetic questions (a `contextTokens` context and
    /// `choices` continuations of `choiceTokens` each), best of `repeats`; every context and
    /// continuation token counts once, as in prompt processing.
    public func choiceScoring(questions: Int, contextTokens: Int, choices: Int, choiceTokens: Int, repeats: Int = 2) throws -> Double {
        let vocabulary = model.config.vocabSize
        var requests: [ChoiceRequest] = []
        for q in 0..<questions {
            let context = GenerateBenchmark.tokens(contextTokens, vocabulary: vocabulary, seed: UInt64(10 + q))
            var continuations: [[Int32]] = []
            for c in 0..<choices {
                continuations.append(GenerateBenchmark.tokens(choiceTokens, vocabulary: vocabulary, seed: UInt64(1000 + q * 8 + c)))
            }
            requests.append(ChoiceRequest(context: context, continuations: continuations))
        }
        var best = Double.infinity
        for _ in 0..<repeats {
            let scorer = ChoiceScorer(model: model, maxBatch: 64)
            let start = Profiler.now()
            _ = try scorer.score(requests)
            best = min(best, Profiler.now() - start)
        }
        return Double(questions * (contextTokens + choices * choiceTokens)) / best
    }
}
