import Checkpoints
import LlamaModel

extension LlamaConfig {
    /// The GGUF architectures (`general.architecture`) whose tensors follow the Llama layout.
    public static let supportedGGUFArchitectures = ["llama"]

    /// Derives the configuration from GGUF metadata (`llama.block_count`, `llama.embedding_length`,
    /// `llama.attention.head_count_kv`, `llama.rope.freq_base`, …); the vocabulary size from
    /// `llama.vocab_size` or the token list; tied embeddings from the absence of `output.weight`.
    public init(gguf file: GGUFFile) throws {
        func fail(_ key: String, _ problem: String) -> ModelFileError {
            ModelFileError(file: file.path, key: key, problem: problem)
        }
        guard let architecture = file["general.architecture"]?.stringValue else {
            throw fail("general.architecture", "required key is missing or not a string")
        }
        guard Self.supportedGGUFArchitectures.contains(architecture) else {
            throw fail("general.architecture", "\"\(architecture)\" is not supported (supported: \(Self.supportedGGUFArchitectures.joined(separator: ", ")))")
        }
        func integer(_ suffix: String) throws -> Int? {
            let key = "\(architecture).\(suffix)"
            guard let value = file[key] else { return nil }
            guard let number = value.intValue else { throw fail(key, "expected an integer, got \(value.summary())") }
            return number
        }
        func required(_ suffix: String) throws -> Int {
            guard let value = try integer(suffix) else { throw fail("\(architecture).\(suffix)", "required key is missing") }
            return value
        }
        func real(_ suffix: String) throws -> Double? {
            let key = "\(architecture).\(suffix)"
            guard let value = file[key] else { return nil }
            // A float32 is shown by its shortest decimal (1e-05, not 9.999999747378752e-06).
            if case .float32(let single) = value { return Double("\(single)") }
            guard let number = value.doubleValue else { throw fail(key, "expected a number, got \(value.summary())") }
            return number
        }
        func tokenID(_ key: String) throws -> Int? {
            guard let value = file[key] else { return nil }
            guard let id = value.intValue else { throw fail(key, "expected an integer token id, got \(value.summary())") }
            return id
        }
        if let scaling = file["\(architecture).rope.scaling.type"]?.stringValue, scaling != "none" {
            throw fail("\(architecture).rope.scaling.type", "RoPE scaling \"\(scaling)\" is not supported yet")
        }

        let heads = try required("attention.head_count")
        let hidden = try required("embedding_length")
        let tokenCount = file["tokenizer.ggml.tokens"]?.arrayValues?.count
        guard let vocabulary = try integer("vocab_size") ?? tokenCount else {
            throw fail("\(architecture).vocab_size", "missing, and there is no tokenizer.ggml.tokens list to count")
        }
        let explicitHeadDim = try integer("attention.key_length")
        if explicitHeadDim == nil, heads > 0, hidden % heads != 0 {
            throw fail("\(architecture).attention.head_count", "\(heads) heads do not divide the embedding length \(hidden)")
        }
        let headDim = explicitHeadDim ?? (heads > 0 ? hidden / heads : 0)
        if let rotary = try integer("rope.dimension_count"), rotary != headDim {
            throw fail("\(architecture).rope.dimension_count", "partial rotary embeddings (\(rotary) of \(headDim)) are not supported")
        }
        self.init(
            vocabSize: vocabulary,
            hiddenSize: hidden,
            intermediateSize: try required("feed_forward_length"),
            numHiddenLayers: try required("block_count"),
            numAttentionHeads: heads,
            numKeyValueHeads: try integer("attention.head_count_kv") ?? heads,
            headDim: headDim,
            maxPositionEmbeddings: try integer("context_length") ?? 2048,
            rmsNormEps: try real("attention.layer_norm_rms_epsilon") ?? 1e-5,
            ropeTheta: try real("rope.freq_base") ?? 10_000,
            tieWordEmbeddings: file.info("output.weight") == nil,
            bosTokenID: try tokenID("tokenizer.ggml.bos_token_id"),
            eosTokenIDs: try tokenID("tokenizer.ggml.eos_token_id").map { [$0] } ?? [],
            padTokenID: try tokenID("tokenizer.ggml.padding_token_id")
        )
        try validate(file: file.path)
    }
}
