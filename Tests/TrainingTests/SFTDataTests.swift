import Foundation
import RunConfig
import Testing
import Tokenization
import Training
import TestSupport

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
        let folder = try ScratchFolder.make("rlvr-sft")
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
        #expect(throws: DataError.self) {
            try SFTDataset(path: path, fields: fields, maxLength: 48, skipInvalid: false, template: Self.template, tokenizer: tokenizer)
        }
        try Data("{\"messages\": 3}\n{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}, {\"role\": \"assistant\", \"content\": \"b\"}]}\n".utf8)
            .write(to: URL(fileURLWithPath: path))
        do {
            _ = try SFTDataset(path: path, fields: fields, maxLength: 48, skipInvalid: false, template: Self.template, tokenizer: tokenizer)
            Issue.record("expected an error naming line 1")
        } catch let error as DataError {
            #expect(error.description.contains("train.jsonl:1:"))
        }
        let skipping = try SFTDataset(path: path, fields: fields, maxLength: 48, skipInvalid: true, template: Self.template, tokenizer: tokenizer)
        #expect(skipping.statistics.skippedInvalid == 1 && skipping.examples.count == 1)
    }
}

@Suite struct PreferenceDataTests {
    static let template = SFTDataTests.template

    private func dataset(_ text: String, maxLength: Int = 96, skipInvalid: Bool = false, fields: DataSection.FieldNames = .init()) throws -> PreferenceDataset {
        let folder = try ScratchFolder.make("rlvr-pref")
        try Data(text.utf8).write(to: URL(fileURLWithPath: folder + "/pairs.jsonl"))
        return try PreferenceDataset(path: folder + "/pairs.jsonl", fields: fields, maxLength: maxLength, skipInvalid: skipInvalid,
                                     template: Self.template, tokenizer: try tinyTokenizer())
    }

    /// open-instruct's whole conversations and TRL's prompt/chosen/rejected (strings or messages)
    /// give the same pair; only the final assistant turn is trained.
    @Test func formatsAgreeAndOnlyTheFinalTurnIsTrained() throws {
        let data = try dataset("""
        {"chosen": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}], "rejected": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Go"}]}
        {"prompt": "Hi", "chosen": "Hello", "rejected": "Go"}
        {"prompt": [{"role": "user", "content": "Hi"}], "chosen": [{"role": "assistant", "content": "Hello"}], "rejected": [{"role": "assistant", "content": "Go"}]}
        """)
        #expect(data.pairs.count == 3 && data.pairs[0] == data.pairs[1] && data.pairs[1] == data.pairs[2])
        let multiTurn = try dataset("""
        {"prompt": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hey"}, {"role": "user", "content": "How?"}], "chosen": "Fine.", "rejected": "Bad."}
        """)
        let tokenizer = try tinyTokenizer()
        let chosen = multiTurn.pairs[0].chosen
        let trained = zip(chosen.tokens, chosen.trained).filter(\.1).map(\.0)
        #expect(tokenizer.decode(trained) == "Fine.<|im_end|>")   // "Hey" (an earlier turn) is context
    }

    @Test func badRowsAreNamedOrCounted() throws {
        let rows = """
        {"prompt": "Hi", "chosen": "Same", "rejected": "Same"}
        {"prompt": "Hi", "chosen": "Hello"}
        {"chosen": [{"role": "user", "content": "Hi"}], "rejected": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Go"}]}
        {"prompt": "Hi", "chosen": "Hello", "rejected": "Go"}
        """
        for (line, expected) in [(1, "identical"), (2, "expected \"chosen\" and \"rejected\""), (3, "must end with an assistant turn")] {
            let only = rows.split(separator: "\n").enumerated().map { $0.offset + 1 == line ? String($0.element) : "" }.joined(separator: "\n")
            do {
                _ = try dataset(only)
                Issue.record("line \(line): expected an error")
            } catch let error as DataError {
                #expect(error.description.contains("pairs.jsonl:\(line): ") && error.description.contains(expected), "\(error)")
            }
        }
        let skipping = try dataset(rows, skipInvalid: true)
        #expect(skipping.statistics.skippedInvalid == 3 && skipping.pairs.count == 1 && skipping.statistics.rows == 4)
        var renamed = DataSection.FieldNames()
        (renamed.prompt, renamed.chosen, renamed.rejected) = ("question", "good", "bad")
        #expect(try dataset(#"{"question": "Hi", "good": "Hello", "bad": "Go"}"#, fields: renamed).pairs.count == 1)
    }

    /// Truncation is counted; a pair whose response is cut away entirely is dropped; when nothing is
    /// left the error says why.
    @Test func truncationAndEmptyData() throws {
        let long = String(repeating: "word ", count: 40)
        let data = try dataset("""
        {"prompt": "Hi", "chosen": "\(long)", "rejected": "Go"}
        {"prompt": "\(long)", "chosen": "Hello", "rejected": "Go"}
        {"prompt": "Hi", "chosen": "Hello", "rejected": "Go"}
        """, maxLength: 48)
        #expect(data.statistics.truncated == 2 && data.statistics.droppedNoResponse == 1 && data.pairs.count == 2)
        #expect(data.pairs.allSatisfy { $0.chosen.tokens.count <= 48 && $0.rejected.tokens.count <= 48 })
        #expect(throws: DataError.self) { try dataset("\n\n") }
    }
}
