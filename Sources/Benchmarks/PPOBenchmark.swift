import Foundation
import Kernels
import Training
import RunConfig

/// Times RLVR steps through the real trainer on generated prompts: the split between sampling,
/// verifying, the reference pass, the value pass and the update, with each phase's throughput.
public struct PPOBenchmark {
    public struct Result {
        /// Seconds per phase of the timed step (median over the timed steps).
        public var phases: [(phase: String, seconds: Double)]
        public var stepSeconds: Double
        public var sampledTokens: Double
        public var samplingTokensPerSecond: Double
        public var trainingTokensPerSecond: Double
        /// Decode alone (prefill excluded), the mean rows per decode step, and the prefill time.
        public var decodeTokensPerSecond: Double
        public var meanDecodeRows: Double
        public var prefillSeconds: Double
        public var peakResidentBytes: Int?
        /// Samples generated per second of step (rejected groups included), and those with a non-zero advantage.
        public var samplesPerSecond: Double
        public var usefulSamplesPerSecond: Double
        /// Prompts drawn per step (more than `prompts` when dynamic sampling rejects groups).
        public var promptsDrawn: Double
    }

    public let modelPath: String
    public let prompts: Int
    public let responseTokens: Int
    public let advantage: AlgorithmSection.Advantage
    public let steps: Int
    public let threads: Int
    /// Responses per prompt (GRPO's group size).
    public var samplesPerPrompt = 1
    /// `rollout.decode_batch` and `rollout.dynamic_sampling`.
    public var decodeBatch: Int?
    public var dynamicSampling = false
    /// RLVR prompt rows (JSONL) to sample from; nil: generated GSM8K-style prompts.
    public var dataPath: String?
    /// The weights trained (default: `modelPath`'s, fully).
    public var trained = BenchmarkModelChoice()

    public init(modelPath: String, prompts: Int = 16, responseTokens: Int = 128, advantage: AlgorithmSection.Advantage = .gae, steps: Int = 2, threads: Int) {
        self.modelPath = modelPath
        self.prompts = prompts
        self.responseTokens = responseTokens
        self.advantage = advantage
        self.steps = steps
        self.threads = threads
    }

    public func run(log: @escaping @Sendable (String) -> Void) throws -> Result {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rlvr-ppo-bench-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let rows = (0..<(prompts * (steps + 1))).map { i in
            #"{"messages": [{"role": "user", "content": "Natalia sold clips to \#(i + 12) of her friends in April, and then she sold half as many clips in May. How many clips did she sell altogether?"}], "ground_truth": "\#(i)", "dataset": "gsm8k"}"#
        }
        if dataPath == nil { try Data(rows.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: folder + "/prompts.jsonl")) }
        var config = RunConfiguration()
        config.stage = .ppo
        config.threads = threads
        config.model.path = modelPath
        config.data.train = dataPath ?? folder + "/prompts.jsonl"
        config.data.evalFraction = 0
        config.optimizer.lr = 1e-7
        config.schedule.warmupSteps = 0
        config.training.batchSize = prompts * samplesPerPrompt
        config.training.microBatchSize = 4
        config.training.maxSteps = steps + 1
        config.rollout.promptsPerStep = prompts
        config.rollout.samplesPerPrompt = samplesPerPrompt
        config.rollout.decodeBatch = decodeBatch
        config.rollout.dynamicSampling = dynamicSampling
        config.rollout.maxResponseLength = responseTokens
        config.rollout.sampleEvery = 0
        config.algorithm.advantage = advantage
        config.output.dir = folder + "/run"
        config.output.evalEvery = 0
        var options = TrainerOptions(log: log)
        trained.apply(to: &config, options: &options)
        resetPeakResident()
        log("\(steps + 1) RL steps of \(prompts) prompts × \(samplesPerPrompt) samples × up to \(responseTokens) response tokens (\(advantage.rawValue)"
            + (dynamicSampling ? ", dynamic sampling" : "") + (decodeBatch.map { ", \($0) decode slots" } ?? "") + "); the first untimed")
        try RLVRTrainer(config: config, options: options).train()
        let lines = try String(contentsOfFile: folder + "/run/metrics.jsonl", encoding: .utf8).split(separator: "\n").dropFirst()
        let objects = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        func median(_ key: String) -> Double {
            let values = objects.compactMap { ($0[key] as? NSNumber)?.doubleValue }.sorted()
            return values.isEmpty ? 0 : values[values.count / 2]
        }
        let phases = ["sample", "verify", "reference", "value", "update"].map { ($0, median("time/\($0)")) }
        return Result(phases: phases, stepSeconds: phases.reduce(0) { $0 + $1.1 }, sampledTokens: median("response_length") * Double(prompts * samplesPerPrompt),
                      samplingTokensPerSecond: median("tokens_per_s/sampling"), trainingTokensPerSecond: median("tokens_per_s/training"),
                      decodeTokensPerSecond: median("tokens_per_s/decode"), meanDecodeRows: median("decode_rows_mean"),
                      prefillSeconds: median("time/prefill"), peakResidentBytes: currentPeakResident(),
                      samplesPerSecond: median("samples_per_s/all"), usefulSamplesPerSecond: median("samples_per_s/useful"),
                      promptsDrawn: median("prompts_consumed"))
    }
}
