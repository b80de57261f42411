import Tokenization

/// A tokenized training sequence and which of its tokens are trained on.
public struct TokenizedExample: Equatable, Sendable {
    public var tokens: [Int32]
    /// `trained[i]`: token i is a target of the loss (predicted from tokens 0..<i). Assistant content and
    /// the marker that closes an assistant turn are trained; headers, other roles and markup are not.
    public var trained: [Bool]

    public var trainedCount: Int { trained.filter { $0 }.count }

    /// Whether any token after the first is trained (the first is never a target: nothing predicts it).
    public var hasTarget: Bool { trained.dropFirst().contains(true) }

    /// Trained tokens that are targets (all but a trained first token).
    public var targetCount: Int { trained.dropFirst().filter { $0 }.count }

    /// Which assistant turns are trained: all of them (SFT) or only the last (the response a
    /// preference pair compares; earlier turns are shared context).
    public enum TrainedTurns: Sendable {
        case all, last
    }

    /// Renders a conversation with the template, tokenizes the whole text at once (so BPE sees the
    /// same text as at inference), then marks each token whose bytes start inside a trained assistant segment.
    public init(messages: [ChatMessage], template: ChatTemplate, tokenizer: BPETokenizer, trainedTurns: TrainedTurns = .all) {
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
        if trainedTurns == .last { trainedBytes = Array(trainedBytes.suffix(1)) }
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
