import ArgumentParser

/// `rlvr`: post-train small Llama-family models on the CPU with reinforcement learning from
/// verifiable rewards.
public struct RLVR: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "rlvr",
        abstract: "Post-train small language models on the CPU with reinforcement learning from verifiable rewards.",
        discussion: """
        Exit codes: 0 success, 1 runtime failure, 2 bad usage or bad input (the message names the \
        file, line or key at fault).
        """,
        version: RLVRVersion.current,
        subcommands: [SFT.self, DPO.self, RewardModel.self, PPO.self, PipelineCommand.self, SweepCommand.self, Eval.self, ContaminationCommand.self, Export.self, Merge.self, Report.self, Demo.self, Inspect.self, Tokenize.self, Generate.self, Chat.self, Score.self, Verify.self, Bench.self, ConfigCommand.self]
    )

    public init() {}
}

public enum RLVRVersion {
    public static let current = "0.1.0"
}
