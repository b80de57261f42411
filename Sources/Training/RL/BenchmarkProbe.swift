import Evaluation
import LlamaModel
import RunConfig
import Tokenization

/// `evaluation:` of an RL run: `rlvr eval`'s tasks measured on the policy as it trains (at step 0,
/// every `output.eval_every` steps and at the end), logged as `eval/<task>/<metric>`.
struct BenchmarkProbe {
    let tasks: [any EvalTask]
    let section: EvaluationSection
    let settings: EvalSettings
    let data: BenchmarkData

    /// Nil when the section names no task. Unknown tasks, bad settings and missing benchmark files
    /// are errors here, before the run spends time.
    init?(_ section: EvaluationSection) throws {
        guard !section.tasks.isEmpty else { return nil }
        do {
            tasks = try TaskCatalog.resolve(section.tasks.joined(separator: ","))
        } catch let error as EvalError {
            throw TrainerError("evaluation.tasks: \(error)")
        }
        guard let format = PromptFormat(rawValue: section.format) else { throw TrainerError("evaluation.format: expected lm-eval or lighteval") }
        self.section = section
        settings = EvalSettings(format: format, chat: section.chat, shots: section.shots, maxNewTokens: section.maxNewTokens)
        data = BenchmarkData(root: section.data)
    }

    /// Every task's metrics on `model` (greedy, the first `limit` documents).
    func measure(model: LlamaModel, tokenizer: BPETokenizer, template: ChatTemplate, eosTokens: Set<Int32>) throws -> [String: Double] {
        let runner = try EvalRunner(model: model, tokenizer: tokenizer, template: section.chat ? template : nil, eosTokens: eosTokens,
                                    data: data, settings: settings, modelSHA256: "", store: nil)
        var metrics: [String: Double] = [:]
        for task in tasks {
            let result = try runner.run(task, limit: section.limit)
            for (name, summary) in result.metrics { metrics["eval/\(task.name)/\(name)"] = summary.value }
        }
        return metrics
    }

    /// Checks that every task's prompts can be built (files present and well-formed).
    func check(tokenizer: BPETokenizer, template: ChatTemplate, eosTokens: Set<Int32>, model: LlamaModel) throws {
        let runner = try EvalRunner(model: model, tokenizer: tokenizer, template: section.chat ? template : nil, eosTokens: eosTokens,
                                    data: data, settings: settings, modelSHA256: "", store: nil)
        for task in tasks {
            do {
                _ = try runner.items(task, limit: section.limit)
            } catch {
                throw TrainerError("evaluation: \(error)")
            }
        }
    }

    /// One line for the log: every task's headline metric.
    func summary(_ metrics: [String: Double]) -> String {
        tasks.compactMap { task -> String? in
            guard let headline = task.metrics(TaskOptions(format: settings.format)).first,
                  let value = metrics["eval/\(task.name)/\(headline)"] else { return nil }
            return "\(task.name) \(headline) \(String(format: "%.3f", value))"
        }.joined(separator: ", ")
    }
}
