import Foundation

extension BPETokenizer {
    /// Loads a Hugging Face `tokenizer.json` (model type BPE, byte-level) and, when present beside it,
    /// `tokenizer_config.json` (special tokens and the chat template).
    public convenience init(huggingFaceFolder folder: String) throws {
        let tokenizerPath = folder + "/tokenizer.json"
        let configPath = folder + "/tokenizer_config.json"
        let config = FileManager.default.fileExists(atPath: configPath) ? try Self.readObject(configPath) : nil
        try self.init(tokenizerJSON: try Self.readObject(tokenizerPath), source: tokenizerPath, config: config, configSource: configPath)
    }

    static func readObject(_ path: String) throws -> [String: Any] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TokenizerError("\(path): cannot be read")
        }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw TokenizerError("\(path): is not a JSON object")
        }
        return object
    }

    convenience init(tokenizerJSON json: [String: Any], source: String, config: [String: Any]?, configSource: String) throws {
        guard let model = json["model"] as? [String: Any] else { throw TokenizerError("\(source): model: required key is missing") }
        let type = model["type"] as? String ?? "?"
        guard type == "BPE" else {
            throw TokenizerError("\(source): model.type: \"\(type)\" is not supported (expected BPE: byte-level BPE as GPT-2 and SmolLM2 use)")
        }
        guard let vocabulary = model["vocab"] as? [String: Any] else { throw TokenizerError("\(source): model.vocab: expected an object of token → id") }
        var byID: [Int: String] = [:]
        for (token, value) in vocabulary {
            guard let id = (value as? NSNumber)?.intValue, id >= 0 else { throw TokenizerError("\(source): model.vocab[\"\(token)\"]: expected a non-negative id") }
            byID[id] = token
        }
        var added: [(content: String, id: Int32, special: Bool)] = []
        for (index, entry) in (json["added_tokens"] as? [[String: Any]] ?? []).enumerated() {
            guard let content = entry["content"] as? String, let id = (entry["id"] as? NSNumber)?.intValue else {
                throw TokenizerError("\(source): added_tokens[\(index)]: expected content and id")
            }
            byID[id] = content
            added.append((content, Int32(id), entry["special"] as? Bool ?? false))
        }
        let count = (byID.keys.max() ?? -1) + 1
        let tokens = (0..<count).map { byID[$0] ?? "<unused \($0)>" }

        var merges: [(String, String)] = []
        for (index, item) in (model["merges"] as? [Any] ?? []).enumerated() {
            if let text = item as? String {
                let parts = text.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
                guard parts.count == 2 else { throw TokenizerError("\(source): model.merges[\(index)]: expected \"left right\", got \"\(text)\"") }
                merges.append((String(parts[0]), String(parts[1])))
            } else if let pair = item as? [String], pair.count == 2 {
                merges.append((pair[0], pair[1]))
            } else {
                throw TokenizerError("\(source): model.merges[\(index)]: expected \"left right\" or [left, right]")
            }
        }

        let preTokenizer = try Self.preTokenizer(json["pre_tokenizer"], source: source)
        func special(_ key: String) -> Int32? {
            let value = config?[key]
            let content = value as? String ?? (value as? [String: Any])?["content"] as? String
            return content.flatMap { token in byID.first(where: { $0.value == token })?.key }.map(Int32.init)
        }
        var template: String?
        if let text = config?["chat_template"] as? String {
            template = text
        } else if let named = config?["chat_template"] as? [[String: Any]] {
            template = named.first(where: { $0["name"] as? String == "default" })?["template"] as? String ?? named.first?["template"] as? String
        }
        try self.init(tokens: tokens, merges: merges, addedTokens: added, preTokenizer: preTokenizer,
                      bosTokenID: special("bos_token"), eosTokenID: special("eos_token"), padTokenID: special("pad_token"),
                      chatTemplate: template, source: source)
    }

    /// ByteLevel(use_regex) → GPT-2 pattern; Sequence[Digits(individual_digits), ByteLevel] → SmolLM2's.
    static func preTokenizer(_ value: Any?, source: String) throws -> PreTokenizer {
        let supported = "ByteLevel, or Sequence of Digits(individual_digits: true) and ByteLevel"
        guard let object = value as? [String: Any], let type = object["type"] as? String else {
            throw TokenizerError("\(source): pre_tokenizer: missing (expected \(supported))")
        }
        func isByteLevel(_ o: [String: Any]) -> Bool {
            o["type"] as? String == "ByteLevel" && (o["use_regex"] as? Bool ?? true) && !(o["add_prefix_space"] as? Bool ?? false)
        }
        if isByteLevel(object) { return PreTokenizer(kind: .gpt2) }
        if type == "Sequence", let steps = object["pretokenizers"] as? [[String: Any]], steps.count == 2,
           steps[0]["type"] as? String == "Digits", steps[0]["individual_digits"] as? Bool == true, isByteLevel(steps[1]) {
            return PreTokenizer(kind: .digitsThenGPT2)
        }
        throw TokenizerError("\(source): pre_tokenizer: \(type) with these settings is not supported (expected \(supported))")
    }
}
