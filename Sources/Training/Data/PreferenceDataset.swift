import Foundation
import JSON
import RunConfig
import Tokenization
import Verifiers

/// One preference pair, each side a whole tokenized conversation whose final assistant turn is the
/// trained (compared) response.
public struct PreferencePair: Equatable, Sendable {
    public var chosen: TokenizedExample
    public var rejected: TokenizedExample
}

/// Preference rows from JSONL, in the formats users have:
/// - open-instruct: `{"chosen": [messages…], "rejected": [messages…]}`, two whole conversations that
///   share their prompt;
/// - TRL: `{"prompt": …, "chosen": …, "rejected": …}`, each a string (the prompt a user turn, the
///   responses assistant turns) or a list of messages (conversational form).
/// Field names are configurable. Each side is rendered with the chat template and its last assistant
/// turn is the response scored (DPO's log-probs, the reward model's last token). Pairs longer than
/// `max_length` are truncated (counted); a pair whose response is cut away entirely is dropped
/// (counted). A row without an assistant turn or with identical chosen and rejected sides is invalid:
/// an error naming file and line, or skipped and counted with `skip_invalid`.
public struct PreferenceDataset: Sendable {
    public struct Statistics: Equatable, Sendable {
        public var rows = 0, pairs = 0, truncated = 0, droppedNoResponse = 0, skippedInvalid = 0
    }

    public let pairs: [PreferencePair]
    public let statistics: Statistics

    public init(path: String, fields: DataSection.FieldNames, maxLength: Int, skipInvalid: Bool,
                template: ChatTemplate, tokenizer: BPETokenizer) throws {
        let read = try JSONLRows.read(path, skipInvalid: skipInvalid) { try Self.conversations(row: $0, fields: fields) }
        var stats = Statistics(rows: read.lines, skippedInvalid: read.skippedInvalid)
        var pairs: [PreferencePair] = []
        for (chosenMessages, rejectedMessages) in read.rows {
            var sides = [chosenMessages, rejectedMessages].map {
                TokenizedExample(messages: $0, template: template, tokenizer: tokenizer, trainedTurns: .last)
            }
            if sides.contains(where: { $0.tokens.count > maxLength }) {
                sides = sides.map { $0.truncated(to: maxLength) }
                stats.truncated += 1
            }
            guard sides.allSatisfy(\.hasTarget) else {
                stats.droppedNoResponse += 1
                continue
            }
            pairs.append(PreferencePair(chosen: sides[0], rejected: sides[1]))
        }
        stats.pairs = pairs.count
        guard !pairs.isEmpty else {
            throw DataError("\(path): no usable preference pairs (\(stats.rows) rows, \(stats.skippedInvalid) invalid, \(stats.droppedNoResponse) with a response cut away by max_length \(maxLength))")
        }
        self.pairs = pairs
        statistics = stats
    }

    /// The chosen and rejected conversations of one row.
    static func conversations(row: [String: JSONValue], fields: DataSection.FieldNames) throws -> ([ChatMessage], [ChatMessage]) {
        guard let chosenValue = row[fields.chosen], let rejectedValue = row[fields.rejected] else {
            throw DataError("expected \"\(fields.chosen)\" and \"\(fields.rejected)\" (and optionally \"\(fields.prompt)\")")
        }
        let prompt = try row[fields.prompt].map { try JSONLRows.turn($0, field: fields.prompt, role: "user") } ?? []
        let chosen = try prompt + JSONLRows.turn(chosenValue, field: fields.chosen, role: "assistant")
        let rejected = try prompt + JSONLRows.turn(rejectedValue, field: fields.rejected, role: "assistant")
        for (side, messages) in [(fields.chosen, chosen), (fields.rejected, rejected)] where messages.last?.role != "assistant" {
            throw DataError("\"\(side)\" must end with an assistant turn (the response being compared)")
        }
        guard chosen != rejected else { throw DataError("\"\(fields.chosen)\" and \"\(fields.rejected)\" are identical") }
        return (chosen, rejected)
    }
}
