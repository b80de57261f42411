import ArgumentParser
import Evaluation
import Benchmarks
import Collectives
import Foundation
import Kernels
import LlamaModel
import ModelIO
import RunConfig
import Tokenization
import Training

/// The checkpoint at `path`, or a preset's architecture (SmolLM2-135M's by default) with
/// deterministic random weights.
func benchmarkModel(_ path: String?, preset: ModelPreset = .smolLM2_135M) throws -> LlamaModel {
    if let path { return try LlamaCheckpoint.load(path) }
    let model = try LlamaModel(config: preset.config)
    TrainStepBenchmark.randomize(model, seed: 1)
    return model
}

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure the engine's speed (prints figures; never fails because a machine is slow).",
        subcommands: [TrainBench.self, StagesBench.self, PPOBench.self, GenerateBench.self, EvalBench.self, TokenizeBench.self, VerifyBench.self, KernelsBench.self, AllReduceBench.self]
    )
}

struct TrainBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Time full training steps (forward, backward, AdamW) on random tokens.",
        discussion: "Reports tokens/s, achieved GFLOP/s, OpenBLAS sgemm GFLOP/s at the model's shapes, their ratio, the time per phase and peak memory."
    )

    @Option(help: "Benchmark this checkpoint's architecture and weights.")
    var model: String?

    @OptionGroup var architecture: BenchModelOptions

    @Option(parsing: .unconditional, help: "Sequences per step.")
    var batch = 4

    @Option(parsing: .unconditional, help: "Tokens per sequence.")
    var seq = 512

    @Option(parsing: .unconditional, help: "Timed steps (after one warm-up step).")
    var steps = 3

    @Option(help: "Activations kept for backward: all (fastest) or recompute-mlp (less memory).")
    var activations = "all"

    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        if model != nil && architecture.preset != nil { throw ValidationError("give --model or --preset, not both") }
        if batch < 1 || seq < 2 || steps < 1 { throw ValidationError("--batch ≥ 1, --seq ≥ 2 and --steps ≥ 1 are required") }
        if LlamaActivations.Retention(rawValue: activations) == nil {
            throw ValidationError("--activations must be one of: \(LlamaActivations.Retention.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() throws {
        try requireOneProcess("bench train")
        compute.apply()
        let presetChoice = architecture.chosenPreset ?? .smolLM2_135M
        let loaded = try model.map { try LlamaCheckpoint.load($0) }
        loaded?.mergeAdapters()   // a LoRA folder: its merged weights are the model benchmarked
        let config = loaded?.config ?? presetChoice.config
        if seq > config.maxPositionEmbeddings {
            throw InputError("--seq \(seq) is longer than the model's context (\(config.maxPositionEmbeddings))")
        }
        let retention = LlamaActivations.Retention(rawValue: activations) ?? .all
        let lora = architecture.lora
        var suggested = LoRASection()
        suggested.rank = 16
        let withAdapters = TrainStepBenchmark.plan(config: config, batch: batch, sequenceLength: seq, retention: retention, lora: suggested)
        try MemoryPlanCheck.refuseOverPhysicalMemory(
            TrainStepBenchmark.plan(config: config, batch: batch, sequenceLength: seq, retention: retention, lora: lora, baseBF16: architecture.baseBF16),
            what: "this benchmark",
            suggestion: lora.enabled ? "lower --batch or --seq, or keep fewer activations (--activations recompute-mlp)"
                : "train LoRA adapters instead: --lora-rank 16 needs \(formatBytes(withAdapters.reduce(0) { $0 + $1.bytes }))")
        let llama = try loaded ?? benchmarkModel(nil, preset: presetChoice)
        if lora.enabled { llama.adapters = LoRAAdapters.make(for: llama.config, section: lora, seed: 1) }
        if architecture.baseBF16 { try llama.storeBaseInBF16() }
        let benchmark = TrainStepBenchmark(model: llama, batch: batch, sequenceLength: seq, steps: steps, retention: retention)
        print("model: \(model ?? presetChoice.rawValue + " (random weights)"), \(InspectReport.grouped(llama.layout.count)) parameters")
        print("batch \(batch) × \(seq) tokens, \(ComputeThreads.count) threads, \(architecture.baseBF16 ? "bf16 decoder layers widened to fp32" : "fp32"), AdamW, activations kept: \(activations)"
              + (lora.enabled ? ", LoRA rank \(architecture.loraRank) on q, k, v, o, gate, up, down (base frozen: \(InspectReport.grouped(llama.adapters!.parameters.count)) trained)" : ""))
        print(KernelPath.summary)
        let result = try benchmark.run { FileHandle.standardError.write(Data(("  " + $0 + "\n").utf8)) }
        print(Self.render(result))
    }

    static func render(_ r: TrainStepBenchmark.Result) -> String {
        var lines: [String] = []
        lines.append("memory planned: " + r.plannedBytes.map { "\($0.what) \(formatBytes($0.bytes))" }.joined(separator: ", ")
                     + "; total \(formatBytes(r.plannedBytes.reduce(0) { $0 + $1.bytes }))")
        lines.append(String(format: "step time: median %.3f s (%@)", r.medianStepSeconds, r.stepSeconds.map { String(format: "%.3f", $0) }.joined(separator: ", ")))
        lines.append(String(format: "throughput: %.1f tokens/s", r.tokensPerSecond))
        lines.append(String(format: "FLOPs per step: %.3g (matrix products 6·N·P = %.3g, attention 3·L·4·H·d·B·T(T+1)/2 = %.3g)",
                            r.flopsPerStep, r.matmulFlopsPerStep, r.attentionFlopsPerStep))
        lines.append(String(format: "achieved: %.1f GFLOP/s", r.achievedGFLOPs))
        lines.append(String(format: "OpenBLAS sgemm at the model's shapes: %.1f GFLOP/s (own threads %.1f, split across the pool %.1f)  →  ratio %.2f",
                            r.sgemmGFLOPs, r.sgemmNativeGFLOPs, r.sgemmPoolGFLOPs, r.achievedGFLOPs / r.sgemmGFLOPs))
        lines.append("time per step by phase:")
        let total = r.medianStepSeconds
        for (phase, seconds) in r.phases where seconds > 0 {
            lines.append(String(format: "  %-38@ %8.3f s  %5.1f%%", phase.label as NSString, seconds, 100 * seconds / total))
        }
        lines.append("sgemm shapes (m × n × k: GFLOP/s): " + r.sgemmShapes.map { "\($0.m)×\($0.n)×\($0.k): \(String(format: "%.0f", $0.gflops))" }.joined(separator: ", "))
        lines.append("peak RSS: \(formatBytes(r.peakResidentBytes))")
        return lines.joined(separator: "\n")
    }
}

struct StagesBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stages",
        abstract: "Time the SFT, DPO and RM trainers on generated conversations of one shape.",
        discussion: "Reports tokens/s, seconds per example (SFT) or pair (DPO, RM), DPO's cost per pair against SFT's per example, the one-time reference pass and each stage's peak memory."
    )

    @Option(help: "A .gguf file or a Hugging Face model folder (with --preset: its tokenizer and chat template alone).")
    var model: String

    @OptionGroup var architecture: BenchModelOptions

    @Option(name: .customLong("prompt-words"), parsing: .unconditional, help: "Words per generated prompt.")
    var promptWords = 60

    @Option(name: .customLong("response-words"), parsing: .unconditional, help: "Words per generated response.")
    var responseWords = 300

    @Option(parsing: .unconditional, help: "Examples or pairs per optimizer step.")
    var batch = 2

    @Option(parsing: .unconditional, help: "Timed steps per stage (after one warm-up step).")
    var steps = 3

    @Option(help: "Stages to time, comma-separated (sft, dpo, rm).")
    var stages = StageBenchmark.allStages.joined(separator: ",")

    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        if promptWords < 1 || responseWords < 1 || batch < 1 || steps < 1 { throw ValidationError("every count must be at least 1") }
        let known = StageBenchmark.allStages.joined(separator: ", ")
        if stageList.isEmpty { throw ValidationError("--stages: give at least one of \(known)") }
        if let unknown = stageList.first(where: { !StageBenchmark.allStages.contains($0) }) {
            throw ValidationError("--stages: unknown stage \"\(unknown)\" (known: \(known))")
        }
    }

    func run() throws {
        try requireOneProcess("bench stages")
        compute.apply()
        var benchmark = StageBenchmark(modelPath: model, promptWords: promptWords, responseWords: responseWords, batch: batch, steps: steps,
                                       threads: ComputeThreads.count)
        benchmark.trained = architecture.choice
        benchmark.stages = stageList
        print("model: \(architecture.describe(model: model)), \(ComputeThreads.count) threads, batch \(batch), micro-batch 1, prompt \(promptWords) words, response \(responseWords) words")
        print(KernelPath.summary)
        let results = try benchmark.run { FileHandle.standardError.write(Data(("  " + $0 + "\n").utf8)) }
        for r in results {
            let unit = r.stage == "sft" ? "example" : "pair"
            var line = String(format: "%-4@ %7.1f tokens/s  %6.2f s per %@ (%5.0f tokens)", r.stage as NSString, r.tokensPerSecond, r.secondsPerItem, unit as NSString, r.tokensPerItem)
            if let peak = r.peakResidentBytes { line += "  peak RSS \(formatBytes(peak))" }
            if let reference = r.referenceSeconds { line += String(format: "  (reference pass, once: %.1f s)", reference) }
            print(line)
        }
        if let sft = results.first(where: { $0.stage == "sft" }), let dpo = results.first(where: { $0.stage == "dpo" }) {
            print(String(format: "DPO per pair / SFT per example: %.2f× (a pair is two sequences, each forward and backward once)", dpo.secondsPerItem / sft.secondsPerItem))
        }
    }
}

extension StagesBench {
    var stageList: [String] { stages.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
}

struct PPOBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ppo",
        abstract: "Time RLVR steps: sampling, verifying, reference, value and update, through the real trainer.",
        discussion: "Reports each phase's share of a step, the sampling and training throughput and the peak memory."
    )

    @Option(help: "A .gguf file or a Hugging Face model folder (with --preset: its tokenizer and chat template alone).")
    var model: String

    @OptionGroup var architecture: BenchModelOptions

    @Option(parsing: .unconditional, help: "Prompts per step.")
    var prompts = 16

    @Option(parsing: .unconditional, help: "Responses per prompt (GRPO's group size).")
    var samples = 1

    @Option(name: .customLong("decode-batch"), parsing: .unconditional, help: "Samples decoding at once (rollout.decode_batch; default: all of the step).")
    var decodeBatch: Int?

    @Flag(name: .customLong("dynamic-sampling"), help: "Draw prompts until every group's scores differ (rollout.dynamic_sampling).")
    var dynamicSampling = false

    @Option(help: "RLVR prompt rows (JSONL) to sample from (default: generated GSM8K-style prompts no model solves).")
    var data: String?

    @Option(name: .customLong("response-tokens"), parsing: .unconditional, help: "Longest response.")
    var responseTokens = 128

    @Option(help: "Advantage estimator: gae (with a value model), grpo, rloo, reinforce_pp_baseline.")
    var advantage = "gae"

    @Option(parsing: .unconditional, help: "Timed steps (after one warm-up step).")
    var steps = 2

    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        if prompts < 1 || samples < 1 || responseTokens < 1 || steps < 1 { throw ValidationError("--prompts, --samples, --response-tokens and --steps must be at least 1") }
        if let decodeBatch, decodeBatch < 1 { throw ValidationError("--decode-batch must be at least 1") }
        if let data, !FileManager.default.fileExists(atPath: data) { throw ValidationError("--data \(data): no such file") }
        if AlgorithmSection.Advantage(rawValue: advantage) == nil {
            throw ValidationError("unknown --advantage \"\(advantage)\" (known: \(AlgorithmSection.Advantage.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
    }

    func run() throws {
        try requireOneProcess("bench ppo")
        compute.apply()
        var benchmark = PPOBenchmark(modelPath: model, prompts: prompts, responseTokens: responseTokens,
                                     advantage: AlgorithmSection.Advantage(rawValue: advantage) ?? .gae, steps: steps,
                                     threads: ComputeThreads.count)
        benchmark.samplesPerPrompt = samples
        benchmark.decodeBatch = decodeBatch
        benchmark.dynamicSampling = dynamicSampling
        benchmark.dataPath = data
        benchmark.trained = architecture.choice
        print("model: \(architecture.describe(model: model)), \(ComputeThreads.count) threads, \(prompts) prompts × \(samples) samples × \(responseTokens) response tokens, \(advantage), micro-batch 4"
              + (decodeBatch.map { ", \($0) decode slots" } ?? "") + (dynamicSampling ? ", dynamic sampling" : "") + (data.map { ", prompts from \($0)" } ?? ""))
        print(KernelPath.summary)
        let r = try benchmark.run { FileHandle.standardError.write(Data(("  " + $0 + "\n").utf8)) }
        print(String(format: "step: %.2f s (median of %d)", r.stepSeconds, steps))
        for (phase, seconds) in r.phases {
            print("  " + phase.padding(toLength: 10, withPad: " ", startingAt: 0) + String(format: " %7.2f s  %5.1f%%", seconds, 100 * seconds / max(1e-9, r.stepSeconds)))
        }
        print(String(format: "sampling: %.0f tokens in %.1f tokens/s; training: %.1f tokens/s (prompt + response, forward and backward)",
                     r.sampledTokens, r.samplingTokensPerSecond, r.trainingTokensPerSecond))
        print(String(format: "  of the sampling time: prefill %.2f s; decode %.1f tokens/s with %.1f rows per step on average (responses leave the batch as they stop) — compare rlvr bench generate at that batch size",
                     r.prefillSeconds, r.decodeTokensPerSecond, r.meanDecodeRows))
        print(String(format: "samples: %.2f per s; useful (non-zero advantage): %.2f per s; prompts drawn per step: %.0f",
                     r.samplesPerSecond, r.usefulSamplesPerSecond, r.promptsDrawn))
        if let peak = r.peakResidentBytes { print("peak RSS: \(formatBytes(peak))") }
    }
}

struct KernelsBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernels",
        abstract: "The batch-invariant forward matmul kernel against OpenBLAS sgemm at SmolLM2-135M's shapes.",
        discussion: "Runs on the active kernel path (RLVR_KERNELS=avx512|avx2|neon|portable to force one), or on every path this CPU has with --all-paths."
    )

    @Option(parsing: .unconditional, help: "Rows (tokens) per product.")
    var rows = 2048

    @Option(parsing: .unconditional, help: "Seconds each product is timed for.")
    var seconds = 0.3

    @Flag(help: "Measure every kernel path this CPU can run, one after another.")
    var allPaths = false

    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        if rows < 1 { throw ValidationError("--rows must be at least 1") }
        if !(seconds > 0 && seconds <= 60) { throw ValidationError("--seconds must be in (0, 60]") }
    }

    func run() throws {
        try requireOneProcess("bench kernels")
        compute.apply()
        let c = TrainStepBenchmark.smolLM2_135M
        let q = c.numAttentionHeads * c.headDim, kv = c.numKeyValueHeads * c.headDim
        let shapes = [(rows, q, c.hiddenSize), (rows, kv, c.hiddenSize), (rows, c.intermediateSize, c.hiddenSize),
                      (rows, c.hiddenSize, c.intermediateSize), (rows, 4096, c.hiddenSize)]
        for path in allPaths ? KernelPath.available.reversed() : [KernelPath.active] {
            try KernelPath.with(path) {
                print(KernelPath.summary)
                print("y = x · Wᵀ, \(ComputeThreads.count) threads: rows × out × in: invariant kernel GFLOP/s, sgemm GFLOP/s, ratio")
                for row in KernelBenchmark.linearForward(shapes: shapes, seconds: seconds) {
                    print(String(format: "  %5d × %5d × %5d: %6.1f  %6.1f  %.2f", row.rows, row.outFeatures, row.inFeatures,
                                 row.kernelGFLOPs, row.sgemmGFLOPs, row.kernelGFLOPs / row.sgemmGFLOPs))
                }
            }
        }
    }
}

struct GenerateBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Prompt processing and batched decoding speed (greedy, KV cache, fp32 weights)."
    )

    @Option(help: "Benchmark this checkpoint (default: SmolLM2-135M's architecture with random weights).")
    var model: String?

    @OptionGroup var architecture: BenchModelOptions

    @Option(help: "Decode batch sizes, comma-separated.")
    var batches = "1,8,32"

    @Option(name: .customLong("prompt-tokens"), parsing: .unconditional, help: "Prompt length for decoding.")
    var promptTokens = 64

    @Option(name: .customLong("new-tokens"), parsing: .unconditional, help: "Tokens generated per sequence.")
    var newTokens = 128

    @Option(name: .customLong("prefill-tokens"), parsing: .unconditional, help: "Prompt length for the prompt-processing figure.")
    var prefillTokens = 512

    @OptionGroup var compute: ComputeOptions

    func run() throws {
        try requireOneProcess("bench generate")
        compute.apply()
        let sizes = try batches.split(separator: ",").map { text -> Int in
            guard let size = Int(text.trimmingCharacters(in: .whitespaces)), size > 0 else { throw ValidationError("--batches: expected positive integers, got \"\(text)\"") }
            return size
        }
        if model != nil && architecture.preset != nil { throw ValidationError("give --model or --preset, not both") }
        let llama = try benchmarkModel(model, preset: architecture.chosenPreset ?? .smolLM2_135M)
        if architecture.loraRank > 0 {   // decoding through unmerged adapters (their products beside the base's)
            llama.adapters = LoRAAdapters.make(for: llama.config, section: architecture.lora, seed: 1)
            if architecture.baseBF16 { try llama.storeBaseInBF16() }
        }
        let benchmark = GenerateBenchmark(model: llama)
        print("model: \(model ?? (architecture.chosenPreset ?? .smolLM2_135M).rawValue + " (random weights)"), \(ComputeThreads.count) threads, "
              + (architecture.baseBF16 ? "bf16 decoder layers widened to fp32" : "fp32")
              + (architecture.loraRank > 0 ? ", unmerged LoRA rank \(architecture.loraRank) on every projection" : ""))
        print(KernelPath.summary)
        print(String(format: "prompt processing (%d tokens): %.1f tokens/s", prefillTokens, try benchmark.promptProcessing(length: prefillTokens)))
        let bandwidth = MemoryBandwidth.streamingRead()
        let weightBytes = Double(llama.weightBytes)
        print(String(format: "memory: %.1f GB/s streaming read with %d threads → batch-1 decode limit %.1f tokens/s (%@ of weights per token)",
                     bandwidth / 1e9, ComputeThreads.count, bandwidth / weightBytes, formatBytes(Int(weightBytes))))
        var single: Double?
        for size in sizes {
            let r = try benchmark.decode(batch: size, promptLength: promptTokens, newTokens: newTokens)
            if size == 1 { single = r.tokensPerSecond }
            let scaling = single.map { String(format: " (%.1f× batch 1)", r.tokensPerSecond / $0) } ?? ""
            print(String(format: "decode batch %2d: %7.1f tokens/s%@, %.1f ms per step, KV cache %@", size, r.tokensPerSecond, scaling,
                         1000 * r.secondsPerStep, formatBytes(r.cacheBytes)))
            if size == 1 { print(String(format: "    %.0f%% of the memory-bandwidth limit", 100 * r.tokensPerSecond * weightBytes / bandwidth)) }
            for (phase, seconds) in r.phases {
                print(String(format: "    %-40@ %6.2f ms", phase.label as NSString, 1000 * seconds))
            }
        }
        print("peak RSS: \(formatBytes(peakResidentBytes()))")
    }
}

struct EvalBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Multiple-choice scoring speed against prompt processing; with --tasks, wall time of real tasks.",
        discussion: """
        Scoring shares each question's context among its choices (one prefill) and advances all \
        choices together through the decoding path; its tokens/s (context and choice tokens counted \
        once) is set against one forward pass over a prompt of the same total length. With --model and \
        --tasks, the tasks run as rlvr eval runs them (no cache) and their wall time is printed.
        """
    )

    @Option(help: "Benchmark this checkpoint (default: SmolLM2-135M's architecture with random weights; --tasks needs a real one).")
    var model: String?

    @Option(help: "Real tasks to time, comma-separated (needs --model and data/eval).")
    var tasks: String?

    @Option(parsing: .unconditional, help: "With --tasks: only the first N documents of each.")
    var limit: Int?

    @Option(help: "With --tasks: lm-eval or lighteval prompts.")
    var format: PromptFormat = .lmEval

    @Flag(help: "With --tasks: render prompts with the chat template.")
    var chat = false

    @Option(help: "Folder of the benchmark files.")
    var data: String = "data/eval"

    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        if tasks != nil && model == nil { throw ValidationError("--tasks needs --model (a real checkpoint with its tokenizer)") }
        if let limit, limit < 1 { throw ValidationError("--limit must be ≥ 1, got \(limit)") }
    }

    func run() throws {
        try requireOneProcess("bench eval")
        compute.apply()
        let llama = try benchmarkModel(model)
        print("model: \(model ?? "smollm2-135m (random weights)"), \(ComputeThreads.count) threads, fp32")
        print(KernelPath.summary)
        let generate = GenerateBenchmark(model: llama), eval = EvalBenchmark(model: llama)
        // Shapes of the real tasks: HellaSwag ~ 40-token contexts and four ~25-token endings;
        // ARC/PIQA ~ 30 and 2–4 × 10; MMLU (cloze) ~ 80 and four ~ 5.
        let shapes = [("hellaswag-like", 48, 4, 24), ("arc/piqa-like", 32, 4, 10), ("mmlu-like", 80, 4, 5)]
        for (name, context, choices, length) in shapes {
            let total = context + choices * length
            let prefill = try generate.promptProcessing(length: total, repeats: 3)
            let scoring = try eval.choiceScoring(questions: 32, contextTokens: context, choices: choices, choiceTokens: length)
            print(String(format: "%@ (%d + %d × %d tokens): scoring %.0f tokens/s, prompt processing of %d tokens %.0f tokens/s → %.2f×",
                         name as NSString, context, choices, length, scoring, total, prefill, scoring / prefill))
        }
        let long = try generate.promptProcessing(length: 512)
        print(String(format: "prompt processing (512 tokens, bench generate's figure): %.0f tokens/s", long))
        guard let tasks, let model else { return }
        for task in try TaskCatalog.resolve(tasks) {
            let began = Date()
            let job = EvalJob(modelPath: model, tasks: [task], settings: EvalSettings(format: format, chat: chat),
                              limit: limit, data: BenchmarkData(root: data))
            let report = try job.run()
            let seconds = Date().timeIntervalSince(began)
            for result in report.tasks {
                print(String(format: "%@: %d documents in %.1f s (%.2f documents/s, %.0f tokens/s through the model)", result.task as NSString,
                             result.items, seconds, Double(result.items) / seconds, Double(result.tokens) / max(1e-9, result.seconds)))
            }
        }
    }
}

struct TokenizeBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Tokenizer encoding speed (MB of text per second, one thread)."
    )

    @Option(help: "A .gguf file or a Hugging Face model folder.")
    var model: String

    @Option(parsing: .unconditional, help: "Megabytes of generated English-like text.")
    var megabytes = 4

    func run() throws {
        try requireOneProcess("bench tokenize")
        let tokenizer = try BPETokenizer.load(checkpoint: model)
        let text = TokenizerBenchmark.englishLikeText(bytes: megabytes << 20)
        let result = TokenizerBenchmark.measure(tokenizer, text: text)
        print(String(format: "encoded %.1f MB into %d tokens: %.2f MB/s (%.0f tokens/s), first pass with an empty word cache",
                     Double(result.bytes) / 1e6, result.tokens, result.megabytesPerSecond, result.tokensPerSecond))
    }
}

struct VerifyBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verifier throughput on a JSONL file of requests (the rlvr verify format), all cores."
    )

    @OptionGroup var verify: VerifyOptions

    func run() throws {
        try requireOneProcess("bench verify")
        verify.compute.apply()
        try verify.runVerification(benchmark: true)
    }
}

struct AllReduceBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "allreduce",
        abstract: "The fixed-order gradient sum across ranks (run under mpirun): seconds per step for a model's gradient.",
        discussion: "mpirun -np 2 rlvr bench allreduce   # SmolLM2-135M's 134,515,008 parameters (538 MB of fp32 gradient)"
    )

    @Option(help: "Gradient size in parameters (the default is SmolLM2-135M's).")
    var parameters = 134_515_008

    @Option(parsing: .unconditional, help: "Timed repetitions.")
    var repeats = 5

    @Option(name: .customLong("link-gbits"), parsing: .unconditional, help: "Network speed to project the time onto, in Gb/s.")
    var linkGbits = 10.0

    func validate() throws {
        if parameters < 1 { throw ValidationError("--parameters must be at least 1, got \(parameters)") }
        if repeats < 1 { throw ValidationError("--repeats must be at least 1, got \(repeats)") }
        if !(linkGbits > 0) { throw ValidationError("--link-gbits must be positive, got \(linkGbits)") }
    }

    func run() throws {
        let group = ProcessGroup.current
        let gradient = FloatBuffer(count: parameters)
        for i in 0..<parameters { gradient[i] = Float(i % 977) * 1e-3 }
        let bytes = Double(parameters * MemoryLayout<Float>.stride)
        let tree = GradientSumTree(leaves: group.size)   // one micro-batch per rank
        try group.sumPartials([gradient], tree: tree)   // warm-up: connections and buffers
        var times: [Double] = []
        for _ in 0..<repeats {
            try group.barrier()
            let started = Profiler.now()
            try group.sumPartials([gradient], tree: tree)
            times.append(Profiler.now() - started)
        }
        guard group.isRoot else { return }
        let levels = group.size.trailingZeroBitCount
        let best = times.min() ?? 0, mean = times.reduce(0, +) / Double(max(1, times.count))
        print(String(format: "%d ranks (%d pair level%@), gradient %.1f MB: %.3f s per sum (best), %.3f s mean of %d",
                     group.size, levels, levels == 1 ? "" : "s", bytes / 1e6, best, mean, repeats))
        if levels > 0 {
            // a two-rank MPI_Allreduce moves about the whole buffer each way per level
            print(String(format: "  %.2f GB/s per level through this job's transport (shared memory on one machine unless --mca btl says otherwise)", bytes * Double(levels) / best / 1e9))
            let link = linkGbits * 1e9 / 8
            print(String(format: "  over %.0f Gb/s (%.2f GB/s): ≈ %.2f s per level, %.2f s per step at %d ranks", linkGbits, link / 1e9, bytes / link,
                         bytes / link * Double(levels), group.size))
        } else {
            print("  one process: nothing to exchange (run under mpirun -np 2 or more)")
        }
    }
}
