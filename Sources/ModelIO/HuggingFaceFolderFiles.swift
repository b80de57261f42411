import Checkpoints
import Foundation
import LlamaModel
import Tokenization

/// The files a Hugging Face model folder carries beside `config.json` and `model.safetensors`, so
/// that `AutoTokenizer`/`AutoModelForCausalLM.from_pretrained(folder).generate(...)` works on a saved
/// checkpoint as on the model it came from: `tokenizer.json`, `tokenizer_config.json`,
/// `special_tokens_map.json` and `generation_config.json`.
public enum HuggingFaceFolderFiles {
    /// The names, in the order they are written.
    public static let names = ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "generation_config.json"]

    /// Writes the four files into `folder`. A file the source folder has is copied byte for byte
    /// (its settings, sampling defaults included, are the model author's); the others are written
    /// from the loaded tokenizer and model config (a GGUF source has none of them).
    public static func write(to folder: String, config: LlamaConfig, tokenizer: BPETokenizer, sourceFolder: String?) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let manager = FileManager.default
        for name in names {
            let target = folder + "/" + name
            if let sourceFolder, manager.fileExists(atPath: sourceFolder + "/" + name) {
                let bytes = try Data(contentsOf: URL(fileURLWithPath: sourceFolder + "/" + name))
                try AtomicFile.write(to: target) { sink in try bytes.withUnsafeBytes { try sink.write($0) } }
                continue
            }
            let object: [String: Any]
            switch name {
            case "tokenizer.json": object = tokenizer.huggingFaceTokenizerJSON()
            case "tokenizer_config.json": object = tokenizer.huggingFaceTokenizerConfig()
            case "special_tokens_map.json": object = tokenizer.huggingFaceSpecialTokensMap()
            default: object = generationConfig(config: config, tokenizer: tokenizer)
            }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
            try AtomicFile.write(to: target) { sink in try data.withUnsafeBytes { try sink.write($0) } }
        }
    }

    /// `generation_config.json`: the ids `generate` stops at and pads with. The end-of-sequence ids
    /// are those of config.json and the tokenizer's end token together (SmolLM2's chat template ends
    /// every turn with `<|im_end|>`, its tokenizer's eos), as the engine's own sampling stops; no
    /// sampling settings are added, so `generate` defaults to greedy as the engine's evaluation does.
    public static func generationConfig(config: LlamaConfig, tokenizer: BPETokenizer) -> [String: Any] {
        var eos = config.eosTokenIDs
        if let id = tokenizer.eosTokenID, !eos.contains(Int(id)) { eos.append(Int(id)) }
        var object: [String: Any] = ["_from_model_config": false]
        if let bos = config.bosTokenID ?? tokenizer.bosTokenID.map(Int.init) { object["bos_token_id"] = bos }
        if eos.count == 1 { object["eos_token_id"] = eos[0] } else if !eos.isEmpty { object["eos_token_id"] = eos }
        if let pad = config.padTokenID ?? tokenizer.padTokenID.map(Int.init) { object["pad_token_id"] = pad }
        return object
    }
}

extension BPETokenizer {
    /// `special_tokens_map.json`: bos, eos and pad by content, and every other special added token
    /// (SmolLM2's `<|im_start|>`, `<|im_end|>`, …) as `additional_special_tokens`.
    public func huggingFaceSpecialTokensMap() -> [String: Any] {
        var map: [String: Any] = [:]
        for (key, id) in [("bos_token", bosTokenID), ("eos_token", eosTokenID), ("pad_token", padTokenID)] {
            if let id, id >= 0, Int(id) < tokens.count { map[key] = tokens[Int(id)] }
        }
        let additional = addedTokens.filter { $0.special }.sorted { $0.id < $1.id }.map(\.content)
        if !additional.isEmpty { map["additional_special_tokens"] = additional }
        return map
    }
}
