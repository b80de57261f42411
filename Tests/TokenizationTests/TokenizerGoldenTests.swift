import Foundation
import Testing
import Tokenization

private func fixturePath(_ name: String) throws -> String {
    let base = try #require(Bundle.module.resourceURL)
    return base.appendingPathComponent("Fixtures").appendingPathComponent(name).path
}

private func fixtureJSON(_ name: String) throws -> [String: Any] {
    let data = try Data(contentsOf: URL(fileURLWithPath: try fixturePath(name)))
    return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
}

/// SmolLM2's tokenizer.json against ids produced by Hugging Face `tokenizers` on the same file
/// (`scripts/make_tokenizer_fixtures.py`).
@Suite struct TokenizerGoldenTests {
    static let tokenizer: BPETokenizer? = try? BPETokenizer(huggingFaceFolder: fixturePath("smollm2"))

    @Test func loadsSmolLM2() throws {
        let tokenizer = try #require(Self.tokenizer)
        #expect(tokenizer.vocabularySize == 49152)
        #expect(tokenizer.bosTokenID == 1 && tokenizer.eosTokenID == 2)
        #expect(tokenizer.chatTemplate?.contains("<|im_start|>") == true)
        #expect(tokenizer.addedTokens.count >= 17)
    }

    @Test func everyGoldenTextEncodesToTheReferenceIDs() throws {
        let tokenizer = try #require(Self.tokenizer)
        let cases = try #require(try fixtureJSON("golden_ids.json")["cases"] as? [[String: Any]])
        #expect(cases.count >= 60)
        for item in cases {
            let name = item["name"] as? String ?? "?"
            let text = try #require(item["text"] as? String)
            let want = try #require(item["ids"] as? [Int]).map(Int32.init)
            let got = tokenizer.encode(text)
            #expect(got == want, "\(name): \(got.prefix(20)) vs \(want.prefix(20))")
            if let decoded = item["decoded"] as? String {
                #expect(tokenizer.decode(want) == decoded, "\(name): decode")
            }
        }
    }

    /// Invalid UTF-8 input: the reference replaces each invalid sequence with U+FFFD before
    /// tokenizing; String(decoding:) does the same replacement.
    @Test func invalidUTF8IsReplacedAsTheReferenceDoes() throws {
        let tokenizer = try #require(Self.tokenizer)
        let cases = try #require(try fixtureJSON("golden_ids.json")["byte_cases"] as? [[String: Any]])
        for item in cases {
            let hex = try #require(item["bytes_hex"] as? String)
            let bytes = stride(from: 0, to: hex.count, by: 2).map { UInt8(hex.dropFirst($0).prefix(2), radix: 16)! }
            let replaced = String(decoding: bytes, as: UTF8.self)
            #expect(replaced == item["replaced_text"] as? String, "\(item["name"] ?? "?"): replacement")
            #expect(tokenizer.encode(replaced) == (item["ids"] as? [Int])?.map(Int32.init), "\(item["name"] ?? "?")")
        }
    }

    /// Raw bytes (valid or not) come back unchanged through encode(bytes:) and decodeBytes, except
    /// the bytes the vocabulary has no symbol for, which are dropped as Hugging Face drops them.
    @Test func rawBytesRoundTrip() throws {
        let tokenizer = try #require(Self.tokenizer)
        var state: UInt64 = 7
        for length in [1, 2, 7, 64, 500] {
            let bytes: [UInt8] = (0..<length).map { _ in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return UInt8(truncatingIfNeeded: state >> 56)
            }
            let missing = Set(tokenizer.unrepresentableBytes(in: Array(0...255)))
            #expect(tokenizer.decodeBytes(tokenizer.encode(bytes: bytes)) == bytes.filter { !missing.contains($0) })
        }
        #expect(tokenizer.unrepresentableBytes(in: Array(0...255)).count == 21)
        let text = "héllo ✓ 北京 🇫🇷 👩‍👩‍👧 \t\n  x"
        #expect(tokenizer.decode(tokenizer.encode(text)) == text)
    }
}

@Suite struct ChatTemplateGoldenTests {
    static func messages(_ item: [String: Any]) throws -> [ChatMessage] {
        try #require(item["messages"] as? [[String: String]]).map { ChatMessage(role: $0["role"] ?? "", content: $0["content"] ?? "") }
    }

    @Test func smolLM2ChatMLMatchesTransformers() throws {
        let tokenizer = try #require(TokenizerGoldenTests.tokenizer)
        let golden = try fixtureJSON("chat_golden.json")
        let template = try ChatTemplate.detect(jinja: try #require(golden["chat_template"] as? String), eosToken: "<|im_end|>")
        #expect(template.family == .chatml)
        #expect(template.defaultSystemMessage == "You are a helpful AI assistant named SmolLM, trained by Hugging Face")
        for item in try #require(golden["cases"] as? [[String: Any]]) {
            let name = item["name"] as? String ?? "?"
            let text = template.render(try Self.messages(item), addGenerationPrompt: item["add_generation_prompt"] as? Bool ?? false)
            #expect(text == item["text"] as? String, "\(name)")
            #expect(tokenizer.encode(text) == (item["ids"] as? [Int])?.map(Int32.init), "\(name): ids")
        }
    }

    @Test func tuluMatchesOpenInstructsJinja() throws {
        let golden = try fixtureJSON("tulu_golden.json")
        let eos = try #require(golden["eos_token"] as? String)
        let template = try ChatTemplate.detect(jinja: try #require(golden["template"] as? String), eosToken: eos)
        #expect(template.family == .tulu)
        for item in try #require(golden["cases"] as? [[String: Any]]) {
            let text = template.render(try Self.messages(item), addGenerationPrompt: item["add_generation_prompt"] as? Bool ?? false)
            #expect(text == item["text"] as? String, "\(item["name"] ?? "?")")
        }
    }

    @Test func segmentsMarkTheAssistantText() {
        let template = ChatTemplate(family: .chatml, defaultSystemMessage: "S", eosToken: "<|im_end|>")
        let segments = template.render(segments: [ChatMessage(role: "user", content: "Hi"), ChatMessage(role: "assistant", content: "Hello")],
                                       addGenerationPrompt: false)
        #expect(segments.filter(\.isAssistantContent).map(\.text) == ["Hello<|im_end|>"])
        #expect(segments.map(\.text).joined() == "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello<|im_end|>\n")
    }

    @Test func unknownTemplatesAreErrorsListingTheKnownOnes() {
        #expect(throws: TokenizerError.self) { try ChatTemplate.resolve(name: "llama3", checkpointTemplate: nil, eosToken: "</s>") }
        #expect(throws: TokenizerError.self) { try ChatTemplate.detect(jinja: "{{ bos_token }}[INST]", eosToken: "</s>") }
        #expect((try? ChatTemplate.resolve(name: "plain", checkpointTemplate: nil, eosToken: "</s>"))?.family == .plain)
    }
}
