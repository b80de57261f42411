/// The whole configuration of a run: what every stage (SFT, DPO, RM, PPO) shares. Stage-specific
/// sections join it as the stages arrive. YAML keys are snake_case, as in TRL and open-instruct.
public struct RunConfiguration: RunConfigSection, Equatable {
    public var stage: Stage?
    /// Seeds every random choice of the run (initialisation, data order, sampling).
    public var seed: Int
    /// Threads for matrix products and other kernels; null means one per core.
    public var threads: Int?
    public var model: ModelSection
    public var data: DataSection
    public var optimizer: OptimizerSection
    public var schedule: ScheduleSection
    public var training: TrainingSection
    public var output: OutputSection
    public var rewards: RewardSection
    public var dpo: DPOSection
    public var rollout: RolloutSection
    public var algorithm: AlgorithmSection
    public var evaluation: EvaluationSection

    /// The most threads a run may ask for (the engine's thread pool limit, `ComputeThreads.maximum`).
    public static let maximumThreads = 64

    public enum Stage: String, ConfigChoice {
        case sft, dpo, rm, ppo
    }

    enum CodingKeys: String, CodingKey {
        case stage, seed, threads, model, data, optimizer, schedule, training, output, rewards, dpo, rollout, algorithm, evaluation
    }

    public init() {
        stage = nil
        seed = 1
        threads = nil
        model = ModelSection()
        data = DataSection()
        optimizer = OptimizerSection()
        schedule = ScheduleSection()
        training = TrainingSection()
        output = OutputSection()
        rewards = RewardSection()
        dpo = DPOSection()
        rollout = RolloutSection()
        algorithm = AlgorithmSection()
        evaluation = EvaluationSection()
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Self()
        stage = try c.decodeIfPresent(Stage.self, forKey: .stage)
        seed = try c.value(.seed, or: d.seed)
        threads = try c.decodeIfPresent(Int.self, forKey: .threads)
        model = try c.value(.model, or: d.model)
        data = try c.value(.data, or: d.data)
        optimizer = try c.value(.optimizer, or: d.optimizer)
        schedule = try c.value(.schedule, or: d.schedule)
        training = try c.value(.training, or: d.training)
        output = try c.value(.output, or: d.output)
        rewards = try c.value(.rewards, or: d.rewards)
        dpo = try c.value(.dpo, or: d.dpo)
        rollout = try c.value(.rollout, or: d.rollout)
        algorithm = try c.value(.algorithm, or: d.algorithm)
        evaluation = try c.value(.evaluation, or: d.evaluation)
    }

    public func problems() -> [ConfigProblem] {
        var found: [ConfigProblem] = []
        if seed < 0 { found.append(ConfigProblem("seed", "expected a non-negative integer, got \(seed)")) }
        if let threads, !(1...Self.maximumThreads).contains(threads) {
            found.append(ConfigProblem("threads", "expected 1 to \(Self.maximumThreads) (or null for one per core), got \(threads)"))
        }
        found += model.problems().map { $0.inSection("model") }
        found += data.problems().map { $0.inSection("data") }
        found += optimizer.problems().map { $0.inSection("optimizer") }
        found += schedule.problems().map { $0.inSection("schedule") }
        found += training.problems().map { $0.inSection("training") }
        found += output.problems().map { $0.inSection("output") }
        found += rewards.problems().map { $0.inSection("rewards") }
        found += dpo.problems().map { $0.inSection("dpo") }
        found += rollout.problems().map { $0.inSection("rollout") }
        found += algorithm.problems().map { $0.inSection("algorithm") }
        found += evaluation.problems().map { $0.inSection("evaluation") }
        return found
    }
}
