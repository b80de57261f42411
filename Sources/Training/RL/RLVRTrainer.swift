import Collectives
import Foundation
import Generation
import Kernels
import LlamaModel
import ModelIO
import RunConfig
import Tokenization
import Verifiers

/// Reinforcement learning from verifiable rewards (Tulu 3's RLVR; docs/algorithms.md): each step samples
/// responses to a batch of prompts through the generation engine, scores them with the verifiers,
/// penalises KL divergence from a frozen copy of the starting weights, estimates advantages (GAE with
/// a value model, GRPO, RLOO or REINFORCE++-baseline) and updates the policy with PPO's clipped
/// objective over `ppo_epochs × minibatches` optimizer steps.
///
/// Sampling and training run the same kernels, so the log-probs the sampler reports are the
/// trainer's own: the PPO ratio on the first minibatch is exactly 1 (logged as
/// `ratio_max_deviation`) and no separate "old log-prob" pass is needed.
public final class RLVRTrainer {
    public let config: RunConfiguration
    public let options: TrainerOptions
    public let policy: LlamaModel
    /// A read-only copy of the starting weights (never reloaded from disk).
    /// The frozen reference: a copy of the starting weights; nil under LoRA, where it is the
    /// policy with its adapters switched off.
    let reference: LlamaModel?
    let value: ValueModel?
    /// AdamW, clipping and the step over the policy.
    let policyOptimizer: OptimizerGroup
    public let trainPrompts: [RLPrompt]
    public let evalPrompts: [RLPrompt]
    /// `evaluation.tasks` measured on the policy with the held-out prompts (nil: none).
    let benchmarks: BenchmarkProbe?
    let router: RewardRouter
    let setup: TrainerSetup
    let eosTokens: Set<Int32>
    let activations: LlamaActivations
    public let run: RunFolder
    let order: EpochOrder
    /// RL steps (rollout batches) of the whole run.
    public let totalSteps: Int
    /// Optimizer steps of the whole run (the schedule's horizon).
    let totalOptimizerSteps: Int
    /// The ranks sharing rollouts and updates, and the fixed-order sum of the policy's and the value
    /// model's gradients.
    let parallel: DataParallelStep
    var group: ProcessGroup { parallel.group }

    /// The verifiers of `rewards`: plug-ins loaded, every route's verifier known — a mistake names its key.
    static func rewardRouter(_ rewards: RewardSection) throws -> RewardRouter {
        let registry: VerifierRegistry
        do {
            registry = try rewards.plugins.map { try VerifierRegistry.withPlugins(folder: $0) } ?? VerifierRegistry.builtIn
        } catch let problem as PluginLoader.Problem {
            throw TrainerError("rewards.plugins: \(problem)")
        }
        for (dataset, routes) in rewards.routes.sorted(by: { $0.key < $1.key }) {
            for (index, route) in routes.enumerated() {
                do {
                    _ = try registry.verifier(named: route.verifier)
                } catch let unknown as VerifierRegistry.UnknownVerifier {
                    throw TrainerError("rewards.routes.\(dataset).\(index).verifier: \(unknown)")
                }
            }
        }
        return try RewardRouter(registry: registry, scale: rewards.scale,
                                routes: rewards.routes.mapValues { $0.map { RewardRouter.Route(verifier: $0.verifier, weight: $0.weight) } })
    }

    public init(config: RunConfiguration, options: TrainerOptions) throws {
        self.config = config
        self.options = options
        if config.model.lora.dropout > 0 {
            throw TrainerError("model.lora.dropout: expected 0 in RL, got \(config.model.lora.dropout): dropout would make the trainer's log-probs differ from the sampler's (the ratio must be exactly 1 on the first minibatch)")
        }
        if config.model.baseDType == .bf16 && config.algorithm.advantage == .gae {
            throw TrainerError("model.base_dtype: bf16 is not available with a critic (algorithm.advantage: gae): the value model starts from the policy's fp32 weights and is written merged (use f32, or an advantage without a critic such as grpo)")
        }
        setup = try TrainerSetup(config: config, startingModel: options.startingModel)
        policy = setup.model
        router = try Self.rewardRouter(config.rewards)
        let read = { [setup, router] (path: String) in
            try PromptDataset(path: path, fields: config.data.fields, maxPromptLength: config.rollout.maxPromptLength,
                              skipInvalid: config.data.skipInvalid, template: setup.template, tokenizer: setup.tokenizer, router: router)
        }
        let dataset = try read(setup.trainPath)
        if let evalPath = config.data.eval {
            (trainPrompts, evalPrompts) = (dataset.prompts, try read(evalPath).prompts)
        } else {
            (trainPrompts, evalPrompts) = TrainerSetup.split(dataset.prompts, fraction: config.data.evalFraction, seed: UInt64(config.seed))
        }
        guard !trainPrompts.isEmpty else { throw TrainerError("\(setup.trainPath): no training prompts left") }
        let stats = dataset.statistics
        options.log("\(setup.trainPath): \(stats.rows) rows → \(trainPrompts.count) training, \(evalPrompts.count) held-out prompts"
            + " (\(stats.tooLong) longer than \(config.rollout.maxPromptLength) tokens dropped, \(stats.skippedInvalid) invalid skipped)")

        eosTokens = Set(policy.config.eosTokenIDs.map { Int32($0) } + (setup.tokenizer.eosTokenID.map { [$0] } ?? []))
        benchmarks = try BenchmarkProbe(config.evaluation, policy: policy, tokenizer: setup.tokenizer, template: setup.template, eosTokens: eosTokens)
        try MemoryPlanCheck.refuseFullFineTuningOverPhysicalMemory(policy, extraCopies: config.algorithm.advantage == .gae ? 5 : 1)
        if policy.adapters == nil {
            let copy = try LlamaModel(config: policy.config)
            copy.parameters.copy(from: policy.parameters)
            reference = copy
        } else {
            reference = nil
        }
        policyOptimizer = try OptimizerGroup(model: policy, config: config.optimizer)

        let longestPrompt = (trainPrompts + evalPrompts).map(\.tokens.count).max() ?? 1
        let longest = min(policy.config.maxPositionEmbeddings, longestPrompt + config.rollout.maxResponseLength)
        let capacity = config.training.microBatchSize * longest
        activations = LlamaActivations(config: policy.config, capacity: capacity, longestSequence: longest)
        if config.algorithm.advantage == .gae {
            let (valueWeights, score): (LlamaModel, [Float]?)
            if let path = config.algorithm.valueModel {
                valueWeights = try LlamaCheckpoint.load(path)
                valueWeights.mergeAdapters()
                guard let head = try LlamaCheckpoint.loadScoreHead(path) else {
                    throw TrainerError("algorithm.value_model: \(path) has no score.weight (train one with rlvr rm, or leave value_model null for a fresh head)")
                }
                guard valueWeights.config.vocabSize == policy.config.vocabSize else {
                    throw TrainerError("algorithm.value_model: \(path): vocabulary \(valueWeights.config.vocabSize), the policy's is \(policy.config.vocabSize)")
                }
                score = head
            } else {
                valueWeights = try LlamaModel(config: policy.config)
                valueWeights.parameters.copy(from: policy.parameters)
                score = nil
            }
            if config.model.lora.enabled {   // the critic trains adapters too; its score head whole
                valueWeights.adapters = LoRAAdapters.make(for: valueWeights.config, section: config.model.lora, seed: UInt64(config.seed) &+ 1)
            }
            let valueLongest = min(valueWeights.config.maxPositionEmbeddings, longest)
            value = try ValueModel(model: valueWeights, score: score, seed: UInt64(config.seed), optimizer: config.optimizer,
                                   capacity: config.training.microBatchSize * valueLongest, longestSequence: valueLongest)
        } else {
            value = nil
        }
        let gradientBuffers = policyOptimizer.allGradients + (value?.optimizer.allGradients ?? [])
        if let threads = config.threads, let warning = options.group.oversubscription(threads: threads) { options.log(warning) }
        if config.rollout.dynamicSampling && options.group.size > 1 {
            throw TrainerError("rollout.dynamic_sampling: runs in one process only for now (this job has \(options.group.size) ranks); "
                + "set it to false or run without mpirun")
        }
        parallel = DataParallelStep(group: options.group, buffers: gradientBuffers, running: config.training.gradientSum == .running)
        run = try RunFolder(path: options.outDir ?? config.output.dir, tensorboard: config.output.tensorboard)
        order = EpochOrder(count: trainPrompts.count, seed: UInt64(config.seed))
        let stepsPerEpoch = max(1, trainPrompts.count / config.rollout.promptsPerStep)
        totalSteps = min(stepsPerEpoch * config.training.epochs, config.training.maxSteps ?? .max)
        totalOptimizerSteps = totalSteps * config.algorithm.ppoEpochs * config.algorithm.minibatches
        try checkMemoryPlan(longest: longest)
    }

    // MARK: Memory

    /// The bytes the run will hold at its peak, by part.
    public var memoryPlan: [(what: String, bytes: Int)] {
        let floats = MemoryLayout<Float>.stride, c = policy.config
        let weights = policy.layout.count * floats
        var parts: [(String, Int)]
        if let adapters = policy.adapters {
            parts = [("policy weights (frozen\(policy.baseIsBF16 ? ", decoder layers bf16" : ""); the reference is them without adapters)", policy.weightBytes),
                     ("LoRA adapters, gradients, AdamW moments", 4 * adapters.parameters.count * floats),
                     ("LoRA scratch", LoRAAdapters.scratchBytes(config: c, rank: adapters.rank, targets: adapters.targets, rows: activations.capacity))]
        } else {
            parts = [("policy weights, gradients, AdamW moments", 4 * weights), ("reference weights", weights)]
        }
        if let value {
            let valueWeights = value.model.layout.count * floats
            if let adapters = value.model.adapters {
                parts.append(("value model weights (frozen), LoRA adapters, gradients, AdamW moments", valueWeights + 4 * adapters.parameters.count * floats))
            } else {
                parts.append(("value model weights, gradients, AdamW moments", 4 * valueWeights))
            }
        }
        // each rank samples its share of the prompts
        let sequences = config.rollout.dynamicSampling ? dynamicSlots
            : min(config.rollout.decodeBatch ?? .max, (config.rollout.promptsPerStep + group.size - 1) / group.size * config.rollout.samplesPerPrompt)
        let kvPerToken = 2 * c.numHiddenLayers * c.numKeyValueHeads * c.headDim * floats
        let longestPrompt = (trainPrompts + evalPrompts).map(\.tokens.count).max() ?? 0
        parts.append(("KV cache for \(sequences) sequences", sequences * (longestPrompt + config.rollout.maxResponseLength) * kvPerToken))
        parts.append(("activations for \(activations.capacity) tokens", activations.trainingBytes + (value?.activations.trainingBytes ?? 0)))
        let perMinibatch = (config.rollout.promptsPerStep * config.rollout.samplesPerPrompt + config.algorithm.minibatches - 1) / config.algorithm.minibatches
        let stash = parallel.stashBytes(leaves: (perMinibatch + config.training.microBatchSize - 1) / config.training.microBatchSize)
        if stash > 0 { parts.append(("partial gradient sums", stash)) }
        return parts
    }

    private func checkMemoryPlan(longest: Int) throws {
        let plan = memoryPlan
        let total = plan.reduce(0) { $0 + $1.bytes }
        let text = plan.map { "\($0.what) \(formatBytes($0.bytes))" }.joined(separator: ", ") + "; total \(formatBytes(total))"
        options.log("compute: \(ComputeThreads.summary), \(KernelPath.summary)")
        options.log("memory planned: " + text)
        if let limit = config.rollout.memoryLimitGiB, Double(total) > limit * Double(1 << 30) {
            throw TrainerError("rollout.memory_limit_gib: the run needs \(formatBytes(total)) (\(text)), more than the limit of \(limit) GiB;"
                + " lower rollout.prompts_per_step, rollout.samples_per_prompt, rollout.max_response_length or training.micro_batch_size")
        }
    }
}
