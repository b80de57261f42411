import Tokenization

/// A tokenized training sequence and which of its tokens are trained on.
public struct TokenizedExample: Equatable, Sendable {
    public var tokens: [Int32]
    /// `trained[i]`: token i is a target of the loss (predicted from tokens 0..<i). Assistant content and
    /// the marker that closes an assistant turn are trained; headers, other roles and markup are not.
    public var trained: [Bool]

    public var trainedCount: Int { trained.filter { $0 }.count }

    /// Renders a conversation with the template, tokenizes the whole text at once (so BPE sees the
    /// same text as at inference), then marks each token whose bytes start inside an assistant segment.
    public init(messages: [ChatMessage], template: ChatTemplate, tokenizer: BPETokenizer) {
        let segments = template.render(segments: messages, addGenerationPrompt: false)
        var trainedBytes: [Range<Int>] = []
        var offset = 0
        var text = ""
        for segment in segments {
            let length = segment.text.utf8.count
            if segment.isAssistantContent { trainedBytes.append(offset..<(offset + length)) }
            offset += length
            text += segment.text
        }
        let ids = tokenizer.encode(text)
        var position = 0
        var flags: [Bool] = []
        flags.reserveCapacity(ids.count)
        for id in ids {
            let start = position
            position += tokenizer.decodeBytes([id]).count
            flags.append(trainedBytes.contains { $0.contains(start) })
        }
        tokens = ids
        trained = flags
    }

    public init(tokens: [Int32], trained: [Bool]) {
        self.tokens = tokens
        self.trained = trained
    }

    /// Keeps the first `maxLength` tokens.
    public func truncated(to maxLength: Int) -> TokenizedExample {
        guard tokens.count > maxLength else { return self }
        return TokenizedExample(tokens: Array(tokens.prefix(maxLength)), trained: Array(trained.prefix(maxLength)))
    }
}
