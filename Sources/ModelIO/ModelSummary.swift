import Checkpoints
import Foundation
import JSON
import LlamaModel

/// What `rlvr inspect` reports about a checkpoint: enough to know what it is and whether the engine
/// can train it, without loading the weights.
public struct ModelSummary: Codable, Sendable {
    public struct TensorEntry: Codable, Sendable, Equatable {
        public var name: String
        /// `F32`, `BF16`, `Q4_1`, …
        public var type: String
        /// Row-major, outermost first (GGUF dimensions reversed, as PyTorch would show them).
        public var shape: [Int]
        public var file: String?
    }

    public struct TokenizerEntry: Codable, Sendable, Equatable {
        /// e.g. `byte-level BPE`.
        public var kind: String
        /// The tokenizer's own name for itself (`gpt2`, `BPE`, …) and its pre-tokenizer if named.
        public var model: String
        public var preTokenizer: String?
        public var vocabularySize: Int
        public var mergeCount: Int?
        public var bosTokenID: Int?
        public var eosTokenID: Int?
        public var padTokenID: Int?
        public var hasChatTemplate: Bool
    }

    /// A PEFT LoRA adapter folder's `adapter_config.json` (`LoRAAdapterFiles.settings(folder:)`).
    public struct AdapterEntry: Codable, Sendable, Equatable {
        public var rank: Int
        public var alpha: Double
        public var dropout: Double
        public var targetModules: [String]
        public var rankStabilised: Bool
        /// `base_model_name_or_path`: the model the adapters sit on.
        public var baseModel: String?
    }

    public var path: String
    /// `gguf`, `safetensors`, `huggingface-folder` or `peft-lora-adapters`.
    public var format: String
    public var formatVersion: Int?
    public var architecture: String?
    public var name: String?
    public var config: LlamaConfig?
    /// The reason the architecture could not be read as a Llama config, when it could not.
    public var configProblem: String?
    public var parameterCount: Int
    public var tensorCount: Int
    /// Tensor type → number of tensors of that type.
    public var tensorTypes: [String: Int]
    public var tokenizer: TokenizerEntry?
    public var tensors: [TensorEntry]
    /// Set for an adapter folder (its tensors are the adapters'; the architecture is its base's).
    public var adapters: AdapterEntry?
}

extension ModelSummary {
    /// Inspects a `.gguf` file, a `.safetensors` file or a Hugging Face model folder.
    public init(inspecting path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ModelFileError(file: path, key: "", problem: "no such file or folder")
        }
        if isDirectory.boolValue {
            try self.init(huggingFaceFolder: path)
        } else if path.hasSuffix(".gguf") || Self.startsWithGGUFMagic(path) {
            try self.init(gguf: GGUFFile(path: path))
        } else if path.hasSuffix(".safetensors") {
            try self.init(safetensorsFile: path)
        } else {
            throw ModelFileError(file: path, key: "", problem: "unknown checkpoint kind (expected a .gguf file, a .safetensors file or a Hugging Face model folder)")
        }
    }

    private static func startsWithGGUFMagic(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        return (try? handle.read(upToCount: 4)) == Data("GGUF".utf8)
    }

    public init(gguf file: GGUFFile) throws {
        path = file.path
        format = "gguf"
        formatVersion = Int(file.version)
        architecture = file["general.architecture"]?.stringValue
        name = file["general.name"]?.stringValue
        do {
            config = try LlamaConfig(gguf: file)
        } catch let error as ModelFileError {
            config = nil
            configProblem = error.description
        }
        tensors = file.tensors.map { TensorEntry(name: $0.name, type: $0.type.name, shape: $0.shape, file: nil) }
        parameterCount = file.tensors.reduce(0) { $0 + $1.elementCount }
        tensorCount = file.tensors.count
        tensorTypes = Self.countTypes(tensors)
        tokenizer = Self.tokenizer(gguf: file)
    }

    private static func tokenizer(gguf file: GGUFFile) -> TokenizerEntry? {
        guard let model = file["tokenizer.ggml.model"]?.stringValue else { return nil }
        let kinds = ["gpt2": "byte-level BPE", "llama": "SentencePiece BPE", "bert": "WordPiece", "t5": "SentencePiece unigram"]
        return TokenizerEntry(
            kind: kinds[model] ?? "unknown",
            model: model,
            preTokenizer: file["tokenizer.ggml.pre"]?.stringValue,
            vocabularySize: file["tokenizer.ggml.tokens"]?.arrayValues?.count ?? 0,
            mergeCount: file["tokenizer.ggml.merges"]?.arrayValues?.count,
            bosTokenID: file["tokenizer.ggml.bos_token_id"]?.intValue,
            eosTokenID: file["tokenizer.ggml.eos_token_id"]?.intValue,
            padTokenID: file["tokenizer.ggml.padding_token_id"]?.intValue,
            hasChatTemplate: file["tokenizer.chat_template"]?.stringValue != nil
        )
    }

    init(safetensorsFile path: String) throws {
        let folder = (path as NSString).deletingLastPathComponent
        let configPath = (folder.isEmpty ? "." : folder) + "/config.json"
        try self.init(path: path, format: "safetensors", weightFiles: [path],
                      configPath: FileManager.default.fileExists(atPath: configPath) ? configPath : nil, folder: nil)
    }

    init(huggingFaceFolder folder: String) throws {
        if LoRAAdapterFiles.isAdaptersOnly(folder) {
            let settings = try LoRAAdapterFiles.settings(folder: folder)
            try self.init(path: folder, format: "peft-lora-adapters", weightFiles: [folder + "/" + LoRAAdapterFiles.weightsName],
                          configPath: nil, folder: folder)
            adapters = AdapterEntry(rank: settings.rank, alpha: settings.alpha, dropout: settings.dropout,
                                    targetModules: settings.targets.map(\.projection), rankStabilised: settings.rankStabilised,
                                    baseModel: settings.baseModel)
            return
        }
        let configPath = folder + "/config.json"
        guard FileManager.default.fileExists(atPath: configPath) else {
            throw ModelFileError(file: folder, key: "config.json", problem: "a Hugging Face model folder needs a config.json")
        }
        try self.init(path: folder, format: "huggingface-folder", weightFiles: try Self.weightFiles(in: folder),
                      configPath: configPath, folder: folder)
    }

    private init(path: String, format: String, weightFiles: [String], configPath: String?, folder: String?) throws {
        self.path = path
        self.format = format
        formatVersion = nil
        var tensors: [TensorEntry] = []
        for weightFile in weightFiles {
            let file = try SafetensorsFile(path: weightFile)
            let shown = weightFiles.count > 1 ? (weightFile as NSString).lastPathComponent : nil
            tensors += file.tensors.map { TensorEntry(name: $0.name, type: $0.dtype.rawValue, shape: $0.shape, file: shown) }
        }
        tensors.sort { $0.name < $1.name }
        self.tensors = tensors
        tensorCount = tensors.count
        parameterCount = tensors.reduce(0) { $0 + $1.shape.reduce(1, *) }
        tensorTypes = Self.countTypes(tensors)
        if let configPath {
            let json = try JSONObject(file: configPath, path: configPath)
            architecture = (json.values["architectures"] as? [String])?.first ?? json.values["model_type"] as? String
            do {
                config = try LlamaConfig(huggingFaceConfig: json)
            } catch let error as ModelFileError {
                configProblem = error.description
            }
        }
        if let folder {
            tokenizer = try Self.tokenizer(huggingFaceFolder: folder)
        }
    }

    /// `model.safetensors`, or the shards named by `model.safetensors.index.json`.
    static func weightFiles(in folder: String) throws -> [String] {
        let single = folder + "/model.safetensors"
        if FileManager.default.fileExists(atPath: single) { return [single] }
        let indexPath = folder + "/model.safetensors.index.json"
        if FileManager.default.fileExists(atPath: indexPath) {
            let index = try JSONObject(file: indexPath, path: indexPath)
            guard let map = index.values["weight_map"] as? [String: Any] else {
                throw ModelFileError(file: indexPath, key: "weight_map", problem: "expected an object of tensor name → shard file")
            }
            var shards = Set<String>()
            for (tensor, value) in map {
                guard let shard = value as? String, !shard.contains("/") else {
                    throw ModelFileError(file: indexPath, key: "weight_map.\(tensor)", problem: "expected a shard file name in the same folder")
                }
                shards.insert(shard)
            }
            return shards.sorted().map { folder + "/" + $0 }
        }
        throw ModelFileError(file: folder, key: "model.safetensors", problem: "no weights found (expected model.safetensors or model.safetensors.index.json)")
    }

    private static func tokenizer(huggingFaceFolder folder: String) throws -> TokenizerEntry? {
        let tokenizerPath = folder + "/tokenizer.json"
        guard FileManager.default.fileExists(atPath: tokenizerPath) else { return nil }
        let json = try JSONObject(file: tokenizerPath, path: tokenizerPath)
        guard let model = try json.object("model") else {
            throw ModelFileError(file: tokenizerPath, key: "model", problem: "required key is missing")
        }
        let modelType = try model.optionalString("type") ?? "unknown"
        let vocabulary = model.values["vocab"] as? [String: Any] ?? [:]
        let added = (json.values["added_tokens"] as? [[String: Any]] ?? []).compactMap { $0["content"] as? String }
        let extra = added.filter { vocabulary[$0] == nil }.count
        let preTokenizer = try json.object("pre_tokenizer")?.optionalString("type")
        let byteLevel = (try? model.optionalBool("byte_fallback")) != true && modelType == "BPE"

        var configValues: JSONObject?
        let configPath = folder + "/tokenizer_config.json"
        if FileManager.default.fileExists(atPath: configPath) {
            configValues = try JSONObject(file: configPath, path: configPath)
        }
        let hasTemplate = configValues?.has("chat_template") == true
            || FileManager.default.fileExists(atPath: folder + "/chat_template.jinja")
        func id(ofSpecial key: String) -> Int? {
            guard let token = configValues?.values[key] as? String else { return nil }
            return vocabulary[token].flatMap(JSONNumbers.exactInteger)
        }
        return TokenizerEntry(
            kind: byteLevel ? "byte-level BPE" : modelType,
            model: modelType,
            preTokenizer: preTokenizer,
            vocabularySize: vocabulary.count + extra,
            mergeCount: (model.values["merges"] as? [Any])?.count,
            bosTokenID: id(ofSpecial: "bos_token"),
            eosTokenID: id(ofSpecial: "eos_token"),
            padTokenID: id(ofSpecial: "pad_token"),
            hasChatTemplate: hasTemplate
        )
    }

    private static func countTypes(_ tensors: [TensorEntry]) -> [String: Int] {
        tensors.reduce(into: [:]) { $0[$1.type, default: 0] += 1 }
    }
}
