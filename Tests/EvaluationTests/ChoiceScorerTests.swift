import Kernels
import LlamaModel
import Testing
import TestSupport
import Evaluation

/// The shared-context scorer against the training forward pass run on each whole sequence.
@Suite struct ChoiceScorerTests {
    @Test func matchesTheForwardPassOnEachWholeSequence() throws {
        let model = try randomLlama(vocab: 64, layers: 2, seed: 5)
        let requests = [
            ChoiceRequest(context: [1, 2, 3, 4, 5], continuations: [[6], [7, 8, 9], [10, 11]]),
            ChoiceRequest(context: [9], continuations: [[3, 3, 3, 3], [2]]),
            ChoiceRequest(context: Array(repeating: 12, count: 30), continuations: [[1, 2], [2, 1], [5]]),
        ]
        for batch in [1, 2, 64] {
            let results = try ChoiceScorer(model: model, maxBatch: batch, prefillTokenBudget: 8).score(requests)
            for (q, request) in requests.enumerated() {
                for (c, continuation) in request.continuations.enumerated() {
                    let tokens = request.context + continuation
                    let a = LlamaActivations(config: model.config, capacity: tokens.count, longestSequence: tokens.count)
                    try model.forward(tokens: tokens, sequences: PackedSequences(lengths: [tokens.count]), activations: a)
                    try model.tokenLogProbs(targets: Array(tokens.dropFirst()) + [-1], activations: a)
                    let start = request.context.count - 1
                    let expected = (start..<(tokens.count - 1)).reduce(0.0) { $0 + Double(a.logProb.pointer[$1]) }
                    // Same kernels, same bits: the decode path equals the training forward pass.
                    #expect(results[q].logLikelihoods[c] == expected, "batch \(batch), question \(q), choice \(c)")
                    let logits = model.logits(activations: a), v = model.config.vocabSize
                    let greedy = (start..<(tokens.count - 1)).allSatisfy { row in
                        let slice = logits[(row * v)..<((row + 1) * v)]
                        return slice.firstIndex(of: slice.max()!)! - row * v == Int(tokens[row + 1])
                    }
                    #expect(results[q].greedy[c] == greedy)
                }
            }
        }
    }

    @Test func longContextsKeepTheirEnd() throws {
        let model = try randomLlama(vocab: 64, layers: 1, seed: 6)   // context 256
        let long = ChoiceRequest(context: (0..<300).map { Int32($0 % 60) }, continuations: [[1, 2, 3]])
        let cut = ChoiceRequest(context: Array(long.context.suffix(253)), continuations: [[1, 2, 3]])
        let scorer = ChoiceScorer(model: model)
        #expect(try scorer.score([long]) == (try scorer.score([cut])))
        #expect(throws: EvalError.self) { try scorer.score([ChoiceRequest(context: [1], continuations: [[]])]) }
    }
}
