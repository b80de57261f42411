import ArgumentParser
import Evaluation
import Foundation
import ModelIO
import Tokenization

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a model as a GGUF file for llama.cpp and Ollama, optionally checking what quantisation costs.",
        discussion: """
        The GGUF (version 3) holds llama.cpp's tensor names (attn_q/attn_k rows permuted as its converter \
        does), the llama.* hyper-parameters, the tokenizer (tokens, merges, types, special ids, chat \
        template) and the weights in --type, quantized with ggml's reference formulas: f32, f16, q8_0, \
        q4_0, q4_1, or q4_k (Q4_K where rows hold a multiple of 256 values, Q5_0 elsewhere, as \
        llama-quantize falls back). Under the 4-bit types the token embedding (and output layer) is Q8_0, \
        as llama-quantize keeps it. Norms stay f32. \
        --check TASKS evaluates the source and the written file on the same documents (rlvr eval's tasks, \
        --limit, --format, --chat) and prints each metric's drop. See docs/checkpoints.md.
        """
    )

    @Option(help: "A .gguf file, a .safetensors file, a Hugging Face model folder, or a run folder (its final/).")
    var model: String

    @Option(help: "A LoRA adapter folder (Hugging Face PEFT: adapter_config.json, adapter_model.safetensors) to merge into --model (GGUF holds merged weights).")
    var adapter: String?

    @Option(help: "The GGUF file to write.")
    var to: String

    @Option(help: "Weight type: \(GGUFExport.WeightType.allCases.map(\.rawValue).joined(separator: ", ")).")
    var type: String = "q8_0"

    @Option(help: "general.name in the file (default: the model's folder or file name).")
    var name: String?

    @Option(help: "Comma-separated rlvr eval tasks to score on the source and the written file (e.g. ifeval).")
    var check: String?

    @Option(parsing: .unconditional, help: "With --check: the first N documents of each task.")
    var limit: Int = 200

    @Option(help: "With --check: prompt conventions, lm-eval or lighteval.")
    var format: PromptFormat = .lmEval

    @Flag(inversion: .prefixedNo, help: "With --check: prompts rendered with the chat template.")
    var chat = false

    @Option(help: "With --check: folder of the benchmark files.")
    var data: String = "data/eval"

    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        if GGUFExport.WeightType(rawValue: type) == nil {
            throw ValidationError("--type must be one of \(GGUFExport.WeightType.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(type)\"")
        }
        if !to.hasSuffix(".gguf") { throw ValidationError("--to must name a .gguf file, got \"\(to)\"") }
        if limit < 1 { throw ValidationError("--limit must be ≥ 1, got \(limit)") }
    }

    func run() throws {
        compute.apply()
        let tasks = try check.map(TaskCatalog.resolve)   // a bad task name stops the command before it writes
        let source = EvalJob.modelPath(model)
        let loaded = try LlamaCheckpoint.load(source, adapter: adapter)
        let llama = loaded.adapters == nil ? loaded : try loaded.merged()
        let tokenizer = try BPETokenizer.load(checkpoint: source)
        let weightType = GGUFExport.WeightType(rawValue: type)!
        let title = name ?? ((source as NSString).lastPathComponent as NSString).deletingPathExtension
        try GGUFExport.write(llama, tokenizer: tokenizer, type: weightType, name: title, to: to)
        let bytes = (try? FileManager.default.attributesOfItem(atPath: to)[.size] as? Int) ?? 0
        StandardOutput.write("wrote \(to) (\(type), \(String(format: "%.1f", Double(bytes) / 1e6)) MB)\n")
        guard let tasks else { return }
        let settings = EvalSettings(format: format, chat: chat)
        func evaluate(_ path: String, adapter: String? = nil) throws -> EvalReport {
            var job = EvalJob(modelPath: path, tasks: tasks, settings: settings, limit: limit, data: BenchmarkData(root: data))
            job.adapterPath = adapter
            if let status = TerminalProgress.status {
                job.progress = { p in status("\((path as NSString).lastPathComponent): \(p.task) \(p.done)/\(p.total)") }
            }
            return try job.run()
        }
        let before = try evaluate(source, adapter: adapter), after = try evaluate(to)
        if TerminalProgress.isTerminal { StandardOutput.write("\r\u{1B}[K") }
        StandardOutput.write(QuantisationCheck(source: before, exported: after, type: type).markdown())
    }
}

/// Each metric of the source and of the exported file on the same documents, and the difference.
struct QuantisationCheck {
    let source: EvalReport, exported: EvalReport, type: String

    func markdown() -> String {
        var lines = ["| task | metric | source | \(type) | change | n |", "|---|---|---:|---:|---:|---:|"]
        for (a, b) in zip(source.tasks, exported.tasks) {
            for metric in a.metricOrder {
                guard let x = a.metrics[metric], let y = b.metrics[metric] else { continue }
                lines.append("| \(a.task) | \(metric) | \(percent(x.value)) ± \(percent(x.stderr)) | \(percent(y.value)) ± \(percent(y.stderr)) "
                             + "| \(String(format: "%+.1f", 100 * (y.value - x.value))) | \(x.count) |")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    func percent(_ value: Double) -> String { value.isFinite ? String(format: "%.1f", 100 * value) : "–" }
}
