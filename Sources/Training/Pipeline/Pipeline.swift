import Collectives
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
            let overrides = stage.set.map { text in
                configuration.stages.reduce(text) { $0.replacingOccurrences(of: "{\($1.name)}", with: self.folder(of: $1.name) + "/final") }
            }
            var config = try ConfigLoader.load(RunConfiguration.self, file: stage.config, overrides: overrides)
            config.output.dir = folder
            options.log("stage \(index + 1)/\(configuration.stages.count) \(stage.name): \(config.stage?.rawValue ?? "?") from \(stage.config)"
                + (overrides.isEmpty ? "" : " with " + overrides.joined(separator: " ")) + (resume ? " (resuming)" : ""))
            var stageOptions = options
            stageOptions.outDir = folder
            stageOptions.resume = resume
            guard let kind = config.stage else { throw TrainerError("\(stage.config): stage: required in a pipeline (sft, dpo, rm or ppo)") }
            try StageRunner.train(kind, config: config, options: stageOptions)
            guard try options.group.rootDecides({ FileManager.default.fileExists(atPath: folder + "/final") }) else {
                throw TrainerError("stage \(stage.name) stopped before its end (no \(folder)/final); run the pipeline again to resume it")
            }
            let record = try JSONSerialization.data(withJSONObject: ["stage": stage.name, "config": stage.config, "overrides": overrides],
                                                    options: [.sortedKeys, .withoutEscapingSlashes])
            if options.group.isRoot { try record.write(to: URL(fileURLWithPath: marker)) }
            ran.append(stage.name)
        }
        return ran
    }
}
