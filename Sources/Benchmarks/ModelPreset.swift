import LlamaModel

/// Architectures of the SmolLM2 family, from their published config.json files, for benchmarks and
/// memory plans with random weights (the weights themselves cannot be fetched here).
public enum ModelPreset: String, CaseIterable, Sendable {
    case smolLM2_135M = "smollm2-135m"
    case smolLM2_360M = "smollm2-360m"
    case smolLM2_1_7B = "smollm2-1.7b"

    public var config: LlamaConfig {
        switch self {
        case .smolLM2_135M:   // HuggingFaceTB/SmolLM2-135M
            return LlamaConfig(vocabSize: 49152, hiddenSize: 576, intermediateSize: 1536, numHiddenLayers: 30,
                               numAttentionHeads: 9, numKeyValueHeads: 3, maxPositionEmbeddings: 8192, rmsNormEps: 1e-5,
                               ropeTheta: 100_000, tieWordEmbeddings: true, bosTokenID: 1, eosTokenIDs: [2], padTokenID: 2)
        case .smolLM2_360M:   // HuggingFaceTB/SmolLM2-360M
            return LlamaConfig(vocabSize: 49152, hiddenSize: 960, intermediateSize: 2560, numHiddenLayers: 32,
                               numAttentionHeads: 15, numKeyValueHeads: 5, maxPositionEmbeddings: 8192, rmsNormEps: 1e-5,
                               ropeTheta: 100_000, tieWordEmbeddings: true, bosTokenID: 1, eosTokenIDs: [2], padTokenID: 2)
        case .smolLM2_1_7B:   // HuggingFaceTB/SmolLM2-1.7B
            return LlamaConfig(vocabSize: 49152, hiddenSize: 2048, intermediateSize: 8192, numHiddenLayers: 24,
                               numAttentionHeads: 32, numKeyValueHeads: 32, maxPositionEmbeddings: 8192, rmsNormEps: 1e-5,
                               ropeTheta: 130_000, tieWordEmbeddings: true, bosTokenID: 1, eosTokenIDs: [2], padTokenID: 2)
        }
    }

    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
