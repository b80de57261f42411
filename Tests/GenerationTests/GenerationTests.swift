import Foundation
import Generation
import Kernels
import LlamaModel
import Testing
import TestSupport

private func randomModel() throws -> LlamaModel {
    try randomLlama(seed: 5, scale: 0.5)
}

private func prompt(_ length: Int, seed: UInt64) -> [Int32] {
    var random = SplitMix64(state: seed)
    return (0..<length).map { _ in Int32(random.below(300)) }
}

/// Log-probs of `response` after `prompt` from the training forward pass.
private func trainingLogProbs(_ model: LlamaModel, prompt: [Int32], response: [Int32]) throws -> [Float] {
    let tokens = prompt + response
    let a = LlamaActivations(config: model.config, capacity: tokens.count, longestSequence: tokens.count)
    try model.forward(tokens: tokens, sequences: PackedSequences(lengths: [tokens.count]), activations: a)
    let targets = Array(tokens.dropFirst()) + [-1]
    try model.tokenLogProbs(targets: targets, activations: a)
    return (0..<response.count).map { a.logProb[prompt.count - 1 + $0] }
}

@Suite(.serialized) struct GenerationTests {
    /// docs/core.md: the log-prob returned with each sampled token is, bit for bit, the trainer's, on
    /// every kernel path; and every path samples the same tokens with the same log-probs.
    @Test(arguments: KernelPath.available) func sampledLogProbsEqualTheTrainingForwardPass(path: KernelPath) throws {
        try KernelPath.with(path) { try checkSampledLogProbs(path) }
    }

    private func checkSampledLogProbs(_ path: KernelPath) throws {
        let model = try randomModel()
        let requests = [GenerationRequest(id: 0, prompt: prompt(7, seed: 1), samples: 3),
                        GenerationRequest(id: 1, prompt: prompt(19, seed: 2), samples: 2),
                        GenerationRequest(id: 2, prompt: prompt(1, seed: 3), samples: 1)]
        let generator = try Generator(model: model, settings: SamplingSettings(temperature: 1, maxNewTokens: 24, seed: 9),
                                      eosTokens: [], maxBatch: 4)
        let samples = try generator.generate(requests)
        #expect(samples.count == 6)
        for sample in samples {
            let request = requests.first { $0.id == sample.requestID }!
            let reference = try trainingLogProbs(model, prompt: request.prompt, response: sample.tokens)
            #expect(sample.modelLogProbs.map(\.bitPattern) == reference.map(\.bitPattern),
                    "\(path): request \(sample.requestID) sample \(sample.sampleIndex)")
            #expect(sample.tokens.count == 24 && sample.finishReason == .length)
        }
        let portable = try KernelPath.with(.portable) { try generator.generate(requests) }
        #expect(samples.map(\.tokens) == portable.map(\.tokens), "\(path) samples other tokens than the portable path")
        #expect(samples.map { $0.modelLogProbs.map(\.bitPattern) } == portable.map { $0.modelLogProbs.map(\.bitPattern) })
    }

    /// With LoRA adapters the decoding path applies them as the training forward does: same bits;
    /// also with the base's layers stored as bf16 (both paths read them widened).
    @Test(arguments: [false, true]) func sampledLogProbsEqualTheTrainingForwardPassWithAdapters(bf16: Bool) throws {
        let model = try randomModel()
        attachRandomAdapters(to: model, rank: 4, targets: [.q, .k, .v, .o, .gate, .up, .down])
        if bf16 { try model.storeBaseInBF16() }
        let requests = [GenerationRequest(id: 0, prompt: prompt(7, seed: 1), samples: 2), GenerationRequest(id: 1, prompt: prompt(12, seed: 2), samples: 1)]
        let generator = try Generator(model: model, settings: SamplingSettings(temperature: 1, maxNewTokens: 16, seed: 9), eosTokens: [], maxBatch: 4)
        for sample in try generator.generate(requests) {
            let request = requests.first { $0.id == sample.requestID }!
            let reference = try trainingLogProbs(model, prompt: request.prompt, response: sample.tokens)
            #expect(sample.modelLogProbs.map(\.bitPattern) == reference.map(\.bitPattern), "request \(sample.requestID) sample \(sample.sampleIndex)")
        }
    }

    @Test func samplesDoNotDependOnBatchSizeOrOrder() throws {
        let model = try randomModel()
        let requests = (0..<5).map { GenerationRequest(id: 10 + $0, prompt: prompt(3 + 4 * $0, seed: UInt64($0)), samples: 2) }
        let settings = SamplingSettings(temperature: 0.9, topP: 0.95, topK: 50, maxNewTokens: 12, seed: 3)
        func run(_ batch: Int, _ order: [GenerationRequest], prefillBudget: Int = 1024) throws -> [String: [Int32]] {
            let samples = try Generator(model: model, settings: settings, eosTokens: [], maxBatch: batch,
                                        prefillTokenBudget: prefillBudget).generate(order)
            return Dictionary(uniqueKeysWithValues: samples.map { ("\($0.requestID)/\($0.sampleIndex)", $0.tokens) })
        }
        let reference = try run(1, requests)
        #expect(try run(3, requests) == reference)
        #expect(try run(16, requests.reversed()) == reference)
        #expect(try run(16, requests, prefillBudget: 8) == reference)   // prompts prefilled in small groups
        // Different samples of one prompt differ (their random numbers do).
        #expect(reference["10/0"] != reference["10/1"])
    }

    @Test func greedyIsArgmaxAndEOSStops() throws {
        let model = try randomModel()
        let request = GenerationRequest(id: 0, prompt: prompt(5, seed: 4))
        let greedy = try Generator(model: model, settings: SamplingSettings(temperature: 0, maxNewTokens: 10), eosTokens: []).generate([request])[0]
        // Each greedy token is the argmax of the training pass's logits at that position.
        let tokens = request.prompt + greedy.tokens
        let a = LlamaActivations(config: model.config, capacity: tokens.count, longestSequence: tokens.count)
        try model.forward(tokens: tokens, sequences: PackedSequences(lengths: [tokens.count]), activations: a)
        try model.tokenLogProbs(targets: [Int32](repeating: -1, count: tokens.count), activations: a)
        let logits = model.logits(activations: a)
        for (i, token) in greedy.tokens.enumerated() {
            let row = logits[((request.prompt.count - 1 + i) * 300)..<((request.prompt.count + i) * 300)]
            #expect(Int(token) == row.indices.max { row[$0] < row[$1] }! - (request.prompt.count - 1 + i) * 300)
        }
        #expect(greedy.samplingLogProbs.allSatisfy { $0 == 0 })
        // Stopping at an EOS token: the run ends with it.
        let eos = greedy.tokens[3]
        let stopped = try Generator(model: model, settings: SamplingSettings(temperature: 0, maxNewTokens: 10), eosTokens: [eos]).generate([request])[0]
        #expect(stopped.finishReason == .eos && stopped.tokens.last == eos && stopped.tokens.count <= 4)
    }

    @Test func stopStringsCutTheText() throws {
        let model = try randomModel()
        let decode: ([Int32]) -> String = { ids in ids.map { "<\($0)>" }.joined() }
        let request = GenerationRequest(id: 0, prompt: prompt(5, seed: 4))
        let free = try Generator(model: model, settings: SamplingSettings(temperature: 0, maxNewTokens: 10), eosTokens: []).generate([request])[0]
        let stop = "<\(free.tokens[2])>"
        let stopped = try Generator(model: model, settings: SamplingSettings(temperature: 0, maxNewTokens: 10, stopStrings: [stop]),
                                    eosTokens: [], decode: decode).generate([request])[0]
        #expect(stopped.finishReason == .stop)
        #expect(stopped.text.map { !$0.contains(stop) } == true)
    }

    @Test func samplerFilters() {
        // logits ln(0.5), ln(0.3), ln(0.15), ln(0.05): probabilities 0.5, 0.3, 0.15, 0.05
        let logits: [Float] = [0.5, 0.3, 0.15, 0.05].map { Float(log($0)) }
        logits.withUnsafeBufferPointer { l in
            let p = l.baseAddress!
            // top-k 2 keeps {0, 1} renormalised to 0.625 / 0.375; u = 0.7 falls in token 1.
            let k = Sampler.sample(logits: p, vocabulary: 4, settings: SamplingSettings(topK: 2), uniform: 0.7)
            #expect(k.token == 1 && abs(k.logProb - log(0.375)) < 1e-6)
            // top-p 0.8 keeps {0, 1} (0.5 + 0.3 reaches 0.8).
            let topP = Sampler.sample(logits: p, vocabulary: 4, settings: SamplingSettings(topP: 0.8), uniform: 0.99)
            #expect(topP.token == 1)
            // min-p 0.25 drops tokens below 0.125: keeps {0, 1, 2}; u = 0.99 → token 2 with p 0.15/0.95.
            let minP = Sampler.sample(logits: p, vocabulary: 4, settings: SamplingSettings(minP: 0.25), uniform: 0.99)
            #expect(minP.token == 2 && abs(minP.logProb - log(0.15 / 0.95)) < 1e-6)
            // No filter: u = 0.96 lands in the last 5 % → token 3.
            #expect(Sampler.sample(logits: p, vocabulary: 4, settings: SamplingSettings(), uniform: 0.96).token == 3)
            // Temperature → 0 limit: greedy.
            #expect(Sampler.sample(logits: p, vocabulary: 4, settings: SamplingSettings(temperature: 0), uniform: 0.96).token == 0)
        }
    }

    @Test func counterRNGIsAPureFunctionOfItsKey() {
        let a = CounterRNG.uniform(seed: 1, prompt: 2, sample: 3, position: 4)
        #expect(a == CounterRNG.uniform(seed: 1, prompt: 2, sample: 3, position: 4))
        #expect(a != CounterRNG.uniform(seed: 1, prompt: 2, sample: 4, position: 4))
        #expect(a != CounterRNG.uniform(seed: 1, prompt: 3, sample: 3, position: 4))
        // Roughly uniform: the mean of 10 000 draws is within 0.02 of 0.5.
        let mean = (0..<10_000).map { CounterRNG.uniform(seed: 7, prompt: 0, sample: 0, position: $0) }.reduce(0, +) / 10_000
        #expect(abs(mean - 0.5) < 0.02)
    }

    /// A request the machine cannot hold (the prompts' caches, `maxBatch` samples' caches, every
    /// sample's tokens) is refused before anything is allocated, with the numbers (and an
    /// overflowing count is not a crash).
    @Test func requestsBeyondTheMemoryLimitAreRefused() throws {
        let model = try randomModel()
        let settings = SamplingSettings(temperature: 1, maxNewTokens: 8, seed: 1)
        let small = try Generator(model: model, settings: settings, eosTokens: [], maxBatch: 4, memoryLimit: 1 << 20)
        let planned = try #require(small.plannedBytes([GenerationRequest(id: 0, prompt: prompt(5, seed: 1), samples: 3)], newTokens: 8))
        #expect(planned > KVCache.bytes(config: model.config, capacity: 5) + 3 * KVCache.bytes(config: model.config, capacity: 8))
        // more samples than slots: only the slots' caches, plus every sample's tokens
        let many = try #require(small.plannedBytes([GenerationRequest(id: 0, prompt: prompt(5, seed: 1), samples: 40)], newTokens: 8))
        #expect(many - planned == 37 * 8 * 16 + KVCache.bytes(config: model.config, capacity: 8))
        #expect(throws: LlamaModelError.self) {
            _ = try small.generate([GenerationRequest(id: 0, prompt: prompt(5, seed: 1), samples: 100_000)])
        }
        let roomy = try Generator(model: model, settings: settings, eosTokens: [], maxBatch: 4)
        #expect(roomy.plannedBytes([GenerationRequest(id: 0, prompt: prompt(5, seed: 1), samples: .max)], newTokens: 8) == nil)
        do {
            _ = try roomy.generate([GenerationRequest(id: 0, prompt: prompt(5, seed: 1), samples: .max)])
            Issue.record("Int.max samples were accepted")
        } catch let error as LlamaModelError {
            #expect("\(error)".contains("needs more bytes than can be counted"), "\(error)")
        }
        #expect(try roomy.generate([GenerationRequest(id: 0, prompt: prompt(5, seed: 1), samples: 2)]).count == 2)
    }

    /// Continuous batching: however few slots decode at once (a finished sample's slot going to the
    /// next waiting one, prompts prefilled when first needed), every sample gets the same tokens,
    /// model log-probs and sampling log-probs as when all decode together — bit for bit — with
    /// samples ending early at EOS.
    @Test func continuousBatchingGivesEverySampleTheSameBits() throws {
        let model = try randomModel()
        let settings = SamplingSettings(temperature: 1.3, maxNewTokens: 12, seed: 9)
        let requests = (0..<4).map { GenerationRequest(id: 10 + $0, prompt: prompt(3 + 2 * $0, seed: UInt64($0)), samples: 3) }
        // an end-of-sequence set that stops some samples early
        let eos: Set<Int32> = Set((0..<Int32(model.config.vocabSize)).filter { $0 % 7 == 3 })
        let reference = try Generator(model: model, settings: settings, eosTokens: eos, maxBatch: 64).generate(requests)
        #expect(Set(reference.map(\.tokens.count)).count > 1, "some samples should stop early")
        for slots in [1, 2, 5] {
            let generator = try Generator(model: model, settings: settings, eosTokens: eos, maxBatch: slots, prefillTokenBudget: 6)
            let samples = try generator.generate(requests)
            #expect(samples.map(\.requestID) == reference.map(\.requestID) && samples.map(\.sampleIndex) == reference.map(\.sampleIndex))
            for (a, b) in zip(samples, reference) {
                #expect(a.tokens == b.tokens && a.modelLogProbs.map(\.bitPattern) == b.modelLogProbs.map(\.bitPattern)
                        && a.samplingLogProbs.map(\.bitPattern) == b.samplingLogProbs.map(\.bitPattern) && a.finishReason == b.finishReason,
                        "\(slots) slots, request \(a.requestID) sample \(a.sampleIndex)")
            }
            // the slots stay full while samples wait: every decode step but the last few has `slots` rows
            #expect(generator.statistics.decodedTokens >= (generator.statistics.decodeSteps - 12) * slots)
        }
    }

    /// A streamed feed that decides what to hand out from what came back (here: a new request after
    /// each request whose first sample was long) gets the same bits per sample as the fixed list of the
    /// requests it handed out, and never more live samples than the slots.
    @Test func streamedRequestsGetTheSameBitsAsAFixedList() throws {
        let model = try randomModel()
        let settings = SamplingSettings(temperature: 1.3, maxNewTokens: 12, seed: 9)
        let eos: Set<Int32> = Set((0..<Int32(model.config.vocabSize)).filter { $0 % 7 == 3 })
        final class Feed: GenerationFeed {
            var handedOut: [GenerationRequest] = [], finished: [Int: [GeneratedSample]] = [:]
            var budget = 3
            var prefetches: Bool { false }
            func next() -> GenerationRequest? {
                guard budget > 0 else { return nil }
                budget -= 1
                let id = 100 + handedOut.count
                var random = SplitMix64(state: UInt64(id))
                let request = GenerationRequest(id: id, prompt: (0..<(2 + handedOut.count % 5)).map { _ in Int32(random.below(300)) }, samples: 3)
                handedOut.append(request)
                return request
            }
            func finished(_ samples: [GeneratedSample], ordinal: Int) {
                #expect(finished[ordinal] == nil && samples.map(\.sampleIndex) == [0, 1, 2] && samples.allSatisfy { $0.requestID == 100 + ordinal })
                finished[ordinal] = samples
                if samples[0].tokens.count > 4 && handedOut.count < 12 { budget += 1 }
            }
        }
        for slots in [1, 4, 64] {
            let feed = Feed()
            let generator = try Generator(model: model, settings: settings, eosTokens: eos, maxBatch: slots)
            try generator.generate(streaming: feed, longestPrompt: 6)
            #expect(feed.handedOut.count > 3, "the feed should have handed out more after long first samples")
            #expect(feed.finished.count == feed.handedOut.count)
            let reference = try Generator(model: model, settings: settings, eosTokens: eos, maxBatch: 64).generate(feed.handedOut)
            let streamed = (0..<feed.handedOut.count).flatMap { feed.finished[$0] ?? [] }
            #expect(streamed.count == reference.count)
            for (a, b) in zip(streamed, reference) {
                #expect(a.requestID == b.requestID && a.sampleIndex == b.sampleIndex && a.tokens == b.tokens
                        && a.modelLogProbs.map(\.bitPattern) == b.modelLogProbs.map(\.bitPattern) && a.finishReason == b.finishReason,
                        "\(slots) slots, request \(a.requestID) sample \(a.sampleIndex)")
            }
            #expect(generator.statistics.decodedTokens <= generator.statistics.decodeSteps * slots)
        }
        // a prompt longer than promised is an error naming the request
        final class Long: GenerationFeed {
            var given = false
            var prefetches: Bool { false }
            func next() -> GenerationRequest? { defer { given = true }; return given ? nil : GenerationRequest(id: 7, prompt: [1, 2, 3, 4]) }
            func finished(_ samples: [GeneratedSample], ordinal: Int) {}
        }
        #expect(throws: LlamaModelError.self) { try Generator(model: model, settings: settings, eosTokens: eos).generate(streaming: Long(), longestPrompt: 3) }
    }

    @Test func badSettingsAreErrors() throws {
        let model = try randomModel()
        #expect(throws: LlamaModelError.self) { try Generator(model: model, settings: SamplingSettings(topP: 0), eosTokens: []) }
        #expect(throws: LlamaModelError.self) { try Generator(model: model, settings: SamplingSettings(stopStrings: ["x"]), eosTokens: []) }
        let generator = try Generator(model: model, settings: SamplingSettings(), eosTokens: [])
        #expect(throws: LlamaModelError.self) { try generator.generate([GenerationRequest(id: 0, prompt: [500])]) }
        #expect(throws: LlamaModelError.self) { try generator.generate([GenerationRequest(id: 0, prompt: [])]) }
    }
}
