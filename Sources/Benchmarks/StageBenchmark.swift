import Foundation
import Kernels
import Training
import RunConfig

/// Times the real trainers (SFT, DPO with a cached reference, RM) on generated conversations of a
/// fixed shape, through the same code paths as `rlvr sft|dpo|rm`, and reports for each stage the
/// tokens/s, the seconds per example or pair, and the peak resident memory of the stage alone.
public struct StageBenchmark {
    public struct StageResult {
        public var stage: String
        /// Tokens forwarded per second (both sides of a pair for DPO and RM), median over the timed steps.
        public var tokensPerSecond: Double
        /// Seconds per training item: an example (SFT) or a pair (DPO, RM).
        public var secondsPerItem: Double
        public var tokensPerItem: Double
        public var peakResidentBytes: Int?
        /// DPO only: seconds of the one-time reference pass over every pair.
        public var referenceSeconds: Double?
    }

    public let modelPath: String
    /// Words in each generated prompt and response (about 1.3 tokens each with SmolLM2's tokenizer).
    public let promptWords: Int, responseWords: Int
    public let batch: Int
    public let steps: Int
    public let threads: Int
    /// The stages timed, in this order (a subset of sft, dpo, rm).
    public var stages = StageBenchmark.allStages
    public static let allStages = ["sft", "dpo", "rm"]
    /// The weights trained (default: `modelPath`'s, fully).
    public var trained = BenchmarkModelChoice()

    public init(modelPath: String, promptWords: Int = 60, responseWords: Int = 300, batch: Int = 2, steps: Int = 3, threads: Int) {
        self.modelPath = modelPath
        self.promptWords = promptWords
        self.responseWords = responseWords
        self.batch = batch
        self.steps = steps
        self.threads = threads
    }

    static let words = ["the", "answer", "is", "a", "number", "we", "add", "three", "to", "seven", "and", "then", "divide", "by", "two"]

    func text(_ count: Int, offset: Int) -> String {
        (0..<count).map { Self.words[($0 * 7 + offset) % Self.words.count] }.joined(separator: " ")
    }

    public func run(log: @escaping @Sendable (String) -> Void) throws -> [StageResult] {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rlvr-stage-bench-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let rows = batch * (steps + 1)
        var sft: [String] = [], pairs: [String] = []
        for i in 0..<rows {
            let user = ["role": "user", "content": text(promptWords, offset: i)]
            let chosen = ["role": "assistant", "content": text(responseWords, offset: i + 1)]
            let rejected = ["role": "assistant", "content": text(responseWords, offset: i + 2)]
            sft.append(String(decoding: try JSONSerialization.data(withJSONObject: ["messages": [user, chosen]], options: [.sortedKeys]), as: UTF8.self))
            pairs.append(String(decoding: try JSONSerialization.data(withJSONObject: ["chosen": [user, chosen], "rejected": [user, rejected]],
                                                                     options: [.sortedKeys]), as: UTF8.self))
        }
        try Data(sft.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: folder + "/sft.jsonl"))
        try Data(pairs.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: folder + "/pairs.jsonl"))

        var config = RunConfiguration()
        config.threads = threads
        config.model.path = modelPath
        config.data.maxLength = 4096
        config.optimizer.lr = 1e-7
        config.schedule.warmupSteps = 0
        config.training.batchSize = batch
        config.training.microBatchSize = 1
        config.training.maxSteps = steps + 1
        config.dpo.referenceCache = folder + "/cache"
        var options = TrainerOptions(log: { _ in })
        trained.apply(to: &config, options: &options)
        var results: [StageResult] = []
        for stage in stages {
            var stageConfig = config
            stageConfig.data.train = folder + (stage == "sft" ? "/sft.jsonl" : "/pairs.jsonl")
            stageConfig.output.dir = folder + "/" + stage
            log("\(stage): \(steps + 1) steps of \(batch) \(stage == "sft" ? "examples" : "pairs") (the first untimed)")
            resetPeakResident()
            var referenceSeconds: Double?
            switch stage {
            case "sft": try SFTTrainer(config: stageConfig, options: options).train()
            case "dpo":
                let trainer = try DPOTrainer(config: stageConfig, options: options)
                let started = Date()
                try trainer.prepareReference(log: { _ in })
                referenceSeconds = Date().timeIntervalSince(started)
                try trainer.train()
            default: try RewardModelTrainer(config: stageConfig, options: options).train()
            }
            results.append(try Self.summarise(stage: stage, metrics: stageConfig.output.dir + "/metrics.jsonl", batch: batch,
                                              peak: currentPeakResident(), referenceSeconds: referenceSeconds))
        }
        return results
    }

    /// Medians over the steps after the first.
    static func summarise(stage: String, metrics path: String, batch: Int, peak: Int?, referenceSeconds: Double?) throws -> StageResult {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").dropFirst()
        let objects = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let steps = objects.compactMap { object -> (tokens: Double, seconds: Double)? in
            guard let tokens = (object["tokens"] as? NSNumber)?.doubleValue, let rate = (object["tokens_per_s"] as? NSNumber)?.doubleValue, rate > 0 else { return nil }
            return (tokens, tokens / rate)
        }.sorted { $0.seconds < $1.seconds }
        guard !steps.isEmpty else { throw TrainerError("\(path): no timed steps") }
        let median = steps[steps.count / 2]
        return StageResult(stage: stage, tokensPerSecond: median.tokens / median.seconds, secondsPerItem: median.seconds / Double(batch),
                           tokensPerItem: median.tokens / Double(batch), peakResidentBytes: peak, referenceSeconds: referenceSeconds)
    }
}
