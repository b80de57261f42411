import Collectives
import Evaluation
import Foundation
import RunConfig

/// Runs a `PipelineConfiguration`'s stages in order. A stage that finished (its folder holds
/// `stage-done.json`) is skipped; one that stopped part-way resumes from its newest checkpoint; the
/// rest start fresh. Each stage's `{name}` overrides are replaced by earlier stages' `final/` folders.
public struct Pipeline {
    public let configuration: PipelineConfiguration
    public let options: TrainerOptions

    public init(configuration: PipelineConfiguration, options: TrainerOptions) {
        self.configuration = configuration
        self.options = options
    }

    public func folder(of stage: String) -> String { configuration.out + "/" + stage }

    /// Runs every stage not yet done; returns the names of the stages it ran.
    @discardableResult
    public func run() throws -> [String] {
        var ran: [String] = []
        for (index, stage) in configuration.stages.enumerated() {
            let folder = folder(of: stage.name)
            let marker = folder + "/stage-done.json"
            // rank 0 decides from the files it sees; every rank follows
            let done = try options.group.rootDecides { FileManager.default.fileExists(atPath: marker) }
            let resume = try options.group.rootDecides { !RunFolder.checkpointSteps(in: folder).isEmpty }
            if done {
                options.log("stage \(index + 1)/\(configuration.stages.count) \(stage.name): done earlier (\(folder)/final)")
                continue
            }
            let resolve = { (text: String) in
                configuration.stages.reduce(text) { $0.replacingOccurrences(of: "{\($1.name)}", with: self.folder(of: $1.name) + "/final") }
            }
            let record: [String: Any]
            if let evaluation = stage.evaluate, let model = stage.model.map(resolve) {
                // an evaluation resumes from the samples its folder holds (EvalJob)
                let cached = FileManager.default.fileExists(atPath: folder + "/samples.jsonl")
                options.log("stage \(index + 1)/\(configuration.stages.count) \(stage.name): evaluate \(model) on \(evaluation.tasks.joined(separator: ", "))"
                    + (cached ? " (resuming)" : ""))
                if options.group.isRoot {
                    let report = try Self.evaluate(evaluation, model: model, folder: folder)
                    options.log(report.markdown())
                }
                record = ["stage": stage.name, "evaluate": evaluation.tasks, "model": model]
            } else {
                let file = stage.config ?? ""
                let overrides = stage.set.map(resolve)
                var config = try ConfigLoader.load(RunConfiguration.self, file: file, overrides: overrides)
                config.output.dir = folder
                options.log("stage \(index + 1)/\(configuration.stages.count) \(stage.name): \(config.stage?.rawValue ?? "?") from \(file)"
                    + (overrides.isEmpty ? "" : " with " + overrides.joined(separator: " ")) + (resume ? " (resuming)" : ""))
                var stageOptions = options
                stageOptions.outDir = folder
                stageOptions.resume = resume
                guard let kind = config.stage else { throw TrainerError("\(file): stage: required in a pipeline (sft, dpo, rm or ppo)") }
                try StageRunner.train(kind, config: config, options: stageOptions)
                guard try options.group.rootDecides({ FileManager.default.fileExists(atPath: folder + "/final") }) else {
                    throw TrainerError("stage \(stage.name) stopped before its end (no \(folder)/final); run the pipeline again to resume it")
                }
                record = ["stage": stage.name, "config": file, "overrides": overrides]
            }
            let bytes = try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys, .withoutEscapingSlashes])
            if options.group.isRoot { try bytes.write(to: URL(fileURLWithPath: marker)) }
            ran.append(stage.name)
        }
        return ran
    }

    /// An `evaluate:` stage: the tasks on the model, greedy, resuming from the folder's samples.
    static func evaluate(_ evaluation: EvaluationSection, model: String, folder: String) throws -> EvalReport {
        guard let format = PromptFormat(rawValue: evaluation.format) else { throw TrainerError("evaluate.format: expected lm-eval or lighteval") }
        let tasks: [any EvalTask]
        do {
            tasks = try TaskCatalog.resolve(evaluation.tasks.joined(separator: ","))
        } catch let error as EvalError {
            throw TrainerError("evaluate.tasks: \(error)")
        }
        let settings = EvalSettings(format: format, chat: evaluation.chat, shots: evaluation.shots, maxNewTokens: evaluation.maxNewTokens)
        return try EvalJob(modelPath: model, tasks: tasks, settings: settings, limit: evaluation.limit,
                           data: BenchmarkData(root: evaluation.data), out: folder).run()
    }
}
