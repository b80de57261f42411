import Foundation
import RunConfig
import Tokenization
import Verifiers

/// SFT rows from JSONL: `{"messages": [{"role", "content"}, …]}` (open-instruct, TRL conversational) or
/// `{"prompt": …, "completion": …}` (strings, or message lists in TRL's conversational form), with
/// configurable field names. Rows are rendered with the chat template and tokenized with the loss on
/// assistant tokens only; rows longer than `max_length` are truncated, rows left without a trained
/// token are dropped; both are counted. A malformed row is an error naming the file and line, or, with
/// `skip_invalid`, skipped and counted.
public struct SFTDataset: Sendable {
    public struct Statistics: Equatable, Sendable {
        public var rows = 0, examples = 0, truncated = 0, droppedNoTrainedToken = 0, skippedInvalid = 0
    }

    public struct DataError: Error, CustomStringConvertible {
        public let description: String
    }

    public let examples: [TokenizedExample]
    public let statistics: Statistics

    public init(path: String, fields: DataSection.FieldNames, maxLength: Int, skipInvalid: Bool,
                template: ChatTemplate, tokenizer: BPETokenizer) throws {
        guard let data = FileManager.default.contents(atPath: path) else { throw DataError(description: "\(path): cannot be read") }
        var examples: [TokenizedExample] = []
        var stats = Statistics()
        for (index, line) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\t") }) { continue }
            stats.rows += 1
            let messages: [ChatMessage]
            do {
                messages = try Self.messages(line: line, fields: fields)
            } catch let problem as DataError {
                if skipInvalid { stats.skippedInvalid += 1; continue }
                throw DataError(description: "\(path):\(index + 1): \(problem.description)")
            }
            var example = TokenizedExample(messages: messages, template: template, tokenizer: tokenizer)
            if example.tokens.count > maxLength {
                example = example.truncated(to: maxLength)
                stats.truncated += 1
            }
            // The first token is never a target (nothing predicts it).
            if example.trained.dropFirst().allSatisfy({ !$0 }) {
                stats.droppedNoTrainedToken += 1
                continue
            }
            examples.append(example)
        }
        stats.examples = examples.count
        guard !examples.isEmpty else {
            throw DataError(description: "\(path): no usable examples (\(stats.rows) rows, \(stats.skippedInvalid) invalid, \(stats.droppedNoTrainedToken) without an assistant token)")
        }
        self.examples = examples
        statistics = stats
    }

    static func messages(line: Data.SubSequence, fields: DataSection.FieldNames) throws -> [ChatMessage] {
        guard let text = String(validating: line, as: UTF8.self) else { throw DataError(description: "the line is not valid UTF-8") }
        guard let row = JSONValue.parse(text)?.object else { throw DataError(description: "expected a JSON object") }
        if let list = row[fields.messages] {
            let messages = try parseMessages(list, field: fields.messages)
            guard messages.contains(where: { $0.role == "assistant" }) else { throw DataError(description: "\"\(fields.messages)\" has no assistant turn") }
            return messages
        }
        if let prompt = row[fields.prompt], let completion = row[fields.completion] {
            let promptMessages: [ChatMessage] = try prompt.string.map { [ChatMessage(role: "user", content: $0)] } ?? parseMessages(prompt, field: fields.prompt)
            let completionMessages: [ChatMessage] = try completion.string.map { [ChatMessage(role: "assistant", content: $0)] } ?? parseMessages(completion, field: fields.completion)
            return promptMessages + completionMessages
        }
        throw DataError(description: "expected \"\(fields.messages)\" or \"\(fields.prompt)\" and \"\(fields.completion)\"")
    }

    static func parseMessages(_ value: JSONValue, field: String) throws -> [ChatMessage] {
        guard let list = value.array, !list.isEmpty else { throw DataError(description: "\"\(field)\" must be a non-empty list of messages") }
        return try list.enumerated().map { index, item in
            guard let role = item.object?["role"]?.string, let content = item.object?["content"]?.string else {
                throw DataError(description: "\(field)[\(index)]: expected {\"role\": string, \"content\": string}")
            }
            return ChatMessage(role: role, content: content)
        }
    }
}
