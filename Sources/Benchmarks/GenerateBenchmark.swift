import Foundation
import Training
import Generation
import Kernels
import LlamaModel

/// Prompt processing and batched decoding speed of the generation engine.
public struct GenerateBenchmark {
    public struct DecodeResult {
        public var batch: Int
        public var tokensPerSecond: Double
        public var secondsPerStep: Double
        public var phases: [(phase: Phase, seconds: Double)]
        public var cacheBytes: Int
    }

    public let model: LlamaModel

    public init(model: LlamaModel) {
        self.model = model
    }

    static func tokens(_ count: Int, vocabulary: Int, seed: UInt64) -> [Int32] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int32(100 + Int((state >> 33) % UInt64(max(1, vocabulary - 200))))
        }
    }

    /// Tokens per second of one forward pass over a `length`-token prompt (best of `repeats`).
    public func promptProcessing(length: Int, repeats: Int = 3) throws -> Double {
        let prompt = Self.tokens(length, vocabulary: model.config.vocabSize, seed: 1)
        let workspace = DecodeWorkspace(config: model.config, batch: 1, longestSequence: length)
        var best = Double.infinity
        for _ in 0..<repeats {
            let cache = KVCache(config: model.config, capacity: length)
            let start = Profiler.now()
            try model.prefill(prompts: [prompt], caches: [cache], workspace: workspace)
            best = min(best, Profiler.now() - start)
        }
        return Double(length) / best
    }

    /// Decode throughput for `batch` sequences of `promptLength` tokens, `newTokens` each (greedy,
    /// no EOS), excluding the prefill; the phase split is per decode step.
    public func decode(batch: Int, promptLength: Int, newTokens: Int) throws -> DecodeResult {
        let requests = (0..<batch).map { GenerationRequest(id: $0, prompt: Self.tokens(promptLength, vocabulary: model.config.vocabSize, seed: UInt64($0 + 2))) }
        let settings = SamplingSettings(temperature: 0, maxNewTokens: newTokens)
        _ = try Generator(model: model, settings: SamplingSettings(temperature: 0, maxNewTokens: 4), eosTokens: [], maxBatch: batch).generate(requests)
        let generator = try Generator(model: model, settings: settings, eosTokens: [], maxBatch: batch)
        Profiler.reset()
        Profiler.enabled = true
        defer { Profiler.enabled = false }
        _ = try generator.generate(requests)
        let stats = generator.statistics
        // Every sample's first token comes from the prefill; the rest from decode steps.
        let steps = max(1, stats.decodeSteps)
        return DecodeResult(batch: batch, tokensPerSecond: Double(stats.decodedTokens) / stats.decodeSeconds,
                            secondsPerStep: stats.decodeSeconds / Double(steps),
                            phases: Profiler.totals().map { ($0.phase, $0.seconds / Double(steps)) }.filter { $0.1 > 0 },
                            cacheBytes: batch * KVCache.bytes(config: model.config, capacity: promptLength + newTokens))
    }
}
