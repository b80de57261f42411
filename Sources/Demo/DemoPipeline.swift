import Foundation
import Training
import Kernels
import LlamaModel
import ModelIO
import RunConfig
import Tokenization

/// The demo: a complete pipeline on an embedded default, with no download. A small Llama is built
/// from a config with fresh weights and a byte-level tokenizer, taught the synthetic addition task
/// (`ArithmeticTask`) by SFT on a noisy teacher's answers, then improved by RLVR (GRPO, rewarded by
/// the GSM8K verifier). Held-out problems are answered greedily before and after RL; the figures go
/// to `summary.json` and the reward and KL curves to `curves.svg`.
public struct DemoPipeline {
    public struct Summary: Codable, Sendable {
        public var before: Double
        public var after: Double
        public var steps: Int
        public var seconds: Double
        public var sftSteps: Int
        public var heldOutPrompts: Int
        public var baseVerified: Double
        public var sftSeconds: Double
        public var rlSeconds: Double
    }

    public var out: String
    public var seed: UInt64 = 1
    public var threads: Int
    /// Fewer SFT and RL steps (for tests and a quick look); the figures are then not the demo's.
    public var quick = false
    public var log: @Sendable (String) -> Void

    public init(out: String, threads: Int, quick: Bool = false, log: @escaping @Sendable (String) -> Void) {
        self.out = out
        self.threads = threads
        self.quick = quick
        self.log = log
    }

    /// The demo model: 4 layers, hidden 128, 4 query / 2 key-value heads, 258 byte-level tokens.
    public static let modelConfig = LlamaConfig(vocabSize: 258, hiddenSize: 128, intermediateSize: 384, numHiddenLayers: 4,
                                                numAttentionHeads: 4, numKeyValueHeads: 2, maxPositionEmbeddings: 256,
                                                rmsNormEps: 1e-5, ropeTheta: 10_000, tieWordEmbeddings: true, eosTokenIDs: [257], padTokenID: 257)

    /// Bytes as tokens (no merges) plus ChatML's markers.
    public static func tokenizer() throws -> BPETokenizer {
        let tokens = (0..<256).map { ByteLevel.token(for: [UInt8($0)]) } + ["<|im_start|>", "<|im_end|>"]
        return try BPETokenizer(tokens: tokens, merges: [], addedTokens: [("<|im_start|>", 256, true), ("<|im_end|>", 257, true)],
                                preTokenizer: PreTokenizer(kind: .gpt2), eosTokenID: 257, padTokenID: 257)
    }

    var sftRows: Int { quick ? 512 : 20000 }
    var rlSteps: Int { quick ? 4 : 40 }
    var heldOut: Int { quick ? 32 : 200 }

    /// What both stages share: the seed, threads, ChatML, no weight decay.
    private func config(_ stage: RunConfiguration.Stage, model: String) -> RunConfiguration {
        var c = RunConfiguration()
        c.stage = stage
        c.seed = Int(seed)
        c.threads = threads
        c.model.path = model
        c.model.chatTemplate = .chatml
        c.optimizer.weightDecay = 0
        return c
    }

    func sftConfig() -> RunConfiguration {
        var c = config(.sft, model: out + "/base")
        c.data.train = out + "/data/sft.jsonl"
        c.data.maxLength = 128
        c.optimizer.lr = 2e-3
        c.schedule.kind = .cosine
        c.schedule.warmupSteps = 10
        c.training.batchSize = 32
        c.training.microBatchSize = 32
        c.training.epochs = 1
        c.training.lossReduction = .mean
        c.output.dir = out + "/sft"
        c.output.logEvery = 25
        return c
    }

    func rlConfig() -> RunConfiguration {
        var c = config(.ppo, model: out + "/sft/final")
        c.data.train = out + "/data/rl-train.jsonl"
        c.data.eval = out + "/data/held-out.jsonl"
        c.optimizer.lr = 3e-4
        c.schedule.kind = .constant
        c.schedule.warmupSteps = 0
        c.training.batchSize = 128   // the responses of a step: 16 prompts × 8 samples
        c.training.microBatchSize = 64
        c.training.maxSteps = rlSteps
        c.rollout.promptsPerStep = 16
        c.rollout.samplesPerPrompt = 8
        c.rollout.maxResponseLength = 24
        c.rollout.sampleEvery = 10
        c.algorithm.advantage = .grpo
        c.algorithm.klCoef = 0.01
        c.algorithm.klEstimator = .k3
        c.output.dir = out + "/rl"
        c.output.evalEvery = 0
        c.output.logEvery = 5
        return c
    }

    public func run() throws -> Summary {
        let started = Profiler.now()
        try? FileManager.default.removeItem(atPath: out)
        try FileManager.default.createDirectory(atPath: out + "/data", withIntermediateDirectories: true)
        // the base model and tokenizer
        ComputeThreads.configure(threads)
        let model = try LlamaModel(config: Self.modelConfig)
        model.initialiseForTraining(seed: seed)
        try LlamaCheckpoint.save(model, to: out + "/base")
        try HuggingFaceFolderFiles.write(to: out + "/base", config: model.config, tokenizer: Self.tokenizer(), sourceFolder: nil)
        log("base model: \(model.layout.count) parameters (4 layers, hidden 128), byte-level tokenizer → \(out)/base")
        // the task
        let task = ArithmeticTask(seed: seed)
        for (name, rows) in [("sft", task.sftRows(sftRows)), ("rl-train", task.promptRows(4096, stream: 1)), ("held-out", task.promptRows(heldOut, stream: 2))] {
            try Data(rows.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: out + "/data/\(name).jsonl"))
        }
        log("task: one-step addition word problems answered as #### N; SFT on \(sftRows) answers from a teacher wrong \(Int(task.noise * 100))% of the time; \(heldOut) held-out problems with unseen names and objects")
        let quiet = TrainerOptions(log: { _ in })
        let baseVerified = try RLVRTrainer(config: rlConfig().with { $0.model.path = out + "/base"; $0.output.dir = out + "/base-eval" }, options: quiet)
            .evaluateHeldOut()["eval_verified"] ?? 0
        // SFT
        let sftStarted = Profiler.now()
        let sft = try SFTTrainer(config: sftConfig(), options: TrainerOptions(log: log))
        try sft.train()
        let sftSeconds = Profiler.now() - sftStarted
        // RL
        let rlStarted = Profiler.now()
        let rl = try RLVRTrainer(config: rlConfig(), options: TrainerOptions(log: log))
        let before = try rl.evaluateHeldOut()["eval_verified"] ?? 0
        log(String(format: "held-out verified after SFT: %.1f%%", 100 * before))
        try rl.train()
        let after = try rl.evaluateHeldOut()["eval_verified"] ?? 0
        let rlSeconds = Profiler.now() - rlStarted
        let summary = Summary(before: before, after: after, steps: rl.totalSteps, seconds: Profiler.now() - started, sftSteps: sft.totalSteps,
                              heldOutPrompts: rl.evalPrompts.count, baseVerified: baseVerified, sftSeconds: sftSeconds, rlSeconds: rlSeconds)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(summary).write(to: URL(fileURLWithPath: out + "/summary.json"))
        try DemoPlot.svg(metrics: out + "/rl/metrics.jsonl").write(toFile: out + "/curves.svg", atomically: true, encoding: .utf8)
        return summary
    }
}

extension RunConfiguration {
    func with(_ change: (inout RunConfiguration) -> Void) -> RunConfiguration {
        var copy = self
        change(&copy)
        return copy
    }
}
