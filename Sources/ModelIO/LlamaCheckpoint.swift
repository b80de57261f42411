import Checkpoints
import Foundation
import Kernels
import LlamaModel

/// Loads a Llama model from the checkpoint formats users have, and saves it as a Hugging Face
/// folder that transformers and llama.cpp's converter read.
public enum LlamaCheckpoint {
    /// `path` is a Hugging Face folder (config.json + model.safetensors or shards), a `.safetensors`
    /// file with config.json beside it, a `.gguf` file, or a PEFT LoRA folder (its base, named by
    /// `base_model_name_or_path`, with the adapters attached). `adapter`: a LoRA folder to attach to
    /// the model at `path` (when that model is itself base + adapters, those are merged into its
    /// weights first: adapters trained on top of an adapted model).
    public static func load(_ path: String, adapter: String? = nil) throws -> LlamaModel {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ModelFileError(file: path, key: "", problem: "no such file or folder")
        }
        if let adapter {
            let model = try load(path)
            model.mergeAdapters()
            model.adapters = try LoRAAdapterFiles.load(folder: adapter, config: model.config)
            return model
        }
        if LoRAAdapterFiles.isAdaptersOnly(path) {
            let base = try LoRAAdapterFiles.baseModel(of: path)
            return try load(base, adapter: path)
        }
        if !isDirectory.boolValue, path.hasSuffix(".gguf") {
            return try load(gguf: GGUFFile(path: path))
        }
        let folder = isDirectory.boolValue ? path : ((path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent)
        let configPath = folder + "/config.json"
        guard FileManager.default.fileExists(atPath: configPath) else {
            throw ModelFileError(file: path, key: "config.json", problem: "a safetensors checkpoint needs its config.json beside it")
        }
        let config = try LlamaConfig(huggingFaceConfigAt: configPath)
        let files = isDirectory.boolValue ? try ModelSummary.weightFiles(in: folder) : [path]
        return try load(config: config, safetensors: files.map { try SafetensorsFile(path: $0) })
    }

    /// Fills a model from safetensors files holding Hugging Face tensor names.
    public static func load(config: LlamaConfig, safetensors files: [SafetensorsFile]) throws -> LlamaModel {
        let model = try LlamaModel(config: config)
        var owner: [String: SafetensorsFile] = [:]
        for file in files { for tensor in file.tensors { owner[tensor.name] = file } }
        for entry in model.layout.entries {
            guard let file = owner[entry.name], let info = file.info(entry.name) else {
                throw ModelFileError(file: files.first?.path ?? "", key: entry.name, problem: "tensor is missing from the checkpoint")
            }
            guard info.shape == entry.shape else {
                throw ModelFileError(file: file.path, key: entry.name, problem: "has shape \(info.shape) but the config implies \(entry.shape)")
            }
            try file.readFloats(info, into: UnsafeMutableBufferPointer(start: model.parameters.pointer + entry.offset, count: entry.count))
        }
        return model
    }

    /// llama.cpp tensor names for each Hugging Face name.
    static func ggufName(_ hfName: String) -> String {
        let fixed = [
            "model.embed_tokens.weight": "token_embd.weight",
            "model.norm.weight": "output_norm.weight",
            "lm_head.weight": "output.weight",
        ]
        if let name = fixed[hfName] { return name }
        // model.layers.{i}.<part>
        let parts = hfName.split(separator: ".")
        guard parts.count >= 4, parts[0] == "model", parts[1] == "layers" else { return hfName }
        let suffix = parts[3...].joined(separator: ".")
        let map = [
            "input_layernorm.weight": "attn_norm.weight",
            "self_attn.q_proj.weight": "attn_q.weight",
            "self_attn.k_proj.weight": "attn_k.weight",
            "self_attn.v_proj.weight": "attn_v.weight",
            "self_attn.o_proj.weight": "attn_output.weight",
            "post_attention_layernorm.weight": "ffn_norm.weight",
            "mlp.gate_proj.weight": "ffn_gate.weight",
            "mlp.up_proj.weight": "ffn_up.weight",
            "mlp.down_proj.weight": "ffn_down.weight",
        ]
        return "blk.\(parts[2]).\(map[suffix] ?? suffix)"
    }

    /// Fills a model from a llama.cpp GGUF, dequantising every tensor and undoing the converter's
    /// row permutation of attn_q / attn_k (`RotaryRowOrder`).
    public static func load(gguf file: GGUFFile) throws -> LlamaModel {
        let config = try LlamaConfig(gguf: file)
        let model = try LlamaModel(config: config)
        for entry in model.layout.entries {
            let name = ggufName(entry.name)
            guard let info = file.info(name) else {
                throw ModelFileError(file: file.path, key: name, problem: "tensor is missing (needed for \(entry.name))")
            }
            guard info.shape == entry.shape else {
                throw ModelFileError(file: file.path, key: name, problem: "has shape \(info.shape) but the metadata implies \(entry.shape)")
            }
            let destination = UnsafeMutableBufferPointer(start: model.parameters.pointer + entry.offset, count: entry.count)
            try file.readFloats(info, into: destination)
            if name.hasSuffix("attn_q.weight") {
                RotaryRowOrder.toHuggingFace(destination, heads: config.numAttentionHeads, headDim: config.headDim, columns: config.hiddenSize)
            } else if name.hasSuffix("attn_k.weight") {
                RotaryRowOrder.toHuggingFace(destination, heads: config.numKeyValueHeads, headDim: config.headDim, columns: config.hiddenSize)
            }
        }
        return model
    }

    /// Writes `model.safetensors` (Hugging Face names) and `config.json` into `folder`, atomically
    /// file by file. `dtype` is F32 (exact) or BF16/F16 (half the size).
    public static func save(_ model: LlamaModel, to folder: String, dtype: SafetensorsDType = .f32,
                            metadata: [String: String] = ["format": "pt"]) throws {
        try save(model, extraTensors: [], architecture: "LlamaForCausalLM", to: folder, dtype: dtype, metadata: metadata)
    }

    /// The transformers class of a scalar-headed model (reward and value models).
    public static let sequenceClassification = "LlamaForSequenceClassification"

    /// Saves a reward (or value) model as transformers' `LlamaForSequenceClassification` with one
    /// label: the decoder's tensors plus `score.weight` [1, hidden], which scores the last real token.
    public static func saveSequenceClassifier(_ model: LlamaModel, score: [Float], to folder: String) throws {
        guard score.count == model.config.hiddenSize else {
            throw ModelFileError(file: folder, key: "score.weight", problem: "has \(score.count) values, the model's hidden size is \(model.config.hiddenSize)")
        }
        try score.withUnsafeBufferPointer { values in
            let tensor = SafetensorsTensorToWrite(name: "score.weight", shape: [1, score.count], values: values)
            try save(model, extraTensors: [tensor], architecture: sequenceClassification, to: folder, dtype: .f32, metadata: ["format": "pt"])
        }
    }

    /// `score.weight` [1, hidden] of a sequence-classification checkpoint (a Hugging Face folder or
    /// its safetensors file); nil when the checkpoint has none (a causal language model).
    public static func loadScoreHead(_ path: String) throws -> [Float]? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ModelFileError(file: path, key: "", problem: "no such file or folder")
        }
        if !isDirectory.boolValue, path.hasSuffix(".gguf") { return nil }
        let files = isDirectory.boolValue ? try ModelSummary.weightFiles(in: path) : [path]
        for file in try files.map({ try SafetensorsFile(path: $0) }) where file.info("score.weight") != nil {
            let values = try file.floats("score.weight")
            guard file.info("score.weight")?.shape.first == 1 else {
                throw ModelFileError(file: file.path, key: "score.weight", problem: "expected shape [1, hidden] (one label)")
            }
            return values
        }
        return nil
    }

    private static func save(_ model: LlamaModel, extraTensors: [SafetensorsTensorToWrite], architecture: String, to folder: String,
                             dtype: SafetensorsDType, metadata: [String: String]) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let tensors = model.layout.entries.map { entry in
            SafetensorsTensorToWrite(name: entry.name, dtype: entry.isNorm ? .f32 : dtype, shape: entry.shape,
                                     values: UnsafeBufferPointer(start: model.parameters.pointer + entry.offset, count: entry.count))
        }
        try SafetensorsWriter.write(tensors + extraTensors, metadata: metadata, to: folder + "/model.safetensors")
        try AtomicFile.write(to: folder + "/config.json") { sink in
            try model.config.huggingFaceConfigJSON(architecture: architecture).withUnsafeBytes { try sink.write($0) }
        }
    }
}
