import Diagnostics
import Checkpoints
import Foundation
import JSON
import Tokenization
import Verifiers

/// A problem in a data file: names the file and, for a bad row, its line.
public struct DataError: BadInput {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Reads a JSONL file row by row: blank lines are ignored, each other line must be a JSON object.
/// A row the parser rejects is an error naming the file and line, or, with `skipInvalid`, skipped
/// and counted.
enum JSONLRows {
    struct Outcome<Row> {
        var rows: [Row] = []
        /// Non-blank lines read.
        var lines = 0
        var skippedInvalid = 0
    }

    static func read<Row>(_ path: String, skipInvalid: Bool, parse: ([String: JSONValue]) throws -> Row) throws -> Outcome<Row> {
        let data: Data
        do { data = try InputFile.read(path) } catch let problem as InputFile.Problem { throw DataError(problem.description) }
        var outcome = Outcome<Row>()
        for entry in JSONLines.rows(data) {
            outcome.lines += 1
            do {
                switch entry.row {
                case .bad(let problem): throw DataError(problem)
                case .object(let object): outcome.rows.append(try parse(object))
                }
            } catch let problem as DataError {
                if skipInvalid { outcome.skippedInvalid += 1; continue }
                throw DataError("\(path):\(entry.line): \(problem.description)")
            }
        }
        return outcome
    }

    /// A list of `{"role", "content"}` messages.
    static func messages(_ value: JSONValue, field: String) throws -> [ChatMessage] {
        guard let list = value.array, !list.isEmpty else { throw DataError("\"\(field)\" must be a non-empty list of messages") }
        return try list.enumerated().map { index, item in
            guard let role = item.object?["role"]?.string, let content = item.object?["content"]?.string else {
                throw DataError("\(field)[\(index)]: expected {\"role\": string, \"content\": string}")
            }
            return ChatMessage(role: role, content: content)
        }
    }

    /// A string (one message of `role`) or a list of messages.
    static func turn(_ value: JSONValue, field: String, role: String) throws -> [ChatMessage] {
        if let text = value.string { return [ChatMessage(role: role, content: text)] }
        return try messages(value, field: field)
    }
}
