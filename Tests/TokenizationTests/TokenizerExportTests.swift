import Foundation
import Testing
import Tokenization
import TestSupport

/// Writing `tokenizer.json` back out (what a model trained from a GGUF leaves in `final/`): the model
/// section equals the file Hugging Face `tokenizers` wrote, and the reloaded tokenizer encodes every
/// golden text to the reference ids.
@Suite struct TokenizerExportTests {
    private func fixture(_ file: String) throws -> [String: Any] {
        let base = try #require(Bundle.module.resourceURL).appendingPathComponent("Fixtures/smollm2/" + file)
        return try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: base)) as? [String: Any])
    }

    @Test func exportedModelEqualsTheOriginalFile() throws {
        let tokenizer = try #require(TokenizerGoldenTests.tokenizer)
        let original = try fixture("tokenizer.json")
        let exported = tokenizer.huggingFaceTokenizerJSON()
        let originalModel = try #require(original["model"] as? [String: Any])
        let exportedModel = try #require(exported["model"] as? [String: Any])
        #expect((exportedModel["vocab"] as? [String: Int]) == (originalModel["vocab"] as? [String: Int]))
        let originalMerges = (originalModel["merges"] as? [Any] ?? []).map { ($0 as? String) ?? (($0 as? [String]) ?? []).joined(separator: " ") }
        #expect((exportedModel["merges"] as? [String]) == originalMerges)
        let ids = { (object: [String: Any]) in (object["added_tokens"] as? [[String: Any]] ?? []).map { "\($0["id"] as? Int ?? -1) \($0["content"] as? String ?? "") \($0["special"] as? Bool ?? false)" } }
        #expect(ids(exported) == ids(original))
        let config = tokenizer.huggingFaceTokenizerConfig()
        let originalConfig = try fixture("tokenizer_config.json")
        for key in ["bos_token", "eos_token", "chat_template"] {
            #expect(config[key] as? String == originalConfig[key] as? String, "\(key)")
        }
    }

    @Test func reloadedTokenizerEncodesTheGoldenTexts() throws {
        let tokenizer = try #require(TokenizerGoldenTests.tokenizer)
        let folder = try ScratchFolder.make("tokenizer-export")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for (name, object) in [("tokenizer.json", tokenizer.huggingFaceTokenizerJSON()), ("tokenizer_config.json", tokenizer.huggingFaceTokenizerConfig())] {
            try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: folder + "/" + name))
        }
        let reloaded = try BPETokenizer(huggingFaceFolder: folder)
        #expect(reloaded.tokens == tokenizer.tokens && reloaded.eosTokenID == tokenizer.eosTokenID && reloaded.chatTemplate == tokenizer.chatTemplate)
        let resources = try #require(Bundle.module.resourceURL)
        let golden = try JSONSerialization.jsonObject(with: Data(contentsOf: resources.appendingPathComponent("Fixtures/golden_ids.json")))
        let cases = (golden as? [String: Any])?["cases"] as? [[String: Any]] ?? []
        #expect(cases.count >= 60)
        for item in cases {
            let text = try #require(item["text"] as? String)
            #expect(reloaded.encode(text) == (item["ids"] as? [Int] ?? []).map(Int32.init), "\(item["name"] ?? "?")")
        }
    }
}
