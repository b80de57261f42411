import Diagnostics
import Foundation
import JSON

/// The folder of benchmark files (`data/eval/` of the repository by default) and typed reading of
/// its rows, every problem naming the file and line.
public struct BenchmarkData: Sendable {
    public let root: String

    public init(root: String) {
        self.root = root
    }

    /// A missing or unreadable benchmark file, or a row without the fields a task needs.
    public struct Problem: BadInput {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    public func path(_ relative: String) -> String {
        root.hasSuffix("/") ? root + relative : root + "/" + relative
    }

    public func data(_ relative: String) throws -> Data {
        let file = path(relative)
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: file, isDirectory: &isFolder), !isFolder.boolValue else {
            throw Problem("\(file): no such benchmark file (the benchmark files ship in data/eval/ of the repository; point --data at that folder)")
        }
        guard let data = FileManager.default.contents(atPath: file) else { throw Problem("\(file): cannot be read") }
        return data
    }

    /// The JSON objects of a JSON Lines file, each with its 1-based line number.
    public func rows(_ relative: String) throws -> [Row] {
        try JSONLines.objects(try data(relative), source: path(relative)).map { Row(file: path(relative), line: $0.line, object: $0.object) }
    }

    /// The text lines of a plain file (no trailing empty line).
    public func lines(_ relative: String) throws -> [String] {
        guard let text = String(data: try data(relative), encoding: .utf8) else { throw Problem("\(path(relative)): not valid UTF-8") }
        var lines = text.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    /// One row of a benchmark file with typed field access.
    public struct Row: Sendable {
        public let file: String
        public let line: Int
        public let object: [String: JSONValue]

        func problem(_ text: String) -> Problem { Problem("\(file):\(line): \(text)") }

        public func string(_ key: String) throws -> String {
            guard let value = object[key]?.string else { throw problem("expected a string \"\(key)\"") }
            return value
        }

        public func int(_ key: String) throws -> Int {
            guard let value = object[key]?.int else { throw problem("expected an integer \"\(key)\"") }
            return value
        }

        public func strings(_ key: String) throws -> [String] {
            guard let values = object[key]?.array?.compactMap(\.string), values.count == object[key]?.array?.count, !values.isEmpty else {
                throw problem("expected a non-empty list of strings \"\(key)\"")
            }
            return values
        }

        public func ints(_ key: String) throws -> [Int] {
            guard let values = object[key]?.array?.compactMap(\.int), values.count == object[key]?.array?.count else {
                throw problem("expected a list of integers \"\(key)\"")
            }
            return values
        }

        public func nested(_ key: String) throws -> Row {
            guard let value = object[key]?.object else { throw problem("expected an object \"\(key)\"") }
            return Row(file: file, line: line, object: value)
        }
    }
}
