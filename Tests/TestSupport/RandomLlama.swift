import LlamaModel

/// A small Llama (hidden 64, 4 query / 2 KV heads, intermediate 128) with weights drawn from a fixed
/// seed: norm gains uniform in 1 ± 0.1, other weights uniform in ±`scale`/2.
public func randomLlama(vocab: Int = 300, layers: Int = 2, tied: Bool = true, seed: UInt64 = 99, scale: Float = 0.3) throws -> LlamaModel {
    let config = LlamaConfig(vocabSize: vocab, hiddenSize: 64, intermediateSize: 128, numHiddenLayers: layers,
                             numAttentionHeads: 4, numKeyValueHeads: 2, maxPositionEmbeddings: 256,
                             rmsNormEps: 1e-5, ropeTheta: 10_000, tieWordEmbeddings: tied)
    let model = try LlamaModel(config: config)
    var random = SplitMix64(state: seed)
    for entry in model.layout.entries {
        for i in 0..<entry.count {
            let u = Float(random.next() >> 40) / Float(1 << 24) - 0.5
            model.parameters[entry.offset + i] = entry.isNorm ? 1 + 0.2 * u : scale * u
        }
    }
    return model
}

/// LoRA adapters of `rank` on `targets` of every layer of `model`, attached, with A and B drawn
/// uniformly from ±scale (B non-zero, so the adapters change the model).
@discardableResult
public func attachRandomAdapters(to model: LlamaModel, rank: Int = 4, alpha: Double = 8, targets: [LoRAAdapters.Target] = LoRAAdapters.Target.allCases,
                                 seed: UInt64 = 7, scale: Float = 0.2) -> LoRAAdapters {
    let adapters = LoRAAdapters(config: model.config, rank: rank, alpha: alpha, targets: targets)
    var random = SplitMix64(state: seed)
    for i in 0..<adapters.parameters.count {
        adapters.parameters[i] = scale * (2 * Float(random.next() >> 40) / Float(1 << 24) - 1)
    }
    model.adapters = adapters
    return adapters
}
