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

    /// Bytes a `generate` call holds at its peak: every prompt's cache and last logits, the caches
    /// of the samples decoding at once (at most `maxBatch`; a finished sample's slot goes to the next
    /// waiting one), every sample's tokens, the decode workspace and the prefill activations. Nil
    /// when the count overflows.
    public func plannedBytes(_ requests: [GenerationRequest], newTokens: Int) -> Int? {
        var samples = 0
        for request in requests { samples = samples.addingReportingOverflow(request.samples).overflow ? Int.max : samples + request.samples }
        return plan(promptLengths: requests.map(\.prompt.count), heldSamples: samples, newTokens: newTokens)
    }

    /// Bytes a streamed generation holds at its peak: at most 2 × `maxBatch` prompts' caches (those
    /// whose samples decode and those prefilled ahead), `maxBatch` samples' caches and tokens, the
    /// workspace and the prefill activations (what the feed keeps is the feed's).
    public func plannedStreamBytes(longestPrompt: Int, newTokens: Int) -> Int? {
        plan(promptLengths: Array(repeating: longestPrompt, count: 2 * maxBatch), heldSamples: maxBatch, newTokens: newTokens)
    }

    private func plan(promptLengths: [Int], heldSamples samples: Int, newTokens: Int) -> Int? {
        let c = model.config
        var total = 0, overflow = false
        func add(_ bytes: Int) { (total, overflow) = overflow ? (total, true) : total.addingReportingOverflow(bytes) }
        func times(_ a: Int, _ b: Int) -> Int {
            let (product, over) = a.multipliedReportingOverflow(by: b)
            if over { overflow = true }
            return product
        }
        for length in promptLengths {
            add(KVCache.bytes(config: c, capacity: length))
            add((c.vocabSize + 1) * MemoryLayout<Float>.stride)
        }
        add(times(min(samples, maxBatch), KVCache.bytes(config: c, capacity: newTokens)))
        // every sample's tokens and log-probs until they are returned (Int32, Float, Double per token)
        add(times(samples, times(newTokens, 16)))
        add(times(maxBatch, (c.vocabSize + 8 * c.hiddenSize + 4 * c.intermediateSize) * MemoryLayout<Float>.stride))
        // prefill buffers, kept between groups: a group holds at most the budget or one longer prompt
        let longestPrompt = promptLengths.max() ?? 0
        add(LlamaActivations.bytes(config: c, capacity: max(longestPrompt, min(prefillTokenBudget, promptLengths.reduce(0, +))),
                                   retention: .recomputeMLP))
        return overflow ? nil : total
    }

    private final class Live {
        /// The request's ordinal (its place in the order the feed gave the requests).
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

    /// A prefilled prompt: its cache (the shared prefix of its samples) and its last position's
    /// logits and log Z, from which each of its samples draws its first token.
    private struct Prefilled {
        let cache: KVCache
        let logits: [Float]
        let logZ: Float
    }

    /// Continuous batching: at most `maxBatch` samples decode at once; when one finishes, the next
    /// waiting sample (in request order, then sample order) takes its slot, its prompt prefilled
    /// when first needed (prompts in groups of at most `maxBatch` and `prefillTokenBudget` tokens).
    /// A sample's tokens and log-probs do not depend on which others share its steps (decoding is
    /// batch-invariant and the random numbers are keyed by request, sample and position), so they are
    /// the same bits for every `maxBatch`. Results come in request order, then sample order.
    public func generate(_ requests: [GenerationRequest]) throws -> [GeneratedSample] {
        let c = model.config
        for request in requests { try check(request) }
        let newTokens = min(settings.maxNewTokens, c.maxPositionEmbeddings - (requests.map(\.prompt.count).max() ?? 0))
        let planned = plannedBytes(requests, newTokens: newTokens)
        if planned.map({ $0 > memoryLimit }) ?? true {
            let samples = requests.reduce(0) { $0.addingReportingOverflow($1.samples).overflow ? Int.max : $0 + $1.samples }
            let need = planned.map { String(format: "%.1f GiB", Double($0) / Double(1 << 30)) } ?? "more bytes than can be counted"
            let prompts = requests.count == 1 ? "1 prompt" : "\(requests.count) prompts"
            throw LlamaModelError("generating \(samples) sample\(samples == 1 ? "" : "s") of up to \(newTokens) tokens for \(prompts) needs \(need) "
                + "(KV cache \(KVCache.bytes(config: c, capacity: 1) / 1024) KiB per token, \(min(samples, maxBatch)) samples decoding at once), more than the "
                + String(format: "%.1f GiB", Double(memoryLimit) / Double(1 << 30)) + " this machine has; lower the samples per prompt, the number of prompts or the new tokens")
        }
        let feed = ListFeed(requests)
        try run(feed, newTokens: newTokens, longestPrompt: requests.map(\.prompt.count).max() ?? 0)
        return feed.results.flatMap { $0 }
    }

    /// Continuous batching over requests that arrive while others decode: `feed` is asked for a request
    /// whenever a slot is free, and given each request's samples as soon as its last one ends, so
    /// what it hands out next may depend on what came back (dynamic sampling); the generation ends
    /// when the feed is done. Every response may
    /// have `settings.maxNewTokens` tokens, so each prompt must be at most `longestPrompt` tokens and
    /// leave that room in the context. The caller plans the memory (`maxBatch` samples' caches of
    /// `longestPrompt + maxNewTokens` tokens, the prompts waiting for a slot). Same bits per sample
    /// as `generate(_:)` with the same requests.
    public func generate(streaming feed: GenerationFeed, longestPrompt: Int) throws {
        let c = model.config
        guard longestPrompt >= 1, longestPrompt + settings.maxNewTokens <= c.maxPositionEmbeddings else {
            throw LlamaModelError("streamed generation: prompts of up to \(longestPrompt) tokens and \(settings.maxNewTokens) new tokens "
                                  + "(expected 1 ≤ prompt and prompt + new tokens ≤ \(c.maxPositionEmbeddings), the context)")
        }
        if let planned = plannedStreamBytes(longestPrompt: longestPrompt, newTokens: settings.maxNewTokens), planned <= memoryLimit {
            try run(feed, newTokens: settings.maxNewTokens, longestPrompt: longestPrompt)
        } else {
            throw LlamaModelError("streamed generation of up to \(settings.maxNewTokens) tokens with \(maxBatch) samples decoding at once and prompts of up to "
                + "\(longestPrompt) tokens needs more than the " + String(format: "%.1f GiB", Double(memoryLimit) / Double(1 << 30))
                + " this machine has; lower the samples decoding at once or the new tokens")
        }
    }

    private func check(_ request: GenerationRequest, longestPrompt: Int? = nil) throws {
        let limit = longestPrompt.map { $0 + 1 } ?? model.config.maxPositionEmbeddings
        if request.prompt.isEmpty || request.prompt.count >= limit {
            throw LlamaModelError("request \(request.id): a prompt of \(request.prompt.count) tokens (expected 1..<\(limit)\(longestPrompt == nil ? ", the context" : ""))")
        }
        if request.samples < 1 { throw LlamaModelError("request \(request.id): \(request.samples) samples (expected at least 1)") }
    }

    /// A request taken from the feed: its place in the order of arrival, its samples not yet started
    /// (`nextSample` on) and those that have ended.
    private final class Pending {
        let ordinal: Int, request: GenerationRequest
        var nextSample = 0, ended: [Live] = []
        init(ordinal: Int, request: GenerationRequest) { (self.ordinal, self.request) = (ordinal, request) }
    }

    /// The decoding loop behind both `generate` calls.
    private func run(_ feed: GenerationFeed, newTokens: Int, longestPrompt: Int) throws {
        let c = model.config
        let workspace = DecodeWorkspace(config: c, batch: maxBatch, longestSequence: longestPrompt + newTokens)
        let v = c.vocabSize
        var waiting: [Pending] = []                    // taken, with samples not yet started; the prefilled ones first
        var prefilled: [Int: Prefilled] = [:]          // by ordinal, while the request has samples to start
        var unfinished: [Int: Pending] = [:]           // by ordinal, until its last sample ends
        var live: [Live] = []
        var taken = 0

        func take() throws -> Bool {
            guard let request = try feed.next() else { return false }
            try check(request, longestPrompt: longestPrompt)
            let pending = Pending(ordinal: taken, request: request)
            taken += 1
            waiting.append(pending)
            unfinished[pending.ordinal] = pending
            return true
        }

        // A sample has ended; when it is its request's last, the feed gets the request's samples.
        func ended(_ sequence: Live) throws {
            guard let pending = unfinished[sequence.requestIndex] else { return }
            pending.ended.append(sequence)
            guard pending.ended.count == pending.request.samples else { return }
            unfinished[pending.ordinal] = nil
            try feed.finished(pending.ended.sorted { $0.sampleIndex < $1.sampleIndex }.map {
                GeneratedSample(requestID: pending.request.id, sampleIndex: $0.sampleIndex, tokens: $0.tokens,
                                modelLogProbs: $0.modelLogProbs, samplingLogProbs: $0.samplingLogProbs,
                                finishReason: $0.finish ?? .length, text: $0.text)
            }, ordinal: pending.ordinal)
        }

        // Prefills the waiting prompts, none of them prefilled yet, in one group from the first on; a
        // feed that prefetches adds prompts to the group up to the limits, another only while their
        // samples could start in the `free` slots.
        func prefillGroup(free: Int) throws {
            var end = 1, tokens = waiting[0].request.prompt.count
            var samples = waiting[0].request.samples
            while end < maxBatch {
                if end == waiting.count {
                    guard feed.prefetches || samples < free, try take() else { break }
                }
                guard tokens + waiting[end].request.prompt.count <= prefillTokenBudget else { break }
                tokens += waiting[end].request.prompt.count
                samples += waiting[end].request.samples
                end += 1
            }
            let group = waiting[..<end].map(\.request)
            let caches = group.map { KVCache(config: c, capacity: $0.prompt.count) }
            let began = Profiler.now()
            try model.prefill(prompts: group.map(\.prompt), caches: caches, workspace: workspace)
            statistics.prefillSeconds += Profiler.now() - began
            statistics.prefillTokens += tokens
            for (offset, pending) in waiting[..<end].enumerated() {
                let row = workspace.logits.pointer + offset * v
                prefilled[pending.ordinal] = Prefilled(cache: caches[offset], logits: Array(UnsafeBufferPointer(start: row, count: v)),
                                                       logZ: workspace.logZ[offset])
            }
        }

        while true {
            // Fill the free slots with waiting samples; a sample that stops at its first token frees its slot at once.
            while live.count < maxBatch {
                if waiting.isEmpty { guard try take() else { break } }
                let pending = waiting[0]
                if prefilled[pending.ordinal] == nil { try prefillGroup(free: maxBatch - live.count) }
                let prompt = prefilled[pending.ordinal]!
                let sequence = Live(requestIndex: pending.ordinal, sampleIndex: pending.nextSample,
                                    cache: KVCache(config: c, capacity: newTokens, prefix: prompt.cache))
                prompt.logits.withUnsafeBufferPointer { logits in
                    append(to: sequence, logits: logits.baseAddress!, logZ: prompt.logZ, request: pending.request, limit: newTokens)
                }
                pending.nextSample += 1
                if pending.nextSample == pending.request.samples {
                    prefilled[pending.ordinal] = nil   // its samples hold the cache
                    waiting.removeFirst()
                }
                if sequence.finish == nil { live.append(sequence) } else { try ended(sequence) }
                if feed.isDone { return }
            }
            guard !live.isEmpty else { break }
            let began = Profiler.now()
            try model.decodeStep(tokens: live.map { $0.tokens.last! }, caches: live.map(\.cache), workspace: workspace)
            statistics.decodeSeconds += Profiler.now() - began
            statistics.decodeSteps += 1
            statistics.decodedTokens += live.count
            for (row, sequence) in live.enumerated() {
                append(to: sequence, logits: workspace.logits.pointer + row * v, logZ: workspace.logZ[row], request: unfinished[sequence.requestIndex]!.request, limit: newTokens)
            }
            let finished = live.filter { $0.finish != nil }
            live.removeAll { $0.finish != nil }
            for sequence in finished { try ended(sequence) }
            if feed.isDone { return }
        }
    }

    /// Samples the next token of `sequence` from `logits` (its log Σ e^z is `logZ`) and checks the stop rules.
    private func append(to sequence: Live, logits: UnsafePointer<Float>, logZ: Float, request: GenerationRequest, limit: Int) {
        let v = model.config.vocabSize
        let uniform = CounterRNG.uniform(seed: settings.seed, prompt: request.id, sample: sequence.sampleIndex, position: sequence.tokens.count)
        let (token, samplingLogProb) = Sampler.sample(logits: logits, vocabulary: v, settings: settings, uniform: uniform)
        sequence.tokens.append(token)
        sequence.modelLogProbs.append(logits[Int(token)] - logZ)
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
