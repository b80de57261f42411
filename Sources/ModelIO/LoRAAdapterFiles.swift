import Checkpoints
import Foundation
import LlamaModel

/// LoRA adapters as Hugging Face PEFT saves them (`PeftModel.save_pretrained`): a folder with
/// `adapter_config.json` (peft_type LORA, r, lora_alpha, target_modules, …) and
/// `adapter_model.safetensors` (`base_model.model.model.layers.L.self_attn.q_proj.lora_A.weight`
/// [r, in], `…lora_B.weight` [out, r]). What PEFT can express but the engine cannot apply (DoRA,
/// biases, per-layer ranks, extra trained modules) is refused by name, never ignored.
public enum LoRAAdapterFiles {
    public static let configName = "adapter_config.json"
    public static let weightsName = "adapter_model.safetensors"

    /// True when `path` is a folder holding an adapter_config.json.
    public static func isAdapterFolder(_ path: String) -> Bool {
        FileManager.default.fileExists(atPath: path + "/" + configName)
    }

    /// True when `path` is an adapter folder without weights of its own (no config.json): the model it
    /// stands for is its base (`baseModel(of:)`) with its adapters.
    public static func isAdaptersOnly(_ path: String) -> Bool {
        isAdapterFolder(path) && !FileManager.default.fileExists(atPath: path + "/config.json")
    }

    /// Writes both files (each atomically). `baseModel` is recorded as `base_model_name_or_path`,
    /// the adapters' training dropout as `lora_dropout`.
    public static func save(_ adapters: LoRAAdapters, to folder: String, baseModel: String?) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let config: [String: Any] = [
            "peft_type": "LORA", "task_type": "CAUSAL_LM", "r": adapters.rank, "lora_alpha": adapters.alpha,
            "lora_dropout": adapters.dropout, "target_modules": adapters.targets.map(\.projection), "bias": "none",
            "use_rslora": adapters.rankStabilised, "use_dora": false, "fan_in_fan_out": false, "inference_mode": true,
            "init_lora_weights": true, "modules_to_save": NSNull(), "layers_to_transform": NSNull(), "layers_pattern": NSNull(),
            "rank_pattern": [String: Any](), "alpha_pattern": [String: Any](),
            "base_model_name_or_path": baseModel.map { $0 as Any } ?? NSNull(),
        ]
        let json = try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        try AtomicFile.write(to: folder + "/" + configName) { sink in try json.withUnsafeBytes { try sink.write($0) } }
        let w = adapters.parameters.pointer, r = adapters.rank
        let tensors = adapters.all.flatMap { adapter in [
            SafetensorsTensorToWrite(name: LoRAAdapters.peftName(adapter, matrix: "A"), shape: [r, adapter.inFeatures],
                                     values: UnsafeBufferPointer(start: w + adapter.a, count: r * adapter.inFeatures)),
            SafetensorsTensorToWrite(name: LoRAAdapters.peftName(adapter, matrix: "B"), shape: [adapter.outFeatures, r],
                                     values: UnsafeBufferPointer(start: w + adapter.b, count: adapter.outFeatures * r)),
        ] }
        try SafetensorsWriter.write(tensors, metadata: ["format": "pt"], to: folder + "/" + weightsName)
    }

    /// The base model an adapter folder names (`base_model_name_or_path`), which must exist here.
    public static func baseModel(of folder: String) throws -> String {
        let configPath = folder + "/" + configName
        let json = try JSONObject(file: configPath, path: configPath)
        guard let base = try json.optionalString("base_model_name_or_path"), !base.isEmpty else {
            throw ModelFileError(file: configPath, key: "base_model_name_or_path",
                                 problem: "names no base model; pass the base with --model and this folder with --adapter")
        }
        guard FileManager.default.fileExists(atPath: base) else {
            throw ModelFileError(file: configPath, key: "base_model_name_or_path",
                                 problem: "\(base): no such file or folder here (a Hub name cannot be fetched); pass the base with --model and this folder with --adapter")
        }
        return base
    }

    /// What an adapter_config.json says that the engine applies (everything else it could say is
    /// refused by name in `settings(folder:)`).
    public struct Settings: Sendable, Equatable {
        public var rank: Int
        public var alpha: Double
        public var dropout: Double
        public var targets: [LoRAAdapters.Target]
        public var rankStabilised: Bool
        /// `base_model_name_or_path`, as written (`baseModel(of:)` checks it exists).
        public var baseModel: String?
    }

    /// Reads and checks a PEFT LoRA folder's adapter_config.json.
    public static func settings(folder: String) throws -> Settings {
        let configPath = folder + "/" + configName
        guard FileManager.default.fileExists(atPath: configPath) else {
            throw ModelFileError(file: folder, key: configName, problem: "not a LoRA adapter folder (expected adapter_config.json and adapter_model.safetensors)")
        }
        let json = try JSONObject(file: configPath, path: configPath)
        func refuse(_ key: String, _ problem: String) -> ModelFileError { ModelFileError(file: configPath, key: key, problem: problem) }
        let type = try json.optionalString("peft_type") ?? "missing"
        guard type == "LORA" else { throw refuse("peft_type", "\"\(type)\" is not supported (expected LORA)") }
        let rank = try json.int("r")
        guard rank > 0 else { throw refuse("r", "expected a positive rank, got \(rank)") }
        let alpha = try json.optionalDouble("lora_alpha") ?? 8   // PEFT's default
        for key in ["use_dora", "use_qalora", "lora_bias"] where try json.optionalBool(key) == true {
            throw refuse(key, "is not supported (expected false: plain LoRA)")
        }
        if try json.optionalBool("fan_in_fan_out") == true { throw refuse("fan_in_fan_out", "expected false (Llama projections are [out, in])") }
        let bias = try json.optionalString("bias") ?? "none"
        guard bias == "none" else { throw refuse("bias", "\"\(bias)\" is not supported (expected none: LoRA without trained biases)") }
        for key in ["layers_to_transform", "layers_pattern", "modules_to_save", "exclude_modules", "layer_replication",
                    "target_parameters", "trainable_token_indices"] where json.has(key) {
            if let list = json.values[key] as? [Any], list.isEmpty { continue }
            throw refuse(key, "is not supported (expected null: adapters on every layer, nothing else trained)")
        }
        for key in ["rank_pattern", "alpha_pattern"] {
            if let pattern = json.values[key] as? [String: Any], !pattern.isEmpty {
                throw refuse(key, "per-module ranks or alphas are not supported (expected {})")
            }
        }
        return Settings(rank: rank, alpha: alpha, dropout: try json.optionalDouble("lora_dropout") ?? 0,
                        targets: try Self.targets(json.values["target_modules"], file: configPath),
                        rankStabilised: try json.optionalBool("use_rslora") ?? false,
                        baseModel: try json.optionalString("base_model_name_or_path"))
    }

    /// Reads a PEFT LoRA folder for a model of `config`.
    public static func load(folder: String, config: LlamaConfig) throws -> LoRAAdapters {
        let settings = try settings(folder: folder)
        let adapters = LoRAAdapters(config: config, rank: settings.rank, alpha: settings.alpha, targets: settings.targets,
                                    rankStabilised: settings.rankStabilised)

        let weightsPath = folder + "/" + weightsName
        let file = try SafetensorsFile(path: weightsPath)
        var expected = Set<String>()
        for adapter in adapters.all {
            for (matrix, offset, shape) in [("A", adapter.a, [settings.rank, adapter.inFeatures]), ("B", adapter.b, [adapter.outFeatures, settings.rank])] {
                let name = LoRAAdapters.peftName(adapter, matrix: matrix)
                expected.insert(name)
                guard let info = file.info(name) else {
                    throw ModelFileError(file: weightsPath, key: name, problem: "tensor is missing (target_modules lists \(adapter.target.projection))")
                }
                guard info.shape == shape else {
                    throw ModelFileError(file: weightsPath, key: name, problem: "has shape \(info.shape), expected \(shape) for r \(settings.rank)")
                }
                try file.readFloats(info, into: UnsafeMutableBufferPointer(start: adapters.parameters.pointer + offset, count: info.elementCount))
            }
        }
        if let extra = file.tensors.map(\.name).first(where: { !expected.contains($0) }) {
            throw ModelFileError(file: weightsPath, key: extra, problem: "is not an adapter of a target_modules projection of this model")
        }
        return adapters
    }

    /// `target_modules`: PEFT module names (`q_proj`, or dotted paths ending in one), or "all-linear".
    static func targets(_ value: Any?, file: String) throws -> [LoRAAdapters.Target] {
        let byModule = Dictionary(uniqueKeysWithValues: LoRAAdapters.Target.allCases.map { ($0.projection, $0) })
        if let text = value as? String {
            guard text == "all-linear" else {
                throw ModelFileError(file: file, key: "target_modules", problem: "\"\(text)\": a pattern is not supported (expected a list of module names or \"all-linear\")")
            }
            return LoRAAdapters.Target.allCases
        }
        guard let names = value as? [String], !names.isEmpty else {
            throw ModelFileError(file: file, key: "target_modules", problem: "expected a list of module names (\(byModule.keys.sorted().joined(separator: ", ")))")
        }
        return try names.map { name in
            guard !name.contains(".") else {
                throw ModelFileError(file: file, key: "target_modules", problem: "\"\(name)\": module paths (adapters on some layers only) are not supported (expected names such as q_proj)")
            }
            guard let target = byModule[name] else {
                throw ModelFileError(file: file, key: "target_modules", problem: "\"\(name)\" is not a projection the engine adapts (\(byModule.keys.sorted().joined(separator: ", ")))")
            }
            return target
        }
    }
}
