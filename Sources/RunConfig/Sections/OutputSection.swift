/// Where a run writes, and how often.
public struct OutputSection: RunConfigSection, Equatable {
    /// The run folder: resolved config, metrics.jsonl, checkpoints, final/.
    public var dir: String
    /// Save a resumable checkpoint every N optimizer steps (0: only at the end).
    public var saveEvery: Int
    /// Keep this many periodic checkpoints (the oldest are removed).
    public var keepCheckpoints: Int
    /// Evaluate on the held-out rows every N steps (0: only at the end).
    public var evalEvery: Int
    /// Write a metrics line every N steps.
    public var logEvery: Int
    /// Also write every metric as a TensorBoard scalar under `tensorboard/` in the run folder.
    public var tensorboard: Bool
    /// Write `report.html` (curves, config, samples) into the run folder when the run ends.
    public var report: Bool

    enum CodingKeys: String, CodingKey {
        case dir
        case saveEvery = "save_every"
        case keepCheckpoints = "keep_checkpoints"
        case evalEvery = "eval_every"
        case logEvery = "log_every"
        case tensorboard
        case report
    }

    public init() {
        dir = "runs/latest"
        saveEvery = 0
        keepCheckpoints = 2
        evalEvery = 0
        logEvery = 1
        tensorboard = false
        report = true
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Self()
        dir = try c.value(.dir, or: d.dir)
        saveEvery = try c.value(.saveEvery, or: d.saveEvery)
        keepCheckpoints = try c.value(.keepCheckpoints, or: d.keepCheckpoints)
        evalEvery = try c.value(.evalEvery, or: d.evalEvery)
        logEvery = try c.value(.logEvery, or: d.logEvery)
        tensorboard = try c.value(.tensorboard, or: d.tensorboard)
        report = try c.value(.report, or: d.report)
    }

    public func problems() -> [ConfigProblem] {
        var found: [ConfigProblem] = []
        if dir.isEmpty { found.append(ConfigProblem("dir", "expected a folder path")) }
        for (key, value) in [(CodingKeys.saveEvery, saveEvery), (.evalEvery, evalEvery)] where value < 0 {
            found.append(ConfigProblem(key.rawValue, "expected a non-negative step count (0 for only at the end), got \(value)"))
        }
        if keepCheckpoints < 1 { found.append(ConfigProblem("keep_checkpoints", "expected at least 1, got \(keepCheckpoints)")) }
        if logEvery < 1 { found.append(ConfigProblem("log_every", "expected at least 1, got \(logEvery)")) }
        return found
    }
}
