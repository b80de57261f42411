import ArgumentParser
import Checkpoints
import Evaluation
import Foundation
import Kernels
import ModelIO
import Tokenization

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmark scores of a model: IFEval, GSM8K, MATH-500, HellaSwag, ARC, PIQA, MMLU.",
        discussion: """
        Multiple-choice tasks (hellaswag, arc_easy, arc_challenge, piqa, mmlu) compare the summed \
        log-likelihood of every choice (acc) and per character (acc_norm); the context is computed once \
        and shared by all choices. Generative tasks (ifeval, gsm8k, gsm8k_cot, math500) decode greedily \
        (or --n samples at --temperature: pass@k, maj@k, avg@k) and score with the project's verifiers \
        and lm-eval's answer filters. --format lm-eval reproduces lm-evaluation-harness's prompts and \
        metrics; --format lighteval SmolLM2's lighteval tasks (the model cards' numbers, with --chat). \
        With --out, every finished document goes to samples.jsonl and an interrupted run resumes there; \
        results.json holds the metrics with standard errors, the settings and the model's SHA-256. \
        Benchmark files are read from data/eval/ (--data). See docs/evaluation.md.

        Tasks: \(TaskCatalog.all.map { "\($0.name) — \($0.summary)" }.joined(separator: "; ")).
        """
    )

    @Option(help: "A .gguf file, a .safetensors file, a Hugging Face model folder, or a run folder (its final/).")
    var model: String

    @Option(help: "Comma-separated tasks (\(TaskCatalog.names.joined(separator: ", "))).")
    var tasks: String

    @Option(parsing: .unconditional, help: "Only the first N documents of each task.")
    var limit: Int?

    @Option(help: "Folder for results.json and samples.jsonl (the resume cache).")
    var out: String?

    @Flag(help: "With --out: start again, discarding the folder's earlier samples and results.")
    var overwrite = false

    @Flag(help: "Print the results as JSON instead of a Markdown table.")
    var json = false

    @Option(help: "Prompt and metric conventions: lm-eval or lighteval.")
    var format: String = "lm-eval"

    @Flag(inversion: .prefixedNo, help: "Render prompts with the chat template (few-shot examples as turns).")
    var chat = false

    @Option(help: "Chat template: auto (the checkpoint's), chatml, tulu or plain.")
    var template: String = "auto"

    @Option(parsing: .unconditional, help: "Few-shot examples per prompt (default: each task's own).")
    var shots: Int?

    @Option(name: .customLong("n"), parsing: .unconditional, help: "Samples per generative prompt (above 1: pass@k, maj@k, avg@k; needs --temperature).")
    var samples: Int = 1

    @Option(parsing: .unconditional, help: "Sampling temperature of generative tasks (0: greedy).")
    var temperature: Double = 0

    @Option(parsing: .unconditional, help: "Seed of the sampling random numbers.")
    var seed: UInt64 = 0

    @Option(name: .customLong("max-new-tokens"), parsing: .unconditional, help: "Cap on generated tokens (default: each task's own).")
    var maxNewTokens: Int?

    @Option(help: "Folder of the benchmark files.")
    var data: String = "data/eval"

    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be ≥ 1, got \(limit)") }
        if PromptFormat(rawValue: format) == nil {
            throw ValidationError("--format must be one of \(PromptFormat.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(format)\"")
        }
        if overwrite && out == nil { throw ValidationError("--overwrite needs --out") }
    }

    func run() throws {
        compute.apply()
        let selected = try TaskCatalog.resolve(tasks)
        let settings = EvalSettings(format: PromptFormat(rawValue: format)!, chat: chat, shots: shots, samples: samples,
                                    temperature: temperature, seed: seed, maxNewTokens: maxNewTokens)
        let path = Self.modelPath(model)
        let loaded = try LoadedChatModel(path: path, templateName: template)
        let digest = try Self.weightsDigest(path)
        let store = try out.map { try Self.prepare(folder: $0, settings: settings, digest: digest, overwrite: overwrite) }
        let runner = try EvalRunner(model: loaded.model, tokenizer: loaded.tokenizer, template: chat ? try loaded.template() : nil,
                                    eosTokens: loaded.eosTokens, data: BenchmarkData(root: data), settings: settings,
                                    modelSHA256: digest, store: store)
        // Every task's prompts are built first, so a bad file or setting stops the run before any scoring.
        for task in selected { _ = try runner.items(task, limit: limit) }
        if let shots, shots > 0 {
            let fixed = selected.filter { $0.maximumShots == 0 }.map(\.name)
            if !fixed.isEmpty { FileHandle.standardError.write(Data(("rlvr: notice: " + "\(fixed.joined(separator: ", ")) \(fixed.count == 1 ? "is" : "are") 0-shot only; --shots \(shots) applies to the other tasks\n").utf8)) }
        }
        if let status = TerminalProgress.status {
            runner.progress = { task, done, total, tokensPerSecond in
                let width = 24, filled = total > 0 ? width * done / total : width
                status("\(task) [\(String(repeating: "#", count: filled))\(String(repeating: ".", count: width - filled))] \(done)/\(total)  "
                       + String(format: "%.0f tok/s", tokensPerSecond))
            }
        }
        var results: [TaskResult] = []
        for task in selected {
            results.append(try runner.run(task, limit: limit))
            if TerminalProgress.isTerminal { StandardOutput.write("\r\u{1B}[K") }
        }
        let report = EvalReport(model: model, modelSHA256: digest, settings: settings, results: results)
        if let out { try report.write(to: out + "/results.json") }
        StandardOutput.write(json ? try report.json() + "\n" : report.markdown())
    }

    /// A run folder's `final/`, else the path itself.
    static func modelPath(_ path: String) -> String {
        var isFolder: ObjCBool = false
        let final = path + "/final"
        if FileManager.default.fileExists(atPath: final, isDirectory: &isFolder), isFolder.boolValue { return final }
        return path
    }

    /// SHA-256 over the weight files (the file itself, or a folder's .safetensors/.gguf files in name order).
    static func weightsDigest(_ path: String) throws -> String {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { throw InputError("\(path): no such file or folder") }
        let files = isFolder.boolValue
            ? ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).filter { $0.hasSuffix(".safetensors") || $0.hasSuffix(".gguf") }.sorted().map { path + "/" + $0 }
            : [path]
        if files.count == 1 { return try SHA256.hex(file: files[0]) }
        return SHA256.hex(Array(try files.map { try SHA256.hex(file: $0) }.joined(separator: "\n").utf8))
    }

    /// The output folder with its settings checked against an earlier run's (resume) or replaced (--overwrite).
    static func prepare(folder: String, settings: EvalSettings, digest: String, overwrite: Bool) throws -> SampleStore {
        let manager = FileManager.default
        try manager.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let settingsFile = folder + "/eval_settings.json", samples = folder + "/samples.jsonl"
        let identity = EvalIdentity(modelSHA256: digest, settings: settings)
        if overwrite {
            for name in ["samples.jsonl", "results.json", "eval_settings.json"] { try? manager.removeItem(atPath: folder + "/" + name) }
        } else if let data = manager.contents(atPath: settingsFile) {
            guard let earlier = try? JSONDecoder().decode(EvalIdentity.self, from: data) else {
                throw InputError("\(settingsFile): not an rlvr eval settings file; choose another --out or pass --overwrite")
            }
            if earlier != identity {
                throw InputError("\(folder) holds an evaluation with other settings or weights (\(earlier.difference(from: identity))); pass --overwrite to start again or choose another --out")
            }
        } else if manager.fileExists(atPath: samples) {
            throw InputError("\(samples) exists without eval_settings.json; pass --overwrite to start again or choose another --out")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let bytes = try encoder.encode(identity)
        try AtomicFile.write(to: settingsFile) { sink in try bytes.withUnsafeBytes { try sink.write($0) } }
        return try SampleStore(path: samples)
    }
}

/// What must match for an output folder's samples to be reused.
struct EvalIdentity: Codable, Equatable {
    var modelSHA256: String
    var settings: EvalSettings

    func difference(from other: EvalIdentity) -> String {
        if modelSHA256 != other.modelSHA256 { return "weights \(modelSHA256.prefix(12))… there, \(other.modelSHA256.prefix(12))… now" }
        return "settings there: \(settings), now: \(other.settings)"
    }
}
