import RunConfig

/// The trainer of each stage, in one place (the commands and the pipeline both run stages).
public enum StageRunner {
    public static func train(_ stage: RunConfiguration.Stage, config: RunConfiguration, options: TrainerOptions) throws {
        switch stage {
        case .sft: _ = try SFTTrainer(config: config, options: options).train()
        case .dpo: _ = try DPOTrainer(config: config, options: options).train()
        case .rm: _ = try RewardModelTrainer(config: config, options: options).train()
        case .ppo: _ = try RLVRTrainer(config: config, options: options).train()
        }
    }
}
