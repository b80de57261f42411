import Foundation
import RunConfig
import Testing
import Tokenization
import Training

/// A byte-level tokenizer with a few merges and ChatML's special tokens.
private func tinyTokenizer() throws -> BPETokenizer {
    let bytes = (0..<256).map { ByteLevel.token(for: [UInt8($0)]) }
    let tokens = bytes + ["He", "ll", "Hell", "<|im_start|>", "<|im_end|>"]
    return try BPETokenizer(tokens: tokens, merges: [("H", "e"), ("l", "l"), ("He", "ll")],
                            addedTokens: [("<|im_start|>", 259, true), ("<|im_end|>", 260, true)],
                            preTokenizer: PreTokenizer(kind: .gpt2), eosTokenID: 260)
}

@Suite struct SFTDataTests {
    static let template = ChatTemplate(family: .chatml, defaultSystemMessage: "S", eosToken: "<|im_end|>")

    /// The trained tokens of a rendered conversation, as runs of text.
    func trainedRuns(_ example: TokenizedExample, _ tokenizer: BPETokenizer) -> [String] {
        var runs: [String] = [], current: [Int32] = []
        for (token, trained) in zip(example.tokens, example.trained) {
            if trained { current.append(token) } else if !current.isEmpty { runs.append(tokenizer.decode(current)); current = [] }
        }
        if !current.isEmpty { runs.append(tokenizer.decode(current)) }
        return runs
    }

    @Test func onlyAssistantContentAndItsClosingMarkerAreTrained() throws {
        let tokenizer = try tinyTokenizer()
        let messages = [ChatMessage(role: "user", content: "Hi"), ChatMessage(role: "assistant", content: "Hello"),
                        ChatMessage(role: "user", content: "How?"), ChatMessage(role: "assistant", content: "Fine.")]
        let example = TokenizedExample(messages: messages, template: Self.template, tokenizer: tokenizer)
        // Golden: the header "<|im_start|>assistant\n" and the "\n" after <|im_end|> are not trained.
        #expect(trainedRuns(example, tokenizer) == ["Hello<|im_end|>", "Fine.<|im_end|>"])
        // "Hello" is one merged token "Hell" + "o": the mask follows tokens, not bytes.
        let text = Self.template.render(messages, addGenerationPrompt: false)
        #expect(example.tokens == tokenizer.encode(text))
        let hello = try #require(example.tokens.firstIndex(of: 258))   // "Hell"
        #expect(example.trained[hello] && !example.trained[hello - 1])
    }

    @Test func datasetFormatsCountsAndErrors() throws {
        let tokenizer = try tinyTokenizer()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rlvr-sft-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = folder + "/train.jsonl"
        try Data("""
        {"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]}
        {"prompt": "q", "completion": "an answer that is long enough to be truncated away entirely beyond the limit"}
        {"prompt": [{"role": "user", "content": "q"}], "completion": [{"role": "assistant", "content": "r"}]}

        """.utf8).write(to: URL(fileURLWithPath: path))
        let fields = DataSection.FieldNames()
        let data = try SFTDataset(path: path, fields: fields, maxLength: 48, skipInvalid: false, template: Self.template, tokenizer: tokenizer)
        #expect(data.statistics.rows == 3 && data.statistics.truncated == 1)
        #expect(data.examples.count + data.statistics.droppedNoTrainedToken == 3)
        #expect(data.examples.allSatisfy { $0.tokens.count <= 48 && $0.trained.count == $0.tokens.count })

        try Data("{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}]}\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: SFTDataset.DataError.self) {
            try SFTDataset(path: path, fields: fields, maxLength: 48, skipInvalid: false, template: Self.template, tokenizer: tokenizer)
        }
        try Data("{\"messages\": 3}\n{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}, {\"role\": \"assistant\", \"content\": \"b\"}]}\n".utf8)
            .write(to: URL(fileURLWithPath: path))
        do {
            _ = try SFTDataset(path: path, fields: fields, maxLength: 48, skipInvalid: false, template: Self.template, tokenizer: tokenizer)
            Issue.record("expected an error naming line 1")
        } catch let error as SFTDataset.DataError {
            #expect(error.description.contains("train.jsonl:1:"))
        }
        let skipping = try SFTDataset(path: path, fields: fields, maxLength: 48, skipInvalid: true, template: Self.template, tokenizer: tokenizer)
        #expect(skipping.statistics.skippedInvalid == 1 && skipping.examples.count == 1)
    }
}
