import Testing
import LlamaModel

@Suite struct LlamaConfigTests {
    static let smolLM2_135M = LlamaConfig(
        vocabSize: 49152, hiddenSize: 576, intermediateSize: 1536, numHiddenLayers: 30,
        numAttentionHeads: 9, numKeyValueHeads: 3, maxPositionEmbeddings: 8192, rmsNormEps: 1e-5,
        ropeTheta: 100_000, tieWordEmbeddings: true, bosTokenID: 1, eosTokenIDs: [2], padTokenID: 2
    )

    @Test func parameterCountOfSmolLM2_135M() {
        // 49152·576 (tied embedding) + 30 · (2·576 + 2·576·576 + 2·576·192 + 3·576·1536) + 576
        // = 28,311,552 + 30 · 3,540,096 + 576 = 134,515,008 — the GGUF holds exactly this many values.
        #expect(Self.smolLM2_135M.parameterCount == 134_515_008)
        #expect(Self.smolLM2_135M.headDim == 64)
        #expect(Self.smolLM2_135M.queriesPerKeyValueHead == 3)
        #expect(Self.smolLM2_135M.problems().isEmpty)
    }

    @Test func untiedHeadCountsTwice() {
        var config = Self.smolLM2_135M
        config.tieWordEmbeddings = false
        #expect(config.parameterCount == 134_515_008 + 49152 * 576)
    }

    @Test func problemsNameTheKey() {
        var config = Self.smolLM2_135M
        config.numKeyValueHeads = 4
        config.eosTokenIDs = [49152]
        config.ropeTheta = 0
        let keys = config.problems().map(\.key)
        #expect(keys == ["num_key_value_heads", "rope_theta", "eos_token_id"])
    }
}
