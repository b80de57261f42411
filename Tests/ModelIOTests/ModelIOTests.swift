import Checkpoints
import Foundation
import LlamaModel
import Testing
import TestSupport
import ModelIO

private func fixture(_ relative: String) throws -> String {
    let base = try #require(Bundle.module.resourceURL)
    return base.appendingPathComponent("Fixtures").appendingPathComponent(relative).path
}

private let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
private let realModelPath = packageRoot.appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf").path
private let realModelPresent = FileManager.default.fileExists(atPath: realModelPath)

private func temporaryFolder() throws -> String {
    try ScratchFolder.make("rlvr-modelio")
}

@Suite struct HuggingFaceConfigTests {
    @Test func readsSmolLM2Config() throws {
        let config = try LlamaConfig(huggingFaceConfigAt: try fixture("smollm2-135m-instruct/config.json"))
        #expect(config.numHiddenLayers == 30)
        #expect(config.hiddenSize == 576)
        #expect(config.intermediateSize == 1536)
        #expect(config.numAttentionHeads == 9)
        #expect(config.numKeyValueHeads == 3)
        #expect(config.headDim == 64)
        #expect(config.vocabSize == 49152)
        #expect(config.ropeTheta == 100_000)
        #expect(config.rmsNormEps == 1e-5)
        #expect(config.tieWordEmbeddings)
        #expect(config.bosTokenID == 1 && config.eosTokenIDs == [2] && config.padTokenID == 2)
        #expect(config.parameterCount == 134_515_008)
    }

    @Test func writtenConfigReadsBackEqual() throws {
        let config = try LlamaConfig(huggingFaceConfigAt: try fixture("smollm2-135m-instruct/config.json"))
        let again = try LlamaConfig(huggingFaceConfigData: config.huggingFaceConfigJSON(), file: "config.json")
        #expect(again == config)
    }

    private func error(_ json: String) -> ModelFileError? {
        do {
            _ = try LlamaConfig(huggingFaceConfigData: Data(json.utf8), file: "config.json")
            return nil
        } catch {
            return error as? ModelFileError
        }
    }

    @Test func badConfigsNameTheKey() {
        let base = #""vocab_size": 32, "hidden_size": 16, "intermediate_size": 24, "num_hidden_layers": 2, "num_attention_heads": 4"#
        #expect(error("{\(base)}") == nil)
        #expect(error(#"{"hidden_size": 16}"#)?.key == "vocab_size")
        #expect(error(#"{"vocab_size": "many"}"#)?.problem.contains("expected an integer") == true)
        #expect(error("{\(base), \"num_key_value_heads\": 3}")?.key == "num_key_value_heads")
        #expect(error("{\(base), \"num_attention_heads\": 5}")?.problem == "5 heads do not divide hidden_size 16 (and no head_dim is given)")
        #expect(error("{\(base), \"num_attention_heads\": 5, \"head_dim\": 4}") == nil)   // explicit head_dim: allowed
        #expect(error("{\(base), \"model_type\": \"gpt2\"}")?.key == "model_type")
        #expect(error("{\(base), \"rope_scaling\": {\"type\": \"yarn\"}}")?.key == "rope_scaling")
        #expect(error("{\(base), \"hidden_act\": \"gelu\"}")?.key == "hidden_act")
        // transformers 5 writes RoPE's settings as an object
        #expect(error("{\(base), \"rope_parameters\": {\"rope_type\": \"linear\", \"factor\": 2}}")?.key == "rope_parameters.rope_type")
        let modern = try? LlamaConfig(huggingFaceConfigData: Data("{\(base), \"rope_parameters\": {\"rope_theta\": 100000.0, \"rope_type\": \"default\"}}".utf8), file: "c.json")
        #expect(modern?.ropeTheta == 100_000)
        #expect(error("{\(base), \"num_hidden_layers\": 2.5}")?.key == "num_hidden_layers")
        #expect(error("not json")?.problem.contains("not valid JSON") == true)
        #expect(error("[1]")?.problem.contains("JSON object") == true)
    }
}

@Suite struct GGUFConfigTests {
    private func tinyGGUF(extra: (inout GGUFBytes) -> Void = { _ in }, kvs: UInt64) throws -> GGUFFile {
        var g = GGUFBytes()
        g.header(tensors: 0, kvs: kvs)
        g.kv("general.architecture", string: "llama")
        g.kv("llama.block_count", u32: 2)
        g.kv("llama.embedding_length", u32: 16)
        g.kv("llama.feed_forward_length", u32: 24)
        g.kv("llama.attention.head_count", u32: 4)
        g.kv("llama.vocab_size", u32: 32)
        extra(&g)
        return try GGUFFile(mapped: MappedFile(copying: g.bytes, path: "tiny.gguf"))
    }

    @Test func derivesConfigWithDefaults() throws {
        let config = try LlamaConfig(gguf: try tinyGGUF(kvs: 6))
        #expect(config.numHiddenLayers == 2 && config.hiddenSize == 16 && config.numKeyValueHeads == 4)
        #expect(config.headDim == 4 && config.vocabSize == 32 && config.tieWordEmbeddings)
    }

    @Test func readsOptionalKeys() throws {
        let file = try tinyGGUF(extra: { g in
            g.kv("llama.attention.head_count_kv", u32: 2)
            g.kv("llama.rope.freq_base", f32: 100_000)
            g.kv("llama.attention.layer_norm_rms_epsilon", f32: 1e-5)
        }, kvs: 9)
        let config = try LlamaConfig(gguf: file)
        #expect(config.numKeyValueHeads == 2 && config.ropeTheta == 100_000 && config.rmsNormEps == 1e-5)
    }

    @Test func errorsNameTheKey() throws {
        var g = GGUFBytes()
        g.header(tensors: 0, kvs: 1)
        g.kv("general.architecture", string: "mamba")
        let mamba = try GGUFFile(mapped: MappedFile(copying: g.bytes, path: "m.gguf"))
        #expect(throws: ModelFileError(file: "m.gguf", key: "general.architecture", problem: "\"mamba\" is not supported (supported: llama)")) {
            try LlamaConfig(gguf: mamba)
        }
        let badHeads = try tinyGGUF(extra: { $0.kv("llama.attention.head_count_kv", u32: 3) }, kvs: 7)
        #expect(throws: ModelFileError.self) { try LlamaConfig(gguf: badHeads) }
        let wrongType = try tinyGGUF(extra: { $0.kv("llama.context_length", string: "long") }, kvs: 7)
        #expect((try? LlamaConfig(gguf: wrongType)) == nil)
    }

    @Test(.enabled(if: realModelPresent, "models/SmolLM2-135M-Instruct.Q4_1.gguf is absent: run `make model`"))
    func realModelAgreesWithItsHuggingFaceConfig() throws {
        let fromGGUF = try LlamaConfig(gguf: GGUFFile(path: realModelPath))
        let fromJSON = try LlamaConfig(huggingFaceConfigAt: try fixture("smollm2-135m-instruct/config.json"))
        #expect(fromGGUF == fromJSON)
        let summary = try ModelSummary(inspecting: realModelPath)
        #expect(summary.parameterCount == fromJSON.parameterCount)
        #expect(summary.tensorTypes == ["Q4_1": 210, "F32": 61, "Q8_0": 1])
        #expect(summary.tokenizer?.vocabularySize == 49152 && summary.tokenizer?.mergeCount == 48900)
        #expect(summary.tokenizer?.hasChatTemplate == true)
    }
}

@Suite struct HuggingFaceFolderTests {
    static let tiny = LlamaConfig(vocabSize: 32, hiddenSize: 16, intermediateSize: 24, numHiddenLayers: 2,
                                  numAttentionHeads: 4, numKeyValueHeads: 2, tieWordEmbeddings: false, bosTokenID: 1, eosTokenIDs: [2])

    /// The Hugging Face tensor names and shapes of `config`, as `LlamaForCausalLM` saves them.
    static func tensorShapes(_ c: LlamaConfig) -> [(String, [Int])] {
        var shapes: [(String, [Int])] = [("model.embed_tokens.weight", [c.vocabSize, c.hiddenSize])]
        for layer in 0..<c.numHiddenLayers {
            let p = "model.layers.\(layer)."
            shapes += [
                (p + "input_layernorm.weight", [c.hiddenSize]),
                (p + "self_attn.q_proj.weight", [c.numAttentionHeads * c.headDim, c.hiddenSize]),
                (p + "self_attn.k_proj.weight", [c.numKeyValueHeads * c.headDim, c.hiddenSize]),
                (p + "self_attn.v_proj.weight", [c.numKeyValueHeads * c.headDim, c.hiddenSize]),
                (p + "self_attn.o_proj.weight", [c.hiddenSize, c.numAttentionHeads * c.headDim]),
                (p + "post_attention_layernorm.weight", [c.hiddenSize]),
                (p + "mlp.gate_proj.weight", [c.intermediateSize, c.hiddenSize]),
                (p + "mlp.up_proj.weight", [c.intermediateSize, c.hiddenSize]),
                (p + "mlp.down_proj.weight", [c.hiddenSize, c.intermediateSize]),
            ]
        }
        shapes.append(("model.norm.weight", [c.hiddenSize]))
        if !c.tieWordEmbeddings { shapes.append(("lm_head.weight", [c.vocabSize, c.hiddenSize])) }
        return shapes
    }

    @Test func inspectsAFolder() throws {
        let folder = try temporaryFolder()
        try Self.tiny.huggingFaceConfigJSON().write(to: URL(fileURLWithPath: folder + "/config.json"))
        let arrays = Self.tensorShapes(Self.tiny).map { ($0.0, SafetensorsDType.bf16, $0.1, [Float](repeating: 0.5, count: $0.1.reduce(1, *))) }
        try SafetensorsWriter.write(arrays: arrays.map { (name: $0.0, dtype: $0.1, shape: $0.2, values: $0.3) }, to: folder + "/model.safetensors")
        let vocabulary = (0..<30).map { "\"t\($0)\": \($0)" }.joined(separator: ", ")
        let tokenizer = #"{"model": {"type": "BPE", "vocab": {\#(vocabulary)}, "merges": ["t 1", "t 2"]}, "pre_tokenizer": {"type": "Sequence"}, "added_tokens": [{"content": "<s>", "id": 30}, {"content": "t3", "id": 3}, {"content": "</s>", "id": 31}]}"#
        try Data(tokenizer.utf8).write(to: URL(fileURLWithPath: folder + "/tokenizer.json"))
        try Data(#"{"chat_template": "{% for m in messages %}{% endfor %}", "eos_token": "t2"}"#.utf8).write(to: URL(fileURLWithPath: folder + "/tokenizer_config.json"))

        let summary = try ModelSummary(inspecting: folder)
        #expect(summary.format == "huggingface-folder")
        #expect(summary.architecture == "LlamaForCausalLM")
        #expect(summary.config == Self.tiny)
        #expect(summary.parameterCount == Self.tiny.parameterCount)
        #expect(summary.tensorCount == 2 * 9 + 3)
        #expect(summary.tensorTypes == ["BF16": 21])
        #expect(summary.tokenizer?.vocabularySize == 32)   // 30 in the vocabulary + 2 added tokens not in it
        #expect(summary.tokenizer?.mergeCount == 2)
        #expect(summary.tokenizer?.eosTokenID == 2)
        #expect(summary.tokenizer?.hasChatTemplate == true)

        let single = try ModelSummary(inspecting: folder + "/model.safetensors")
        #expect(single.format == "safetensors" && single.config == Self.tiny)
    }

    @Test func folderErrors() throws {
        let folder = try temporaryFolder()
        #expect(throws: ModelFileError.self) { try ModelSummary(inspecting: folder) }   // no config.json
        try Self.tiny.huggingFaceConfigJSON().write(to: URL(fileURLWithPath: folder + "/config.json"))
        #expect(throws: ModelFileError.self) { try ModelSummary(inspecting: folder) }   // no weights
        #expect(throws: ModelFileError.self) { try ModelSummary(inspecting: folder + "/config.json") }   // not a checkpoint
        #expect(throws: ModelFileError.self) { try ModelSummary(inspecting: folder + "/missing.gguf") }
    }
}
