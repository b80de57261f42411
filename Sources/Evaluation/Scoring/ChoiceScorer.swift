import Diagnostics
import Foundation
import Kernels
import LlamaModel

/// One multiple-choice question in tokens: the shared context and each choice's continuation.
public struct ChoiceRequest: Sendable {
    public var context: [Int32]
    public var continuations: [[Int32]]

    public init(context: [Int32], continuations: [[Int32]]) {
        self.context = context
        self.continuations = continuations
    }
}

/// Σ log p(continuation token | everything before it) per choice, and whether every continuation
/// token was the model's most likely token (lm-eval's `is_greedy`).
public struct ChoiceResult: Sendable, Equatable {
    public var logLikelihoods: [Double]
    public var greedy: [Bool]
}

/// Log-likelihood scoring through the KV-cache path: each context is prefilled once (a batch of
/// contexts per forward pass), every choice continues it in its own small cache whose prefix is the
/// context's, and all choices of all questions advance together, one batched decoding step per
/// token. The numbers are the training forward pass's (the decoding path is bit-identical to it).
public final class ChoiceScorer {
    public let model: LlamaModel
    public let maxBatch: Int
    public let prefillTokenBudget: Int
    public private(set) var scoredTokens = 0
    /// Kept between calls (with its prefill buffers) while it is large enough.
    private var workspace: DecodeWorkspace?

    public init(model: LlamaModel, maxBatch: Int = 32, prefillTokenBudget: Int = 2048) {
        self.model = model
        self.maxBatch = max(1, maxBatch)
        self.prefillTokenBudget = max(1, prefillTokenBudget)
    }

    /// A question whose context and longest continuation exceed the model's context keeps the
    /// last tokens of its context (lm-eval cuts from the left too).
    func fitted(_ request: ChoiceRequest) throws -> ChoiceRequest {
        let window = model.config.maxPositionEmbeddings
        let longest = request.continuations.map(\.count).max() ?? 0
        guard longest < window else { throw EvalError("a choice of \(longest) tokens does not fit the model's context of \(window)") }
        if let empty = request.continuations.firstIndex(where: \.isEmpty) { throw EvalError("choice \(empty) of a question is empty after tokenization") }
        var fitted = request
        if request.context.count + longest > window { fitted.context = Array(request.context.suffix(window - longest)) }
        if fitted.context.isEmpty { throw EvalError("a question has an empty context") }
        return fitted
    }

    private final class Continuation {
        let question: Int, choice: Int, tokens: [Int32], cache: KVCache
        var fed = 0
        init(question: Int, choice: Int, tokens: [Int32], cache: KVCache) {
            self.question = question
            self.choice = choice
            self.tokens = tokens
            self.cache = cache
        }
    }

    private func reusedWorkspace(longestSequence: Int) -> DecodeWorkspace {
        if let kept = workspace, kept.longest >= longestSequence { return kept }
        workspace = nil
        let made = DecodeWorkspace(config: model.config, batch: maxBatch, longestSequence: longestSequence)
        workspace = made
        return made
    }

    public func score(_ requests: [ChoiceRequest]) throws -> [ChoiceResult] {
        let c = model.config, v = c.vocabSize
        let requests = try requests.map(fitted)
        var results = requests.map { ChoiceResult(logLikelihoods: Array(repeating: 0, count: $0.continuations.count),
                                                  greedy: Array(repeating: true, count: $0.continuations.count)) }
        let longest = requests.map { $0.context.count + ($0.continuations.map(\.count).max() ?? 0) }.max() ?? 1
        let workspace = reusedWorkspace(longestSequence: longest)

        // Reads row `row` of the workspace as the prediction of `token` for (question, choice).
        func record(row: Int, token: Int32, question: Int, choice: Int) {
            let logits = workspace.logits.pointer + row * v
            var best = 0
            for i in 1..<v where logits[i] > logits[best] { best = i }
            results[question].logLikelihoods[choice] += Double(logits[Int(token)] - workspace.logZ[row])
            if best != Int(token) { results[question].greedy[choice] = false }
        }

        // Contexts: prefilled in groups; their last logits predict every choice's first token.
        var pending: [Continuation] = []
        var start = 0
        while start < requests.count {
            var end = start + 1, tokens = requests[start].context.count
            while end < requests.count, end - start < maxBatch, tokens + requests[end].context.count <= prefillTokenBudget {
                tokens += requests[end].context.count
                end += 1
            }
            let caches = requests[start..<end].map { KVCache(config: c, capacity: $0.context.count) }
            try model.prefill(prompts: requests[start..<end].map(\.context), caches: caches, workspace: workspace)
            scoredTokens += tokens
            for question in start..<end {
                for (choice, continuation) in requests[question].continuations.enumerated() {
                    record(row: question - start, token: continuation[0], question: question, choice: choice)
                    scoredTokens += 1
                    if continuation.count > 1 {
                        pending.append(Continuation(question: question, choice: choice, tokens: continuation,
                                                    cache: KVCache(config: c, capacity: continuation.count - 1, prefix: caches[question - start])))
                    }
                }
            }
            start = end
        }
        // Continuations: token t is fed to predict token t + 1, all choices batched together.
        while !pending.isEmpty {
            let batch = Array(pending.prefix(maxBatch))
            try model.decodeStep(tokens: batch.map { $0.tokens[$0.fed] }, caches: batch.map(\.cache), workspace: workspace)
            for (row, sequence) in batch.enumerated() {
                sequence.fed += 1
                record(row: row, token: sequence.tokens[sequence.fed], question: sequence.question, choice: sequence.choice)
                scoredTokens += 1
            }
            pending = Array(pending.dropFirst(batch.count)) + batch.filter { $0.fed + 1 < $0.tokens.count }
        }
        return results
    }
}

/// A problem with an evaluation's inputs (exit 2).
public struct EvalError: BadInput {
    public let description: String
    public init(_ description: String) { self.description = description }
}
