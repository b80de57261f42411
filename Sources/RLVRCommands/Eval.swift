import ArgumentParser
import Evaluation
import Foundation

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmark scores of a model: IFEval, GSM8K, MATH-500, BBH, HellaSwag, ARC, PIQA, MMLU.",
        discussion: """
        Multiple-choice tasks (hellaswag, arc_easy, arc_challenge, piqa, mmlu) compare the summed \
        log-likelihood of every choice (acc) and per character (acc_norm); the context is computed once \
        and shared by all choices. Generative tasks (ifeval, gsm8k, gsm8k_cot, math500, bbh) decode greedily \
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

    @Option(help: "A LoRA adapter folder (Hugging Face PEFT: adapter_config.json, adapter_model.safetensors) to apply to --model.")
    var adapter: String?

    @Option(help: "Comma-separated tasks (\(TaskCatalog.names.joined(separator: ", "))).")
    var tasks: String

    @Option(parsing: .unconditional, help: "Only the first N documents of each task (of each MMLU subject and BBH task, as lm-eval's --limit).")
    var limit: Int?

    @Option(help: ArgumentHelp("Only part I of N of every task's documents (every N-th from the I-th); concatenate the parts' samples.jsonl in one folder and rerun without --shard for the whole table.", valueName: "i/n"))
    var shard: String?

    @Option(help: "Folder for results.json and samples.jsonl (the resume cache).")
    var out: String?

    @Flag(help: "With --out: start again, discarding the folder's earlier samples and results.")
    var overwrite = false

    @Flag(help: "Print the results as JSON instead of a Markdown table.")
    var json = false

    @Option(help: "Prompt and metric conventions: lm-eval or lighteval.")
    var format: PromptFormat = .lmEval

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

    @Option(name: .customLong("max-new-tokens"), parsing: .unconditional, help: "Most new tokens per response (default: each task's own limit).")
    var maxNewTokens: Int?

    @Option(help: "For a run folder: final (its final/) or all (every saved step and final/, one table).")
    var checkpoints: String = "final"

    @Option(help: "Folder of the benchmark files.")
    var data: String = "data/eval"

    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be ≥ 1, got \(limit)") }
        if let shard {
            do { _ = try EvalShard(parsing: shard) } catch { throw ValidationError("\(error)") }
        }
        if overwrite && out == nil { throw ValidationError("--overwrite needs --out") }
        if !["final", "all"].contains(checkpoints) { throw ValidationError("--checkpoints must be final or all, got \"\(checkpoints)\"") }
    }

    func run() throws {
        compute.apply()
        var job = EvalJob(modelPath: model, templateName: template, tasks: try TaskCatalog.resolve(tasks),
                          settings: EvalSettings(format: format, chat: chat, shots: shots, samples: samples,
                                                 temperature: temperature, seed: seed, maxNewTokens: maxNewTokens),
                          limit: limit, data: BenchmarkData(root: data), out: out, overwrite: overwrite)
        job.shard = try shard.map(EvalShard.init(parsing:))
        job.adapterPath = adapter
        if let shots, shots > 0 {
            let fixed = job.tasks.filter { $0.maximumShots == 0 }.map(\.name)
            if !fixed.isEmpty {
                FileHandle.standardError.write(Data("rlvr: notice: \(fixed.joined(separator: ", ")) \(fixed.count == 1 ? "is" : "are") 0-shot only; --shots \(shots) applies to the other tasks\n".utf8))
            }
        }
        if let status = TerminalProgress.status {
            job.progress = { p in
                let width = 24, filled = p.total > 0 ? width * p.done / p.total : width
                let eta = p.done < p.total ? String(format: "  ETA %.0f s", p.secondsLeft) : ""
                status("\(p.task) [\(String(repeating: "#", count: filled))\(String(repeating: ".", count: width - filled))] \(p.done)/\(p.total)  "
                       + String(format: "%.1f items/s  %.0f tok/s", p.documentsPerSecond, p.tokensPerSecond) + eta)
            }
        }
        if checkpoints == "all" {
            // Every saved step with the run's tokenizer (checkpoints keep none), each into its own sub-folder.
            var reports: [(label: String, report: EvalReport)] = []
            let saved = try EvalJob.runCheckpoints(model)
            job.tokenizerPath = model + "/final"
            for (label, path) in saved {
                job.modelPath = path
                job.out = out.map { $0 + "/" + label.replacingOccurrences(of: " ", with: "-") }
                reports.append((label, try job.run()))
                if TerminalProgress.isTerminal { StandardOutput.write("\r\u{1B}[K") }
            }
            StandardOutput.write(json ? "[" + (try reports.map { try $0.report.json() }).joined(separator: ",\n") + "]\n"
                                      : EvalReport.markdown(checkpoints: reports))
            return
        }
        let report = try job.run()
        if TerminalProgress.isTerminal { StandardOutput.write("\r\u{1B}[K") }
        StandardOutput.write(json ? try report.json() + "\n" : report.markdown())
    }
}

/// `--format lm-eval|lighteval` (eval, export --check, bench eval): an unknown value is refused by
/// the parser, which lists the known ones.
extension PromptFormat: ExpressibleByArgument {}
