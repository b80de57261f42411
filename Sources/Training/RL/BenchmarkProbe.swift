import Evaluation
import LlamaModel
import RunConfig
import Tokenization

/// `evaluation:` of an RL run: `rlvr eval`'s tasks measured on the policy as it trains (at step 0,
/// every `output.eval_every` steps and at the end), logged as `eval/<task>/<metric>`. The tasks'
/// documents are built once, when the run starts; the runner reads the policy's weights as they are.
final class BenchmarkProbe {
    let runner: EvalRunner
    let tasks: [(task: any EvalTask, items: [EvalItem])]

    /// Nil when the section names no task. Unknown tasks, bad settings and missing or malformed
    /// benchmark files are errors here, before the run spends time.
    init?(_ section: EvaluationSection, policy: LlamaModel, tokenizer: BPETokenizer, template: ChatTemplate, eosTokens: Set<Int32>) throws {
        guard !section.tasks.isEmpty else { return nil }
        guard let format = PromptFormat(rawValue: section.format) else { throw TrainerError("evaluation.format: expected lm-eval or lighteval") }
        let named: [any EvalTask]
        do {
            named = try TaskCatalog.resolve(section.tasks.joined(separator: ","))
        } catch {
            throw TrainerError("evaluation.tasks: \(error)")
        }
        do {
            let settings = EvalSettings(format: format, chat: section.chat, shots: section.shots, maxNewTokens: section.maxNewTokens)
            let runner = try EvalRunner(model: policy, tokenizer: tokenizer, template: section.chat ? template : nil, eosTokens: eosTokens,
                                        data: BenchmarkData(root: section.data), settings: settings, modelSHA256: "", store: nil)
            tasks = try named.map { ($0, try runner.items($0, limit: section.limit)) }
            self.runner = runner
        } catch {
            throw TrainerError("evaluation: \(error)")
        }
    }

    /// Every task's metrics on the policy as it is now (greedy).
    func measure() throws -> [String: Double] {
        var metrics: [String: Double] = [:]
        for (task, items) in tasks {
            let result = try runner.run(task, items: items)
            for (name, summary) in result.metrics { metrics["eval/\(task.name)/\(name)"] = summary.value }
        }
        return metrics
    }

    /// One line for the log: every task's headline metric.
    func summary(_ metrics: [String: Double]) -> String {
        tasks.compactMap { task, _ -> String? in
            guard let headline = task.metrics(runner.options(for: task)).first,
                  let value = metrics["eval/\(task.name)/\(headline)"] else { return nil }
            return "\(task.name) \(headline) \(String(format: "%.3f", value))"
        }.joined(separator: ", ")
    }
}
