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
