import Diagnostics
import Foundation

/// JSON Lines as every command and trainer reads them: one JSON object per line, blank lines
/// skipped, and a line that is not valid UTF-8 or not a JSON object an error naming the file and line.
public enum JSONLines {
    /// A bad line: `source:line: problem`.
    public struct Problem: BadInput {
        public let description: String
        public init(source: String, line: Int, _ problem: String) { description = "\(source):\(line): \(problem)" }
    }

    /// A non-blank line: its object, or what is wrong with it.
    public enum Row {
        case object([String: JSONValue])
        case bad(String)
    }

    /// The non-blank lines of `data` with their 1-based line numbers, each parsed into an object or
    /// the problem with it (so that callers can skip and count bad rows, or stop at the first).
    public static func rows(_ data: Data) -> [(line: Int, row: Row)] {
        var rows: [(Int, Row)] = []
        for (index, line) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\t") }) { continue }
            guard let text = String(validating: line, as: UTF8.self) else {
                rows.append((index + 1, .bad("the line is not valid UTF-8")))
                continue
            }
            guard let object = JSONValue.parse(text)?.object else {
                rows.append((index + 1, .bad("expected a JSON object")))
                continue
            }
            rows.append((index + 1, .object(object)))
        }
        return rows
    }

    /// Every object of `data`, stopping at the first bad line with a `Problem` naming `source`.
    public static func objects(_ data: Data, source: String) throws -> [(line: Int, object: [String: JSONValue])] {
        try rows(data).map { entry in
            switch entry.row {
            case .object(let object): return (entry.line, object)
            case .bad(let problem): throw Problem(source: source, line: entry.line, problem)
            }
        }
    }
}
