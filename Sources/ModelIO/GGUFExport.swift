import Checkpoints
import LlamaModel
import Tokenization

/// Writes a Llama model and its tokenizer as a GGUF file llama.cpp loads: its tensor names, the
/// converter's row permutation of attn_q/attn_k (so llama.cpp's interleaved RoPE sees the pairs it
/// expects), the `llama.*` hyper-parameters, the tokenizer (`gpt2` BPE: tokens, types, merges,
/// special ids, pre-tokenizer, chat template) and weights quantized with ggml's reference formulas.
public enum GGUFExport {
    /// The weight types of `rlvr export --type`.
    public enum WeightType: String, CaseIterable, Sendable {
        case f32, f16, q8_0, q4_0, q4_1, q4_k

        /// llama.cpp's `general.file_type` (llama_ftype): ALL_F32, MOSTLY_F16, MOSTLY_Q8_0, MOSTLY_Q4_0,
        /// MOSTLY_Q4_1, MOSTLY_Q4_K_S.
        var fileType: UInt32 {
            switch self {
            case .f32: return 0
            case .f16: return 1
            case .q8_0: return 7
            case .q4_0: return 2
            case .q4_1: return 3
            case .q4_k: return 14
            }
        }

        /// The ggml type of a matrix whose rows hold `rowLength` values. Embedding and output layer
        /// stay Q8_0 under the 4-bit types, as llama-quantize keeps them (its Q6_K needs rows of 256);
        /// Q4_K needs rows of 256 and falls back to Q5_0 as llama-quantize does (SmolLM2-135M's
        /// 576-wide rows: only ffn_down is Q4_K).
        func matrixType(rowLength: Int, embeddingOrOutput: Bool) -> GGMLType {
            switch self {
            case .f32: return .f32
            case .f16: return .f16
            case .q8_0: return .q8_0
            case .q4_0, .q4_1, .q4_k:
                if embeddingOrOutput { return .q8_0 }
                if self == .q4_0 { return .q4_0 }
                if self == .q4_1 { return .q4_1 }
                return rowLength % 256 == 0 ? .q4_K : .q5_0
            }
        }
    }

    /// The file's metadata and tensors, ready for `GGUFWriter`.
    public static func contents(of model: LlamaModel, tokenizer: BPETokenizer, type: WeightType, name: String)
        -> (metadata: [(key: String, value: GGUFValue)], tensors: [GGUFTensorToWrite]) {
        let c = model.config
        var metadata: [(key: String, value: GGUFValue)] = [
            ("general.architecture", .string("llama")),
            ("general.name", .string(name)),
            ("general.file_type", .uint32(type.fileType)),
            ("llama.block_count", .uint32(UInt32(c.numHiddenLayers))),
            ("llama.context_length", .uint32(UInt32(c.maxPositionEmbeddings))),
            ("llama.embedding_length", .uint32(UInt32(c.hiddenSize))),
            ("llama.feed_forward_length", .uint32(UInt32(c.intermediateSize))),
            ("llama.attention.head_count", .uint32(UInt32(c.numAttentionHeads))),
            ("llama.attention.head_count_kv", .uint32(UInt32(c.numKeyValueHeads))),
            ("llama.rope.freq_base", .float32(Float(c.ropeTheta))),
            ("llama.attention.layer_norm_rms_epsilon", .float32(Float(c.rmsNormEps))),
            ("llama.vocab_size", .uint32(UInt32(c.vocabSize))),
            ("llama.rope.dimension_count", .uint32(UInt32(c.headDim))),
        ]
        if c.headDim * c.numAttentionHeads != c.hiddenSize {
            metadata += [("llama.attention.key_length", .uint32(UInt32(c.headDim))), ("llama.attention.value_length", .uint32(UInt32(c.headDim)))]
        }
        metadata += tokenizerMetadata(tokenizer, vocabularySize: c.vocabSize)
        if type != .f32 && type != .f16 { metadata.append(("general.quantization_version", .uint32(2))) }

        let tensors = model.layout.entries.map { entry -> GGUFTensorToWrite in
            let name = LlamaCheckpoint.ggufName(entry.name)
            let rowLength = entry.shape.last ?? 1
            let ggmlType = entry.isNorm ? GGMLType.f32
                : type.matrixType(rowLength: rowLength, embeddingOrOutput: name == "token_embd.weight" || name == "output.weight")
            let rotaryHeads = name.hasSuffix("attn_q.weight") ? c.numAttentionHeads : name.hasSuffix("attn_k.weight") ? c.numKeyValueHeads : nil
            return GGUFTensorToWrite(name: name, type: ggmlType, dimensions: entry.shape.reversed()) {
                var values = Array(UnsafeBufferPointer(start: model.parameters.pointer + entry.offset, count: entry.count))
                if let heads = rotaryHeads { values = RotaryRowOrder.toGGUF(values, heads: heads, headDim: c.headDim, columns: rowLength) }
                return values.withUnsafeBufferPointer { GGMLQuantizer.quantize(ggmlType, $0) }
            }
        }
        return (metadata, tensors)
    }

    public static func write(_ model: LlamaModel, tokenizer: BPETokenizer, type: WeightType, name: String, to path: String) throws {
        let (metadata, tensors) = contents(of: model, tokenizer: tokenizer, type: type, name: name)
        try GGUFWriter.write(metadata: metadata, tensors: tensors, to: path)
    }

    /// llama.cpp's `tokenizer.ggml.*` keys for a byte-level BPE tokenizer. Token types: 1 normal,
    /// 3 control (special added tokens), 4 user-defined (other added tokens). The engine adds no BOS
    /// token when it tokenizes, so neither does llama.cpp with `add_bos_token` false.
    static func tokenizerMetadata(_ tokenizer: BPETokenizer, vocabularySize: Int) -> [(key: String, value: GGUFValue)] {
        var tokens = tokenizer.tokens
        // A model whose embedding has more rows than the tokenizer has tokens (padding rows) lists them too.
        for id in tokens.count..<max(tokens.count, vocabularySize) { tokens.append("[PAD\(id)]") }
        var types = [Int32](repeating: 1, count: tokens.count)
        for added in tokenizer.addedTokens where Int(added.id) < types.count { types[Int(added.id)] = added.special ? 3 : 4 }
        var metadata: [(key: String, value: GGUFValue)] = [
            ("tokenizer.ggml.model", .string("gpt2")),
            ("tokenizer.ggml.pre", .string(tokenizer.preTokenizer.kind.rawValue)),
            ("tokenizer.ggml.tokens", .array(elementType: .string, values: tokens.map(GGUFValue.string))),
            ("tokenizer.ggml.token_type", .array(elementType: .int32, values: types.map(GGUFValue.int32))),
            ("tokenizer.ggml.merges", .array(elementType: .string, values: tokenizer.mergeList.map { .string($0.0 + " " + $0.1) })),
            ("tokenizer.ggml.add_bos_token", .bool(false)),
            ("tokenizer.ggml.add_space_prefix", .bool(false)),
        ]
        for (key, id) in [("bos_token_id", tokenizer.bosTokenID), ("eos_token_id", tokenizer.eosTokenID), ("padding_token_id", tokenizer.padTokenID)] {
            if let id { metadata.append(("tokenizer.ggml." + key, .uint32(UInt32(id)))) }
        }
        if let template = tokenizer.chatTemplate { metadata.append(("tokenizer.chat_template", .string(template))) }
        return metadata
    }
}
