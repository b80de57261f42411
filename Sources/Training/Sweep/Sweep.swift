import Collectives
import Diagnostics
import Evaluation
import Foundation
import RunConfig

/// The benchmark pass after training: these tasks on every run's `final/`, into `DIR/runs/NAME/eval/`.
public struct SweepEvaluation: Sendable {
    public var tasks: [any EvalTask]
    public var settings: EvalSettings
    public var limit: Int?
    public var data: BenchmarkData

    public init(tasks: [any EvalTask], settings: EvalSettings, limit: Int?, data: BenchmarkData) {
        (self.tasks, self.settings, self.limit, self.data) = (tasks, settings, limit, data)
    }
}

/// `rlvr sweep`: every combination of a grid over a base config, each its own run folder under
/// `DIR/runs/`, trained (any stage), evaluated, and summarised with plots. A finished run is skipped
/// and a stopped one resumes, so the sweep can be stopped anywhere and run again; runs can be shared
/// out over MPI ranks or over machines (`--shard i/n`), one run per process and no gradient traffic
/// between them.
public struct Sweep {
    public let baseConfig: String
    public let grid: SweepGrid
    /// `--set` overrides applied to every run (before the grid's).
    public let fixed: [String]
    public let out: String
    public let evaluation: SweepEvaluation?
    /// This process's share: runs whose index modulo `share.count` is `share.index`.
    public let share: (index: Int, count: Int)
    public let options: TrainerOptions

    public init(baseConfig: String, grid: SweepGrid, fixed: [String], out: String, evaluation: SweepEvaluation?,
                share: (index: Int, count: Int), options: TrainerOptions) {
        (self.baseConfig, self.grid, self.fixed, self.out, self.evaluation, self.share, self.options) =
            (baseConfig, grid, fixed, out, evaluation, share, options)
    }

    public func folder(of run: SweepGrid.Run) -> String { out + "/runs/" + run.name }
    static let doneMarker = "sweep-done.json"

    /// Where a run folder stands: trained and evaluated (its marker), trained (`final/`), stopped
    /// part-way (checkpoints only), or not started.
    public enum Progress: String, Sendable { case done, trained, stopped, pending }

    public static func progress(of folder: String) -> Progress {
        let files = FileManager.default
        if files.fileExists(atPath: folder + "/" + doneMarker) { return .done }
        if files.fileExists(atPath: folder + "/final") { return .trained }
        return RunFolder.checkpointSteps(in: folder).isEmpty ? .pending : .stopped
    }

    /// Every run's configuration, checked before anything runs: unknown keys (with suggestions),
    /// values of the wrong type, a stage that cannot be evaluated, more processes than runs.
    public func configurations() throws -> [RunConfiguration] {
        let runs = grid.runs
        guard share.count <= runs.count else {
            throw TrainerError("\(share.count) processes share \(runs.count) runs: at most \(runs.count) can have work (one run per process)")
        }
        return try runs.map { run in
            var config: RunConfiguration
            do {
                config = try ConfigLoader.load(RunConfiguration.self, file: baseConfig, overrides: fixed + run.overrides)
            } catch let error as any BadInput {
                // a grid value's problem names the --grid option it came from
                let text = error.description
                guard let override = run.overrides.first(where: { text.hasPrefix("--set \($0):") }) else { throw error }
                throw TrainerError("--grid " + override + text.dropFirst("--set ".count + override.count))
            }
            guard let stage = config.stage else { throw TrainerError("\(baseConfig): stage: required in a sweep (sft, dpo, rm or ppo)") }
            if evaluation != nil && stage == .rm {
                throw TrainerError("--eval: a reward model's final/ is a classifier, not a policy; sweep rm runs without --eval")
            }
            config.output.dir = folder(of: run)
            return config
        }
    }

    /// Trains and evaluates this process's runs not yet done, then writes the summary of every run
    /// found done (by rank 0 under MPI, after the others). Returns the names of the runs it worked on.
    @discardableResult
    public func run() throws -> [String] {
        let configs = try configurations()
        let runs = grid.runs
        var worked: [String] = []
        for (index, run) in runs.enumerated() where index % share.count == share.index {
            let folder = folder(of: run)
            let progress = Self.progress(of: folder)
            if progress == .done {
                options.log("run \(index + 1)/\(runs.count) \(run.name): done earlier")
                continue
            }
            if progress != .trained {
                let resume = progress == .stopped
                options.log("run \(index + 1)/\(runs.count) \(run.name): \(configs[index].stage?.rawValue ?? "?")" + (resume ? " (resuming)" : ""))
                var runOptions = options
                runOptions.outDir = folder
                runOptions.resume = resume
                runOptions.existingRun = .replace
                runOptions.group = .single
                try StageRunner.train(configs[index].stage ?? .sft, config: configs[index], options: runOptions)
                guard FileManager.default.fileExists(atPath: folder + "/final") else {
                    throw TrainerError("run \(run.name) stopped before its end (no \(folder)/final); run the sweep again to resume it")
                }
            }
            if let evaluation {
                options.log("run \(index + 1)/\(runs.count) \(run.name): evaluate on \(evaluation.tasks.map(\.name).joined(separator: ", "))")
                _ = try EvalJob(modelPath: folder + "/final", tasks: evaluation.tasks, settings: evaluation.settings, limit: evaluation.limit,
                                data: evaluation.data, out: folder + "/eval").run()
            }
            let record: [String: Any] = ["run": run.name, "overrides": run.overrides]
            try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys, .withoutEscapingSlashes])
                .write(to: URL(fileURLWithPath: folder + "/" + Self.doneMarker))
            worked.append(run.name)
        }
        if options.group.size > 1 { try options.group.barrier() }
        if options.group.isRoot {
            let summary = try SweepSummary(sweep: self, configs: configs)
            try summary.write()
            options.log(summary.markdown())
        }
        return worked
    }
}
