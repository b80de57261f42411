import Foundation
import Kernels
import LlamaModel

/// One prompt to continue `samples` times. `id` keys the random numbers (with the sample index and
/// the position), so the same id always gives the same samples.
public struct GenerationRequest: Sendable {
    public var id: Int
    public var prompt: [Int32]
    public var samples: Int

    public init(id: Int, prompt: [Int32], samples: Int = 1) {
        self.id = id
        self.prompt = prompt
        self.samples = samples
    }
}

public enum FinishReason: String, Codable, Sendable {
    /// An end-of-sequence token was sampled (it is the last token).
    case eos
    /// A stop string appeared in the text (the response is cut before it).
    case stop
    /// `maxNewTokens` were generated.
    case length
}

public struct GeneratedSample: Sendable {
    public var requestID: Int
    public var sampleIndex: Int
    public var tokens: [Int32]
    /// log p(token) under the model (temperature 1, no filters): the trainer's number, bit for bit.
    public var modelLogProbs: [Float]
    /// log p(token) under the sampling distribution actually used.
    public var samplingLogProbs: [Double]
    public var finishReason: FinishReason
    /// With stop strings: the text up to the stop string (set by the generator's `decode`).
    public var text: String?
}

/// Batched sampling through the KV-cache path: every prompt is prefilled once (its G samples share
/// the prompt's cache), then all live sequences advance together, one batched step per token.
public final class Generator {
    public let model: LlamaModel
    public let settings: SamplingSettings
    public let eosTokens: Set<Int32>
    public let maxBatch: Int
    /// Token ids → text, needed for stop strings.
    public let decode: (([Int32]) -> String)?

    public private(set) var statistics = Statistics()
    /// Called after every sampled token (request id, sample index, all tokens so far): for streaming.
    public var onToken: ((Int, Int, [Int32]) -> Void)?

    public struct Statistics: Sendable {
        public var prefillTokens = 0, prefillSeconds = 0.0
        public var decodedTokens = 0, decodeSeconds = 0.0, decodeSteps = 0
    }

    /// Most prompt tokens prefilled in one forward pass (the pass keeps its activations, about
    /// 0.7 MB per token for SmolLM2-135M, so this bounds prefill memory); a longer prompt goes alone.
    public let prefillTokenBudget: Int

    /// Most bytes a `generate` call may plan to hold (KV caches, workspace); default: this machine's memory.
    public let memoryLimit: Int

    public init(model: LlamaModel, settings: SamplingSettings, eosTokens: Set<Int32>, maxBatch: Int = 64,
                prefillTokenBudget: Int = 1024, memoryLimit: Int? = nil, decode: (([Int32]) -> String)? = nil) throws {
        if let problem = settings.problems().first { throw LlamaModelError("sampling: \(problem)") }
        if !settings.stopStrings.isEmpty && decode == nil { throw LlamaModelError("stop strings need a tokenizer to decode text") }
        self.model = model
        self.settings = settings
        self.eosTokens = eosTokens
        self.maxBatch = max(1, maxBatch)
        self.prefillTokenBudget = max(1, prefillTokenBudget)
        self.memoryLimit = memoryLimit ?? Int(clamping: ProcessInfo.processInfo.physicalMemory)
        self.decode = decode
    }

    /// Bytes a `generate` call holds at its peak: every prompt's cache, every sample's own cache for
    /// `newTokens` tokens (all samples are started before decoding), the decode workspace and the
    /// prefill activations. Nil when the count overflows.
    public func plannedBytes(_ requests: [GenerationRequest], newTokens: Int) -> Int? {
        let c = model.config
        var total = 0, overflow = false
        func add(_ bytes: Int) { (total, overflow) = overflow ? (total, true) : total.addingReportingOverflow(bytes) }
        func times(_ a: Int, _ b: Int) -> Int {
            let (product, over) = a.multipliedReportingOverflow(by: b)
            if over { overflow = true }
            return product
        }
        for request in requests {
            add(KVCache.bytes(config: c, capacity: request.prompt.count))
            add(times(request.samples, KVCache.bytes(config: c, capacity: newTokens)))
        }
        add(times(maxBatch, (c.vocabSize + 8 * c.hiddenSize + 4 * c.intermediateSize) * MemoryLayout<Float>.stride))
        add(LlamaActivations.bytes(config: c, capacity: min(prefillTokenBudget, requests.map(\.prompt.count).max() ?? 0)))
        return overflow ? nil : total
    }

    private final class Live {
        let requestIndex: Int, sampleIndex: Int, cache: KVCache
        var tokens: [Int32] = [], modelLogProbs: [Float] = [], samplingLogProbs: [Double] = []
        var finish: FinishReason?
        var text: String?
        init(requestIndex: Int, sampleIndex: Int, cache: KVCache) {
            self.requestIndex = requestIndex
            self.sampleIndex = sampleIndex
            self.cache = cache
        }
    }

    public func generate(_ requests: [GenerationRequest]) throws -> [GeneratedSample] {
        let c = model.config
        for request in requests where request.prompt.isEmpty || request.prompt.count >= c.maxPositionEmbeddings {
            throw LlamaModelError("request \(request.id): a prompt of \(request.prompt.count) tokens (expected 1..<\(c.maxPositionEmbeddings), the context)")
        }
        let newTokens = min(settings.maxNewTokens, c.maxPositionEmbeddings - (requests.map(\.prompt.count).max() ?? 0))
        if let bad = requests.first(where: { $0.samples < 1 }) {
            throw LlamaModelError("request \(bad.id): \(bad.samples) samples (expected at least 1)")
        }
        let planned = plannedBytes(requests, newTokens: newTokens)
        if planned.map({ $0 > memoryLimit }) ?? true {
            let samples = requests.reduce(0) { $0.addingReportingOverflow($1.samples).overflow ? Int.max : $0 + $1.samples }
            let need = planned.map { String(format: "%.1f GiB", Double($0) / Double(1 << 30)) } ?? "more bytes than can be counted"
            let prompts = requests.count == 1 ? "1 prompt" : "\(requests.count) prompts"
            throw LlamaModelError("generating \(samples) sample\(samples == 1 ? "" : "s") of up to \(newTokens) tokens for \(prompts) needs \(need) "
                + "(KV cache \(KVCache.bytes(config: c, capacity: 1) / 1024) KiB per token, all samples held at once), more than the "
                + String(format: "%.1f GiB", Double(memoryLimit) / Double(1 << 30)) + " this machine has; lower the samples per prompt, the number of prompts or the new tokens")
        }
        let longest = (requests.map(\.prompt.count).max() ?? 0) + newTokens
        let workspace = DecodeWorkspace(config: c, batch: maxBatch, longestSequence: longest)
        var live: [Live] = []
        // Prefill in groups of prompts (at most maxBatch prompts and prefillTokenBudget tokens, or one
        // longer prompt); sample every request's first tokens from its prompt logits.
        var start = 0
        while start < requests.count {
            var end = start + 1, tokens = requests[start].prompt.count
            while end < requests.count, end - start < maxBatch, tokens + requests[end].prompt.count <= prefillTokenBudget {
                tokens += requests[end].prompt.count
                end += 1
            }
            let group = Array(requests[start..<end])
            let caches = group.map { KVCache(config: c, capacity: $0.prompt.count) }
            let began = Profiler.now()
            try model.prefill(prompts: group.map(\.prompt), caches: caches, workspace: workspace)
            statistics.prefillSeconds += Profiler.now() - began
            statistics.prefillTokens += group.reduce(0) { $0 + $1.prompt.count }
            for (offset, request) in group.enumerated() {
                for sample in 0..<request.samples {
                    let sequence = Live(requestIndex: start + offset, sampleIndex: sample,
                                        cache: KVCache(config: c, capacity: newTokens, prefix: caches[offset]))
                    append(to: sequence, row: offset, workspace: workspace, request: request, limit: newTokens)
                    live.append(sequence)
                }
            }
            start = end
        }
        // Decode every unfinished sequence, maxBatch at a time, until all have finished.
        while true {
            let running = live.filter { $0.finish == nil }
            if running.isEmpty { break }
            var index = 0
            while index < running.count {
                let batch = Array(running[index..<min(running.count, index + maxBatch)])
                let began = Profiler.now()
                try model.decodeStep(tokens: batch.map { $0.tokens.last! }, caches: batch.map(\.cache), workspace: workspace)
                statistics.decodeSeconds += Profiler.now() - began
                statistics.decodeSteps += 1
                statistics.decodedTokens += batch.count
                for (row, sequence) in batch.enumerated() {
                    append(to: sequence, row: row, workspace: workspace, request: requests[sequence.requestIndex], limit: newTokens)
                }
                index += maxBatch
            }
        }
        return live.map {
            GeneratedSample(requestID: requests[$0.requestIndex].id, sampleIndex: $0.sampleIndex, tokens: $0.tokens,
                            modelLogProbs: $0.modelLogProbs, samplingLogProbs: $0.samplingLogProbs,
                            finishReason: $0.finish ?? .length, text: $0.text)
        }
    }

    /// Samples the next token of `sequence` from row `row` of the workspace and checks the stop rules.
    private func append(to sequence: Live, row: Int, workspace: DecodeWorkspace, request: GenerationRequest, limit: Int) {
        let v = model.config.vocabSize
        let logits = UnsafePointer(workspace.logits.pointer + row * v)
        let uniform = CounterRNG.uniform(seed: settings.seed, prompt: request.id, sample: sequence.sampleIndex, position: sequence.tokens.count)
        let (token, samplingLogProb) = Sampler.sample(logits: logits, vocabulary: v, settings: settings, uniform: uniform)
        sequence.tokens.append(token)
        sequence.modelLogProbs.append(logits[Int(token)] - workspace.logZ[row])
        sequence.samplingLogProbs.append(samplingLogProb)
        if eosTokens.contains(token) {
            sequence.finish = .eos
        } else if !settings.stopStrings.isEmpty, let decode {
            let text = decode(sequence.tokens)
            if let cut = settings.stopStrings.compactMap({ text.range(of: $0)?.lowerBound }).min() {
                sequence.finish = .stop
                sequence.text = String(text[..<cut])
            }
        }
        if sequence.finish == nil && sequence.tokens.count >= limit { sequence.finish = .length }
        onToken?(request.id, sequence.sampleIndex, sequence.tokens)
    }
}
