import Checkpoints
import Collectives
import Foundation
import RunConfig
import RunReport

/// What every trainer does around its steps, written once: start fresh (config.yaml written, old logs
/// removed) or resume from the newest checkpoint (logs cut back to it); after each step the metrics
/// line, a progress bar or log line with the time left, and the periodic checkpoint; at the end the
/// checkpoint that keeps an early stop's place, or the final writes; then a barrier so that rank 0's
/// files are on disk before any rank goes on. Rank 0 alone writes; every rank restores.
final class RunLifecycle {
    let run: RunFolder
    let config: RunConfiguration
    let options: TrainerOptions
    /// What a checkpoint holds (a model with its optimizer and heads; RL adds the value model).
    let parts: [RunFolder.Part]
    /// Logs with lines per step besides metrics.jsonl (RL's samples.jsonl), reset and cut like it.
    let stepLogs: [String]
    let totalSteps: Int
    /// `totalSteps`, or `--max-steps` when smaller.
    let stopAt: Int
    private var secondsThisRun = 0.0, stepsThisRun = 0
    /// The memory planned before the first step (written to memory_plan.json for the report).
    var memoryPlan: [(what: String, bytes: Int)] = []

    init(run: RunFolder, config: RunConfiguration, options: TrainerOptions, parts: [RunFolder.Part], stepLogs: [String] = [], totalSteps: Int) {
        (self.run, self.config, self.options, self.parts, self.stepLogs, self.totalSteps) = (run, config, options, parts, stepLogs, totalSteps)
        stopAt = min(totalSteps, options.maxSteps ?? totalSteps)
    }

    var group: ProcessGroup { options.group }
    var writes: Bool { group.isRoot }

    /// The state to carry on from: the newest checkpoint's with `--resume`, step 0 otherwise.
    func start() throws -> RunFolder.TrainerState {
        var state = RunFolder.TrainerState(step: 0, examplesSeen: 0, seed: UInt64(config.seed))
        if options.resume {
            // rank 0 picks the checkpoint; every rank loads that one
            let newest = try group.rootDecides { run.checkpointSteps().last ?? -1 }
            guard newest >= 0 else {
                throw TrainerError("\(run.path): no checkpoint to resume from (expected checkpoints/step-N/)")
            }
            state = try run.restore(step: newest, parts: parts)
            if writes {
                try run.truncateMetrics(after: state.step)
                for log in stepLogs { try run.truncateLines(of: log, after: state.step) }
            }
            options.log("resumed from step \(state.step)" + (group.size > 1 ? " on \(group.size) ranks" : ""))
        } else if writes {
            if options.existingRun == .refuse && RunFolder.holdsRun(run.path) {
                throw TrainerError("\(run.path) already holds a run: carry it on with --resume \(run.path), replace it with --overwrite, or choose another folder with --out")
            }
            try run.clearPreviousRun(stepLogs: stepLogs)
            try run.writeConfig(try ConfigLoader.render(config))
        }
        if writes && !memoryPlan.isEmpty { try run.writeMemoryPlan(memoryPlan) }
        if group.size > 1 && writes { TerminationNotice.install(Self.stoppedNotice(run: run.path)) }
        return state
    }

    /// Held-out evaluation after `step`: every `eval_every` steps and after the last.
    func evaluates(after step: Int) -> Bool {
        (config.output.evalEvery > 0 && step % config.output.evalEvery == 0) || step == totalSteps
    }

    /// After `state.step`: appends `metrics` to metrics.jsonl, shows `status` on the progress bar (or
    /// logs `line` every `log_every` steps) with the time left, and checkpoints every `save_every` steps.
    func stepDone(_ state: RunFolder.TrainerState, seconds: Double, metrics: [String: Any], status: String, line: String) throws {
        secondsThisRun += seconds
        stepsThisRun += 1
        if writes { try run.appendMetrics(metrics) }
        let remaining = Self.duration(secondsThisRun / Double(stepsThisRun) * Double(stopAt - state.step))
        if let show = options.status {
            show(Self.progressBar(step: state.step, of: stopAt) + " " + status + "  ETA \(remaining)")
        } else if state.step % config.output.logEvery == 0 {
            options.log("step \(state.step)/\(stopAt)  " + line + "  \(remaining) left")
        }
        if writes && config.output.saveEvery > 0 && state.step % config.output.saveEvery == 0 {
            try saveCheckpoint(state)
        }
    }

    /// `report.html` in the run folder (`rlvr report`), for the finished run.
    func writeReport() throws {
        try ReportPage.write([try RunRecords(folder: run.path)], to: run.path + "/report.html")
    }

    /// Keeps an early stop's place for `--resume`, or writes the run's results with `saveFinal`
    /// (given the final/ folder; rank 0 only).
    func end(_ state: RunFolder.TrainerState, saveFinal: (String) throws -> Void) throws {
        if state.step < totalSteps {
            if writes && (config.output.saveEvery == 0 || state.step % config.output.saveEvery != 0) { try saveCheckpoint(state) }
            options.log("stopped at step \(state.step) of \(totalSteps); carry on with --resume \(run.path)")
        } else {
            if writes {
                try saveFinal(run.path + "/final")
                if config.output.report { try writeReport() }
            }
            options.log("\(state.step) step\(state.step == 1 ? "" : "s") done (\(Self.duration(secondsThisRun)) this run): \(run.path)/final")
        }
        try group.barrier()
    }

    private func saveCheckpoint(_ state: RunFolder.TrainerState) throws {
        try run.saveCheckpoint(parts: parts, state: state, keep: config.output.keepCheckpoints,
                               interruptAfterWeights: options.interruptCheckpointAtStep == state.step)
    }

    /// What rank 0 prints when the launcher stops the job (another rank failed).
    static func stoppedNotice(run: String) -> String {
        "\nrlvr: rank 0: the job was stopped (a rank failed or was killed); carry on from the newest checkpoint with --resume \(run), on any power-of-two number of ranks"
    }

    /// "[=======>            ]  7/20".
    static func progressBar(step: Int, of total: Int, width: Int = 24) -> String {
        let filled = total > 0 ? width * step / total : width
        let bar = String(repeating: "=", count: max(0, filled - 1)) + (filled > 0 ? (filled == width ? "=" : ">") : "")
        return "[" + bar + String(repeating: " ", count: width - bar.count) + "] \(step)/\(total)"
    }

    /// "1h02m", "3m05s", "42s".
    static func duration(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded())
        if whole >= 3600 { return String(format: "%dh%02dm", whole / 3600, whole % 3600 / 60) }
        if whole >= 60 { return String(format: "%dm%02ds", whole / 60, whole % 60) }
        return "\(whole)s"
    }
}
