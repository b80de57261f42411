import Generation
import LlamaModel
import RunConfig

extension LoRAAdapters {
    /// Adapters for `model` as `model.lora` configures them, initialised as PEFT does: A from
    /// Kaiming-uniform with a = √5 (PyTorch's nn.Linear default: U(−1/√in, 1/√in)), B = 0, so
    /// training starts from the base model exactly. A is keyed by `seed` and its arena index, as
    /// are the dropout masks (`model.lora.dropout`, drawn only in training passes).
    public static func make(for config: LlamaConfig, section: LoRASection, seed: UInt64) -> LoRAAdapters {
        let targets = section.targets.map { LoRAAdapters.Target(rawValue: $0.rawValue)! }
        let adapters = LoRAAdapters(config: config, rank: section.rank, alpha: section.resolvedAlpha, targets: targets,
                                    rankStabilised: section.rankStabilised)
        adapters.dropout = section.dropout
        adapters.dropoutSeed = seed
        for adapter in adapters.all {
            let bound = 1 / Double(adapter.inFeatures).squareRoot()
            for i in adapter.a..<(adapter.a + adapters.rank * adapter.inFeatures) {
                let u = CounterRNG.uniform(seed: seed, prompt: -4, sample: 0, position: i)
                adapters.parameters[i] = Float((2 * u - 1) * bound)
            }
        }
        return adapters
    }
}
