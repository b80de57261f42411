import Checkpoints
import Foundation
import JSON
import Tokenization

extension TokenVocabulary {
    /// The vocabulary of a checkpoint: GGUF `tokenizer.ggml.tokens`, or a Hugging Face
    /// `tokenizer.json` (model.vocab plus added tokens) in the model folder. Nil when there is none.
    public static func load(checkpoint path: String) throws -> TokenVocabulary? {
        if path.hasSuffix(".gguf") {
            let file = try GGUFFile(path: path)
            guard let values = file["tokenizer.ggml.tokens"]?.arrayValues else { return nil }
            return TokenVocabulary(tokens: values.map { $0.stringValue ?? "" })
        }
        var isDirectory: ObjCBool = false
        let isFolder = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
        let folder = isFolder ? path : (path as NSString).deletingLastPathComponent
        let tokenizerPath = (folder.isEmpty ? "." : folder) + "/tokenizer.json"
        guard FileManager.default.fileExists(atPath: tokenizerPath) else { return nil }
        let json = try JSONObject(file: tokenizerPath, path: tokenizerPath)
        guard let model = try json.object("model"), let vocabulary = model.values["vocab"] as? [String: Any] else {
            throw ModelFileError(file: tokenizerPath, key: "model.vocab", problem: "expected an object of token → id")
        }
        var byID: [Int: String] = [:]
        for (token, id) in vocabulary {
            if let id = JSONNumbers.exactInteger(id) { byID[id] = token }
        }
        for added in json.values["added_tokens"] as? [[String: Any]] ?? [] {
            if let content = added["content"] as? String, let id = added["id"].flatMap(JSONNumbers.exactInteger) { byID[id] = content }
        }
        let count = (byID.keys.max() ?? -1) + 1
        return TokenVocabulary(tokens: (0..<count).map { byID[$0] ?? "<unused \($0)>" })
    }
}
