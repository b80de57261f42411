import Diagnostics
import Collectives
import LlamaModel

/// How a trainer is run: where it writes, when it stops early, whether it resumes, where its
/// messages go and which processes share the work. The same for every stage (SFT, DPO, RM, RL).
public struct TrainerOptions: Sendable {
    /// The run folder (default: `output.dir` of the config).
    public var outDir: String?
    /// Stop after this many optimizer steps (a checkpoint is written so `--resume` carries on).
    public var maxSteps: Int?
    /// Resume from the run folder's newest checkpoint.
    public var resume: Bool
    /// What a fresh start does when the run folder already holds a run.
    public var existingRun: ExistingRun = .replace

    public enum ExistingRun: Sendable {
        /// Remove its logs, checkpoints and results, then start (the library's default, the demo's
        /// and a pipeline's, which own their folders; `--overwrite` on the command line).
        case replace
        /// Refuse with a message (the command line without `--overwrite`).
        case refuse
    }
    /// Lines to keep (dataset counts, evaluations, per-step lines when there is no status line).
    public var log: @Sendable (String) -> Void
    /// A status line rewritten after every step (a progress bar on a terminal); nil: plain lines.
    public var status: (@Sendable (String) -> Void)?
    /// Fault injection for tests: writing the checkpoint of this step fails after the weights are on
    /// disk, as a kill in the middle of the write would.
    public var interruptCheckpointAtStep: Int?
    /// The data-parallel processes: each takes its share of every batch, rank 0 alone writes
    /// (`.single` unless the command line passes the MPI job's group).
    public var group: ProcessGroup
    /// Benchmarks of architectures whose weights are not on this machine: the starting model comes
    /// from here instead of `model.path`, which then supplies the tokenizer and chat template alone.
    public var startingModel: (@Sendable () throws -> LlamaModel)?

    public init(outDir: String? = nil, maxSteps: Int? = nil, resume: Bool = false,
                log: @escaping @Sendable (String) -> Void = { print($0) }, status: (@Sendable (String) -> Void)? = nil,
                group: ProcessGroup = .single) {
        self.group = group
        self.outDir = outDir
        self.maxSteps = maxSteps
        self.resume = resume
        self.log = log
        self.status = status
    }
}

/// A problem with a trainer's inputs (config, data, checkpoint) that the user must fix.
public struct TrainerError: BadInput {
    public let description: String
    public init(_ description: String) { self.description = description }
}
