import Checkpoints
import Foundation
import Tokenization

extension BPETokenizer {
    /// The tokenizer a GGUF carries in its metadata: `tokenizer.ggml.model` gpt2 (byte-level BPE),
    /// `tokens`, `merges`, `token_type` (3 control and 4 user-defined tokens are matched before BPE),
    /// `pre` (smollm or gpt2), special token ids and `tokenizer.chat_template`.
    public convenience init(gguf file: GGUFFile) throws {
        func fail(_ key: String, _ problem: String) -> TokenizerError { TokenizerError("\(file.path): \(key): \(problem)") }
        let model = file["tokenizer.ggml.model"]?.stringValue ?? "missing"
        guard model == "gpt2" else {
            throw fail("tokenizer.ggml.model", "\"\(model)\" is not supported (expected gpt2: byte-level BPE)")
        }
        guard let tokenValues = file["tokenizer.ggml.tokens"]?.arrayValues else { throw fail("tokenizer.ggml.tokens", "required key is missing") }
        let tokens = tokenValues.map { $0.stringValue ?? "" }
        var merges: [(String, String)] = []
        for (index, value) in (file["tokenizer.ggml.merges"]?.arrayValues ?? []).enumerated() {
            let parts = (value.stringValue ?? "").split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { throw fail("tokenizer.ggml.merges[\(index)]", "expected \"left right\"") }
            merges.append((String(parts[0]), String(parts[1])))
        }
        let types = file["tokenizer.ggml.token_type"]?.arrayValues?.map { $0.intValue ?? 1 } ?? []
        var added: [(content: String, id: Int32, special: Bool)] = []
        for (id, type) in types.enumerated() where type == 3 || type == 4 {
            added.append((tokens[id], Int32(id), type == 3))
        }
        let pre = file["tokenizer.ggml.pre"]?.stringValue ?? "gpt2"
        let kinds: [String: PreTokenizer.Kind] = ["smollm": .digitsThenGPT2, "gpt2": .gpt2, "gpt-2": .gpt2, "default": .gpt2]
        guard let kind = kinds[pre] else {
            throw fail("tokenizer.ggml.pre", "\"\(pre)\" is not supported (supported: \(kinds.keys.sorted().joined(separator: ", ")))")
        }
        func id(_ key: String) -> Int32? { file[key]?.intValue.map(Int32.init) }
        try self.init(tokens: tokens, merges: merges, addedTokens: added, preTokenizer: PreTokenizer(kind: kind),
                      bosTokenID: id("tokenizer.ggml.bos_token_id"), eosTokenID: id("tokenizer.ggml.eos_token_id"),
                      padTokenID: id("tokenizer.ggml.padding_token_id"), chatTemplate: file["tokenizer.chat_template"]?.stringValue,
                      source: file.path)
    }

    /// The tokenizer of a checkpoint: a GGUF's metadata, or the tokenizer.json of a Hugging Face folder
    /// (or of the folder holding a .safetensors file).
    public static func load(checkpoint path: String) throws -> BPETokenizer {
        if path.hasSuffix(".gguf") { return try BPETokenizer(gguf: GGUFFile(path: path)) }
        var isDirectory: ObjCBool = false
        let isFolder = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
        let folder = isFolder ? path : (path as NSString).deletingLastPathComponent
        let resolved = folder.isEmpty ? "." : folder
        // a LoRA folder without tokenizer files of its own uses its base model's
        if LoRAAdapterFiles.isAdaptersOnly(path), !FileManager.default.fileExists(atPath: path + "/tokenizer.json") {
            return try load(checkpoint: LoRAAdapterFiles.baseModel(of: path))
        }
        guard FileManager.default.fileExists(atPath: resolved + "/tokenizer.json") else {
            throw TokenizerError("\(path): no tokenizer found (expected tokenizer.json in \(resolved), or a .gguf with tokenizer metadata)")
        }
        return try BPETokenizer(huggingFaceFolder: resolved)
    }
}
