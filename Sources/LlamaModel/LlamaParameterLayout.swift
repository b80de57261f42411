/// Where every weight of a Llama model lives in the one parameter arena (and, with the same
/// offsets, in the gradient and optimizer-moment arenas), under its Hugging Face name.
public struct LlamaParameterLayout: Sendable {
    public struct Entry: Sendable, Equatable {
        /// Hugging Face name, e.g. `model.layers.3.self_attn.q_proj.weight`.
        public let name: String
        /// Row-major shape ([out, in] for projections).
        public let shape: [Int]
        public let offset: Int
        /// RMSNorm gains are excluded from weight decay (as in TRL / open-instruct).
        public let isNorm: Bool
        public var count: Int { shape.reduce(1, *) }
    }

    /// Offsets of one decoder layer's weights.
    public struct Layer: Sendable {
        public let inputNorm: Int      // (hidden)                     input_layernorm.weight
        public let query: Int          // (heads·headDim, hidden)      self_attn.q_proj.weight
        public let key: Int            // (kvHeads·headDim, hidden)    self_attn.k_proj.weight
        public let value: Int          // (kvHeads·headDim, hidden)    self_attn.v_proj.weight
        public let output: Int         // (hidden, heads·headDim)      self_attn.o_proj.weight
        public let postNorm: Int       // (hidden)                     post_attention_layernorm.weight
        public let gate: Int           // (intermediate, hidden)       mlp.gate_proj.weight
        public let up: Int             // (intermediate, hidden)       mlp.up_proj.weight
        public let down: Int           // (hidden, intermediate)       mlp.down_proj.weight
    }

    public let entries: [Entry]
    public let embedding: Int          // (vocab, hidden)              model.embed_tokens.weight
    public let layers: [Layer]
    public let finalNorm: Int          // (hidden)                     model.norm.weight
    /// The LM head's offset: the embedding's when tied.
    public let lmHead: Int             // (vocab, hidden)              lm_head.weight
    public let count: Int
    private let index: [String: Int]

    public init(config c: LlamaConfig) {
        var entries: [Entry] = []
        var offset = 0
        func add(_ name: String, _ shape: [Int], norm: Bool = false) -> Int {
            let start = offset
            entries.append(Entry(name: name, shape: shape, offset: start, isNorm: norm))
            offset += shape.reduce(1, *)
            return start
        }
        let h = c.hiddenSize, q = c.numAttentionHeads * c.headDim, kv = c.numKeyValueHeads * c.headDim, i = c.intermediateSize
        embedding = add("model.embed_tokens.weight", [c.vocabSize, h])
        var layers: [Layer] = []
        for l in 0..<c.numHiddenLayers {
            let p = "model.layers.\(l)."
            layers.append(Layer(
                inputNorm: add(p + "input_layernorm.weight", [h], norm: true),
                query: add(p + "self_attn.q_proj.weight", [q, h]),
                key: add(p + "self_attn.k_proj.weight", [kv, h]),
                value: add(p + "self_attn.v_proj.weight", [kv, h]),
                output: add(p + "self_attn.o_proj.weight", [h, q]),
                postNorm: add(p + "post_attention_layernorm.weight", [h], norm: true),
                gate: add(p + "mlp.gate_proj.weight", [i, h]),
                up: add(p + "mlp.up_proj.weight", [i, h]),
                down: add(p + "mlp.down_proj.weight", [h, i])
            ))
        }
        self.layers = layers
        finalNorm = add("model.norm.weight", [h], norm: true)
        lmHead = c.tieWordEmbeddings ? embedding : add("lm_head.weight", [c.vocabSize, h])
        self.entries = entries
        self.count = offset
        self.index = Dictionary(uniqueKeysWithValues: entries.enumerated().map { ($1.name, $0) })
    }

    /// The decoder layers' weights, contiguous between the embedding and the final norm.
    public var decoderLayers: Range<Int> { (layers.first?.inputNorm ?? finalNorm)..<finalNorm }

    /// Floats per decoder layer (two norms and seven projections).
    public var layerSize: Int { layers.isEmpty ? 0 : decoderLayers.count / layers.count }

    public func entry(_ name: String) -> Entry? {
        index[name].map { entries[$0] }
    }
}
