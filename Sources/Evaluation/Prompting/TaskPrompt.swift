import Tokenization
import Verifiers

/// Which harness's prompts and metrics a task follows: lm-evaluation-harness, or lighteval with
/// SmolLM2's task definitions (the model cards' numbers). `docs/evaluation.md` lists the differences.
public enum PromptFormat: String, CaseIterable, Sendable, Codable {
    case lmEval = "lm-eval"
    case lighteval
}

/// One few-shot example: a question and its answer as the task writes them.
public struct Shot: Equatable, Sendable, Codable {
    public var query: String
    public var answer: String

    public init(query: String, answer: String) {
        self.query = query
        self.answer = answer
    }
}

/// A task's prompt before rendering: the harnesses' pieces (instruction, shots, question).
///
/// Plain text (both harnesses): `instruction + Σ(shot.query + delimiter + shot.answer + separator) + query`.
/// Chat: one user turn per shot query and one assistant turn per answer, then the query as the last
/// user turn (the instruction prefixed to the first user turn), rendered with the generation prompt —
/// lighteval's `--use_chat_template` layout and lm-eval's `--fewshot_as_multiturn`.
public struct TaskPrompt: Equatable, Sendable {
    public var instruction: String
    public var shots: [Shot]
    public var query: String
    /// Between a query and its answer in plain text (lm-eval `target_delimiter`, " " for every task here).
    public var answerDelimiter: String
    /// Between examples in plain text (lm-eval `fewshot_delimiter`).
    public var shotSeparator: String
    /// In chat, the assistant turns keep the delimiter before the answer (lighteval's gold strings
    /// carry their leading space; lm-eval's targets do not).
    public var chatAnswersKeepDelimiter: Bool

    public init(instruction: String = "", shots: [Shot] = [], query: String, answerDelimiter: String = " ",
                shotSeparator: String = "\n\n", chatAnswersKeepDelimiter: Bool = false) {
        self.instruction = instruction
        self.shots = shots
        self.query = query
        self.answerDelimiter = answerDelimiter
        self.shotSeparator = shotSeparator
        self.chatAnswersKeepDelimiter = chatAnswersKeepDelimiter
    }

    /// The prompt as text: plain, or rendered with `template` (ending in its generation prompt).
    public func rendered(chat template: ChatTemplate?) -> String {
        guard let template else {
            return instruction + shots.map { $0.query + answerDelimiter + $0.answer + shotSeparator }.joined() + query
        }
        return template.render(messages, addGenerationPrompt: true)
    }

    /// The conversation the chat rendering uses.
    public var messages: [ChatMessage] {
        var turns: [ChatMessage] = []
        for shot in shots {
            turns.append(ChatMessage(role: "user", content: shot.query))
            turns.append(ChatMessage(role: "assistant", content: (chatAnswersKeepDelimiter ? answerDelimiter : "") + shot.answer))
        }
        turns.append(ChatMessage(role: "user", content: query))
        turns[0].content = instruction + turns[0].content
        return turns
    }
}

/// Context and continuation as both harnesses score them (lm-eval `_encode_pair`, lighteval
/// `tok_encode_pair`): trailing whitespace of the context moves to the front of the continuation.
public func movingTrailingWhitespace(context: String, continuation: String) -> (context: String, continuation: String) {
    let scalars = Array(context.unicodeScalars)
    var cut = scalars.count
    while cut > 0 && PythonText.isSpace(scalars[cut - 1]) { cut -= 1 }
    guard cut < scalars.count else { return (context, continuation) }
    var head = String.UnicodeScalarView(), tail = String.UnicodeScalarView()
    head.append(contentsOf: scalars[..<cut])
    tail.append(contentsOf: scalars[cut...])
    return (String(head), String(tail) + continuation)
}
