/// One turn of a conversation (open-instruct / TRL `messages` rows).
public struct ChatMessage: Codable, Equatable, Sendable {
    public var role: String
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// Chat templates as code (no Jinja engine): the families the project's checkpoints use, chosen from
/// a checkpoint's Jinja string or by name, rendering exactly what Hugging Face's
/// `apply_chat_template` renders for them.
public struct ChatTemplate: Equatable, Sendable {
    public enum Family: String, CaseIterable, Sendable {
        /// `<|im_start|>{role}\n{content}<|im_end|>\n` per message; SmolLM2 inserts a default system
        /// message when the conversation has none; generation prompt `<|im_start|>assistant\n`.
        case chatml
        /// open-instruct's `tulu`: `<|system|>\n…\n`, `<|user|>\n…\n`, `<|assistant|>\n…{eos}` (+ `\n`
        /// unless last); generation prompt `<|assistant|>\n`.
        case tulu
        /// No markup: contents concatenated, an assistant message followed by the EOS token.
        case plain
    }

    public let family: Family
    /// The system message ChatML inserts when the first message is not a system message.
    public let defaultSystemMessage: String?
    /// The end-of-sequence text tulu and plain put after an assistant message.
    public let eosToken: String

    public init(family: Family, defaultSystemMessage: String? = nil, eosToken: String) {
        self.family = family
        self.defaultSystemMessage = defaultSystemMessage
        self.eosToken = eosToken
    }

    /// Recognises a checkpoint's Jinja template. SmolLM2's default system message is read from it.
    public static func detect(jinja: String, eosToken: String) throws -> ChatTemplate {
        if jinja.contains("<|im_start|>") {
            return ChatTemplate(family: .chatml, defaultSystemMessage: defaultSystem(in: jinja), eosToken: eosToken)
        }
        if jinja.contains("<|user|>") && jinja.contains("<|assistant|>") {
            return ChatTemplate(family: .tulu, eosToken: eosToken)
        }
        throw TokenizerError("the checkpoint's chat template is not one of the known families (\(Family.allCases.map(\.rawValue).joined(separator: ", "))); choose one with model.chat_template")
    }

    /// `auto` (from the checkpoint) or a family by name.
    public static func resolve(name: String, checkpointTemplate: String?, eosToken: String) throws -> ChatTemplate {
        if name == "auto" {
            guard let checkpointTemplate else {
                throw TokenizerError("the checkpoint has no chat template; choose one of \(Family.allCases.map(\.rawValue).joined(separator: ", ")) with model.chat_template")
            }
            return try detect(jinja: checkpointTemplate, eosToken: eosToken)
        }
        guard let family = Family(rawValue: name) else {
            throw TokenizerError("unknown chat template \"\(name)\" (known: auto, \(Family.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let system = family == .chatml ? checkpointTemplate.flatMap(defaultSystem(in:)) : nil
        return ChatTemplate(family: family, defaultSystemMessage: system, eosToken: eosToken)
    }

    /// The text between `<|im_start|>system\n` and `<|im_end|>` in the template's literal, if any.
    static func defaultSystem(in jinja: String) -> String? {
        guard let start = jinja.range(of: "<|im_start|>system\n"),
              let end = jinja.range(of: "<|im_end|>", range: start.upperBound..<jinja.endIndex) else { return nil }
        let text = String(jinja[start.upperBound..<end.lowerBound])
        return text.contains("{{") || text.contains("{%") ? nil : text
    }

    public var generationPrompt: String {
        switch family {
        case .chatml: return "<|im_start|>assistant\n"
        case .tulu: return "<|assistant|>\n"
        case .plain: return ""
        }
    }

    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool) -> String {
        render(segments: messages, addGenerationPrompt: addGenerationPrompt).map(\.text).joined()
    }

    /// The rendering in pieces, each marked with whether it is an assistant message's own text
    /// (content and closing marker: the tokens SFT trains on) or markup and other roles.
    public struct Segment: Equatable, Sendable {
        public var text: String
        public var isAssistantContent: Bool
    }

    public func render(segments messages: [ChatMessage], addGenerationPrompt: Bool) -> [Segment] {
        var out: [Segment] = []
        func markup(_ text: String) { out.append(Segment(text: text, isAssistantContent: false)) }
        func trained(_ text: String) { out.append(Segment(text: text, isAssistantContent: true)) }
        switch family {
        case .chatml:
            if let defaultSystemMessage, messages.first?.role != "system", !messages.isEmpty {
                markup("<|im_start|>system\n\(defaultSystemMessage)<|im_end|>\n")
            }
            for message in messages {
                markup("<|im_start|>\(message.role)\n")
                if message.role == "assistant" {
                    trained(message.content + "<|im_end|>")
                    markup("\n")
                } else {
                    markup(message.content + "<|im_end|>\n")
                }
            }
            if addGenerationPrompt { markup(generationPrompt) }
        case .tulu:
            for (index, message) in messages.enumerated() {
                let last = index == messages.count - 1
                switch message.role {
                case "system": markup("<|system|>\n\(message.content)\n")
                case "user": markup("<|user|>\n\(message.content)\n")
                case "assistant":
                    markup("<|assistant|>\n")
                    trained(message.content + eosToken)
                    if !last { markup("\n") }
                default: break   // the template renders nothing for other roles
                }
                if last && addGenerationPrompt { markup(generationPrompt) }
            }
        case .plain:
            for message in messages {
                if message.role == "assistant" { trained(message.content + eosToken) } else { markup(message.content) }
            }
        }
        return out
    }
}
