import ArgumentParser
import Collectives
import Foundation
import RunConfig
import Training

/// `--config FILE [--set …] [--out RUN_DIR] [--max-steps N] [--resume RUN_DIR]`, shared by the trainers.
struct TrainingOptions: ParsableArguments {
    @OptionGroup var config: ConfigOptions

    @Option(help: "The run folder (default: output.dir of the config).")
    var out: String?

    @Option(name: .customLong("max-steps"), parsing: .unconditional, help: "The run's length in optimizer steps (sets training.max_steps): it ends there and writes final/.")
    var maxSteps: Int?

    @Option(name: .customLong("stop-after"), parsing: .unconditional, help: "Pause after this many optimizer steps: a checkpoint is written and --resume carries on.")
    var stopAfter: Int?

    @Option(help: "Resume the run in this folder from its newest checkpoint.")
    var resume: String?

    @Flag(help: "Replace a run already in the run folder (its logs, checkpoints and results).")
    var overwrite = false

    func validate() throws {
        if let maxSteps, maxSteps < 1 { throw ValidationError("--max-steps must be at least 1") }
        if let stopAfter, stopAfter < 1 { throw ValidationError("--stop-after must be at least 1") }
        if out != nil && resume != nil { throw ValidationError("give --out or --resume, not both (--resume names the run folder)") }
        if overwrite && resume != nil { throw ValidationError("give --overwrite or --resume, not both") }
    }

    /// The configuration for `stage`, with `--max-steps` applied; with `--resume`, the run folder is
    /// checked first (before any model is loaded).
    func load(for stage: RunConfiguration.Stage) throws -> RunConfiguration {
        if let resume {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: resume, isDirectory: &isFolder) else {
                throw InputError("--resume \(resume): no such run folder")
            }
            guard isFolder.boolValue else { throw InputError("--resume \(resume): is a file, not a run folder") }
            guard !RunFolder.checkpointSteps(in: resume).isEmpty else {
                throw InputError("--resume \(resume): no checkpoint to resume from (expected \(resume)/checkpoints/step-N/)")
            }
        }
        var loaded = try config.load(for: stage)
        if let maxSteps { loaded.training.maxSteps = maxSteps }
        return loaded
    }

    func trainerOptions() -> TrainerOptions {
        var options = Self.processOptions()
        (options.outDir, options.maxSteps, options.resume) = (resume ?? out, stopAfter, resume != nil)
        options.existingRun = overwrite ? .replace : .refuse
        return options
    }

    /// This process's messages and group: rank 0 speaks for the job, the others keep quiet (their
    /// errors still reach stderr).
    static func processOptions() -> TrainerOptions {
        let group = ProcessGroup.current
        let quiet: @Sendable (String) -> Void = { _ in }
        let log: @Sendable (String) -> Void = group.isRoot ? TerminalProgress.log : quiet
        let status: (@Sendable (String) -> Void)? = group.isRoot ? TerminalProgress.status : nil
        return TrainerOptions(log: log, status: status, group: group)
    }
}

/// `rlvr sft|dpo|rm|ppo`: the shared options, the stage's configuration check, its trainer.
protocol TrainerCommand: ParsableCommand {
    static var stage: RunConfiguration.Stage { get }
    var options: TrainingOptions { get }
}

extension TrainerCommand {
    func run() throws {
        try StageRunner.train(Self.stage, config: try options.load(for: Self.stage), options: options.trainerOptions())
    }
}

struct SFT: TrainerCommand {
    static let configuration = CommandConfiguration(
        commandName: "sft",
        abstract: "Supervised fine-tuning on conversations (loss on assistant tokens).",
        discussion: "Writes config.yaml, metrics.jsonl, checkpoints/step-N and final/ (a Hugging Face folder) into the run folder."
    )
    static let stage = RunConfiguration.Stage.sft
    @OptionGroup var options: TrainingOptions
}

struct DPO: TrainerCommand {
    static let configuration = CommandConfiguration(
        commandName: "dpo",
        abstract: "Direct preference optimisation on chosen/rejected pairs (dpo, dpo_norm or simpo).",
        discussion: """
        The reference log-probs are computed once and cached under dpo.reference_cache (reused by \
        later runs over the same model, data and settings). Writes config.yaml, metrics.jsonl, \
        checkpoints/step-N and final/ (a Hugging Face folder) into the run folder.
        """
    )
    static let stage = RunConfiguration.Stage.dpo
    @OptionGroup var options: TrainingOptions
}

struct RewardModel: TrainerCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm",
        abstract: "Reward-model training: a scalar head on the last token, Bradley–Terry loss on chosen/rejected pairs.",
        discussion: "final/ is a LlamaForSequenceClassification folder (score.weight), the PPO value model's starting point."
    )
    static let stage = RunConfiguration.Stage.rm
    @OptionGroup var options: TrainingOptions
}

struct PPO: TrainerCommand {
    static let configuration = CommandConfiguration(
        commandName: "ppo",
        abstract: "RL from verifiable rewards: sample, verify, KL-penalise, update (PPO with GAE, or GRPO, RLOO, REINFORCE++-baseline).",
        discussion: """
        algorithm.advantage picks the estimator (gae needs a value model: algorithm.value_model, or the \
        policy with a fresh head). Writes config.yaml, metrics.jsonl, samples.jsonl, checkpoints/step-N, \
        final/ (the policy) and value/ (the value model, with gae) into the run folder.
        """
    )
    static let stage = RunConfiguration.Stage.ppo
    @OptionGroup var options: TrainingOptions
}

struct PipelineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipeline",
        abstract: "Run stages in order (e.g. sft → rm → ppo), each consuming the previous outputs; resumable stage by stage.",
        discussion: "The file lists stages {name, config, set}; in set, {name} is an earlier stage's final/ folder. Finished stages are skipped, a stopped one resumes."
    )

    @Option(name: .long, help: ArgumentHelp("The YAML pipeline file (out, stages).", valueName: "file"))
    var config: String

    @Option(name: .customLong("set"), help: ArgumentHelp("Override one setting of the pipeline file, e.g. --set out=runs/p2 (repeatable).", valueName: "key=value"))
    var overrides: [String] = []

    func run() throws {
        let pipeline = try ConfigLoader.load(PipelineConfiguration.self, file: config, overrides: overrides)
        try Pipeline(configuration: pipeline, options: TrainingOptions.processOptions()).run()
    }
}
