import Foundation
import JSON
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

    public let examples: [TokenizedExample]
    public let statistics: Statistics

    public init(path: String, fields: DataSection.FieldNames, maxLength: Int, skipInvalid: Bool,
                template: ChatTemplate, tokenizer: BPETokenizer) throws {
        let read = try JSONLRows.read(path, skipInvalid: skipInvalid) { try Self.messages(row: $0, fields: fields) }
        var stats = Statistics(rows: read.lines, skippedInvalid: read.skippedInvalid)
        var examples: [TokenizedExample] = []
        for messages in read.rows {
            var example = TokenizedExample(messages: messages, template: template, tokenizer: tokenizer)
            if example.tokens.count > maxLength {
                example = example.truncated(to: maxLength)
                stats.truncated += 1
            }
            guard example.hasTarget else {
                stats.droppedNoTrainedToken += 1
                continue
            }
            examples.append(example)
        }
        stats.examples = examples.count
        guard !examples.isEmpty else {
            throw DataError("\(path): no usable examples (\(stats.rows) rows, \(stats.skippedInvalid) invalid, \(stats.droppedNoTrainedToken) without a trained assistant token within \(maxLength) tokens)")
        }
        self.examples = examples
        statistics = stats
    }

    static func messages(row: [String: JSONValue], fields: DataSection.FieldNames) throws -> [ChatMessage] {
        if let list = row[fields.messages] {
            let messages = try JSONLRows.messages(list, field: fields.messages)
            guard messages.contains(where: { $0.role == "assistant" }) else { throw DataError("\"\(fields.messages)\" has no assistant turn") }
            return messages
        }
        if let prompt = row[fields.prompt], let completion = row[fields.completion] {
            return try JSONLRows.turn(prompt, field: fields.prompt, role: "user") + JSONLRows.turn(completion, field: fields.completion, role: "assistant")
        }
        throw DataError("expected \"\(fields.messages)\" or \"\(fields.prompt)\" and \"\(fields.completion)\"")
    }
}
