/// The hyper-parameters of a Llama-family model (SmolLM2 and relatives), named as in Hugging Face
/// `LlamaConfig` so that `config.json` maps onto it key for key. Nothing here is hard-coded for a
/// particular model: every size comes from the checkpoint.
public struct LlamaConfig: Codable, Equatable, Sendable {
    public var vocabSize: Int
    public var hiddenSize: Int
    public var intermediateSize: Int
    public var numHiddenLayers: Int
    public var numAttentionHeads: Int
    public var numKeyValueHeads: Int
    public var headDim: Int
    public var maxPositionEmbeddings: Int
    public var rmsNormEps: Double
    public var ropeTheta: Double
    public var tieWordEmbeddings: Bool
    public var bosTokenID: Int?
    public var eosTokenIDs: [Int]
    public var padTokenID: Int?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case vocabSize = "vocab_size"
        case hiddenSize = "hidden_size"
        case intermediateSize = "intermediate_size"
        case numHiddenLayers = "num_hidden_layers"
        case numAttentionHeads = "num_attention_heads"
        case numKeyValueHeads = "num_key_value_heads"
        case headDim = "head_dim"
        case maxPositionEmbeddings = "max_position_embeddings"
        case rmsNormEps = "rms_norm_eps"
        case ropeTheta = "rope_theta"
        case tieWordEmbeddings = "tie_word_embeddings"
        case bosTokenID = "bos_token_id"
        case eosTokenIDs = "eos_token_id"
        case padTokenID = "pad_token_id"
    }

    public init(
        vocabSize: Int, hiddenSize: Int, intermediateSize: Int, numHiddenLayers: Int,
        numAttentionHeads: Int, numKeyValueHeads: Int, headDim: Int? = nil,
        maxPositionEmbeddings: Int = 2048, rmsNormEps: Double = 1e-5, ropeTheta: Double = 10_000,
        tieWordEmbeddings: Bool = true, bosTokenID: Int? = nil, eosTokenIDs: [Int] = [], padTokenID: Int? = nil
    ) {
        self.vocabSize = vocabSize
        self.hiddenSize = hiddenSize
        self.intermediateSize = intermediateSize
        self.numHiddenLayers = numHiddenLayers
        self.numAttentionHeads = numAttentionHeads
        self.numKeyValueHeads = numKeyValueHeads
        self.headDim = headDim ?? (numAttentionHeads > 0 ? hiddenSize / numAttentionHeads : 0)
        self.maxPositionEmbeddings = maxPositionEmbeddings
        self.rmsNormEps = rmsNormEps
        self.ropeTheta = ropeTheta
        self.tieWordEmbeddings = tieWordEmbeddings
        self.bosTokenID = bosTokenID
        self.eosTokenIDs = eosTokenIDs
        self.padTokenID = padTokenID
    }

    /// Query heads per key/value head (grouped-query attention).
    public var queriesPerKeyValueHead: Int { numAttentionHeads / numKeyValueHeads }

    /// Every parameter of the architecture:
    /// embedding V·H; per layer 2 norms (2H), q and o (2·H·heads·hd), k and v (2·H·kv·hd),
    /// gate, up and down (3·H·I); final norm H; an untied LM head V·H.
    public var parameterCount: Int {
        let attention = 2 * hiddenSize * numAttentionHeads * headDim + 2 * hiddenSize * numKeyValueHeads * headDim
        let perLayer = 2 * hiddenSize + attention + 3 * hiddenSize * intermediateSize
        return vocabSize * hiddenSize * (tieWordEmbeddings ? 1 : 2) + numHiddenLayers * perLayer + hiddenSize
    }

    /// The problems with this configuration, each naming the Hugging Face key at fault; empty when valid.
    public func problems() -> [(key: String, problem: String)] {
        var found: [(String, String)] = []
        let positives: [(CodingKeys, Int)] = [
            (.vocabSize, vocabSize), (.hiddenSize, hiddenSize), (.intermediateSize, intermediateSize),
            (.numHiddenLayers, numHiddenLayers), (.numAttentionHeads, numAttentionHeads),
            (.numKeyValueHeads, numKeyValueHeads), (.headDim, headDim), (.maxPositionEmbeddings, maxPositionEmbeddings),
        ]
        for (key, value) in positives where value <= 0 {
            found.append((key.rawValue, "expected a positive integer, got \(value)"))
        }
        if numKeyValueHeads > 0, numAttentionHeads % numKeyValueHeads != 0 {
            found.append((CodingKeys.numKeyValueHeads.rawValue, "\(numKeyValueHeads) does not divide num_attention_heads \(numAttentionHeads)"))
        }
        if headDim > 0, headDim % 2 != 0 {
            found.append((CodingKeys.headDim.rawValue, "RoPE needs an even head dimension, got \(headDim)"))
        }
        if !(rmsNormEps > 0) {
            found.append((CodingKeys.rmsNormEps.rawValue, "expected a positive number, got \(rmsNormEps)"))
        }
        if !(ropeTheta > 0) {
            found.append((CodingKeys.ropeTheta.rawValue, "expected a positive number, got \(ropeTheta)"))
        }
        for (key, id) in [(CodingKeys.bosTokenID, bosTokenID), (.padTokenID, padTokenID)] {
            if let id, id < 0 || id >= vocabSize { found.append((key.rawValue, "token id \(id) is outside the vocabulary (0..<\(vocabSize))")) }
        }
        for id in eosTokenIDs where id < 0 || id >= vocabSize {
            found.append((CodingKeys.eosTokenIDs.rawValue, "token id \(id) is outside the vocabulary (0..<\(vocabSize))"))
        }
        return found
    }
}
