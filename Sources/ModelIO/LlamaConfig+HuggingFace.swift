import Foundation
import LlamaModel

extension LlamaConfig {
    /// The model types whose `config.json` describes this architecture.
    public static let supportedHuggingFaceModelTypes = ["llama"]

    /// Reads a Hugging Face `config.json` (`LlamaForCausalLM` / `LlamaForSequenceClassification`).
    public init(huggingFaceConfigAt path: String) throws {
        try self.init(huggingFaceConfig: JSONObject(file: path, path: path))
    }

    public init(huggingFaceConfigData data: Data, file: String) throws {
        try self.init(huggingFaceConfig: JSONObject(file: file, data: data))
    }

    init(huggingFaceConfig json: JSONObject) throws {
        if let modelType = try json.optionalString("model_type"), !Self.supportedHuggingFaceModelTypes.contains(modelType) {
            throw ModelFileError(file: json.file, key: "model_type",
                                 problem: "\"\(modelType)\" is not supported (supported: \(Self.supportedHuggingFaceModelTypes.joined(separator: ", ")))")
        }
        if let activation = try json.optionalString("hidden_act"), activation != "silu" {
            throw ModelFileError(file: json.file, key: "hidden_act", problem: "\"\(activation)\" is not supported (expected \"silu\")")
        }
        if try json.object("rope_scaling") != nil {
            throw ModelFileError(file: json.file, key: "rope_scaling", problem: "RoPE scaling is not supported yet (expected null)")
        }
        // transformers 5 writes RoPE's settings as an object: {"rope_theta": θ, "rope_type": "default"}
        var ropeTheta = try json.optionalDouble("rope_theta")
        if let rope = try json.object("rope_parameters") {
            if let kind = try rope.optionalString("rope_type"), kind != "default" {
                throw ModelFileError(file: json.file, key: "rope_parameters.rope_type", problem: "\"\(kind)\" is not supported yet (expected default)")
            }
            ropeTheta = try rope.optionalDouble("rope_theta") ?? ropeTheta
        }
        for key in ["attention_bias", "mlp_bias"] where try json.optionalBool(key) == true {
            throw ModelFileError(file: json.file, key: key, problem: "biases are not supported (expected false)")
        }
        let vocabulary = try json.int("vocab_size")
        let hidden = try json.int("hidden_size")
        let intermediate = try json.int("intermediate_size")
        let layers = try json.int("num_hidden_layers")
        let heads = try json.int("num_attention_heads")
        if !json.has("head_dim"), heads > 0, hidden % heads != 0 {
            throw ModelFileError(file: json.file, key: "num_attention_heads",
                                 problem: "\(heads) heads do not divide hidden_size \(hidden) (and no head_dim is given)")
        }
        self.init(
            vocabSize: vocabulary,
            hiddenSize: hidden,
            intermediateSize: intermediate,
            numHiddenLayers: layers,
            numAttentionHeads: heads,
            numKeyValueHeads: try json.optionalInt("num_key_value_heads") ?? heads,
            headDim: try json.optionalInt("head_dim"),
            maxPositionEmbeddings: try json.optionalInt("max_position_embeddings") ?? 2048,
            rmsNormEps: try json.optionalDouble("rms_norm_eps") ?? 1e-6,
            ropeTheta: ropeTheta ?? 10_000,
            tieWordEmbeddings: try json.optionalBool("tie_word_embeddings") ?? true,
            bosTokenID: try json.optionalInt("bos_token_id"),
            eosTokenIDs: try json.intList("eos_token_id"),
            padTokenID: try json.optionalInt("pad_token_id")
        )
        try validate(file: json.file)
    }

    /// Throws the first problem `problems()` finds, naming the file and key.
    public func validate(file: String) throws {
        if let first = problems().first {
            throw ModelFileError(file: file, key: first.key, problem: first.problem)
        }
    }

    /// The `config.json` Hugging Face transformers loads as `LlamaForCausalLM` (or, with
    /// `LlamaForSequenceClassification`, as a one-label scalar model: a reward or value model).
    public func huggingFaceConfigJSON(architecture: String = "LlamaForCausalLM") -> Data {
        var object: [String: Any] = [
            "architectures": [architecture],
            "model_type": "llama",
            "hidden_act": "silu",
            "attention_bias": false,
            "attention_dropout": 0.0,
            "mlp_bias": false,
            "initializer_range": 0.02,
            "pretraining_tp": 1,
            "rope_scaling": NSNull(),
            "use_cache": true,
            "torch_dtype": "float32",
            "vocab_size": vocabSize,
            "hidden_size": hiddenSize,
            "intermediate_size": intermediateSize,
            "num_hidden_layers": numHiddenLayers,
            "num_attention_heads": numAttentionHeads,
            "num_key_value_heads": numKeyValueHeads,
            "head_dim": headDim,
            "max_position_embeddings": maxPositionEmbeddings,
            "rms_norm_eps": rmsNormEps,
            "rope_theta": ropeTheta,
            "tie_word_embeddings": tieWordEmbeddings,
        ]
        if architecture == LlamaCheckpoint.sequenceClassification {
            object["id2label"] = ["0": "LABEL_0"]
            object["label2id"] = ["LABEL_0": 0]
        }
        if let bosTokenID { object["bos_token_id"] = bosTokenID }
        if let padTokenID { object["pad_token_id"] = padTokenID }
        if eosTokenIDs.count == 1 { object["eos_token_id"] = eosTokenIDs[0] } else if !eosTokenIDs.isEmpty { object["eos_token_id"] = eosTokenIDs }
        // Sorted keys make saved checkpoints byte-stable across runs.
        return (try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])) ?? Data()
    }
}
