import Checkpoints
import Foundation

/// Reads a JSONL file (or `-`, standard input) row by row: blank lines are skipped; a line that is not valid UTF-8 or not a
/// JSON object is an error naming the file and line.
enum JSONLines {
    static func forEachObject(in path: String, _ body: (_ line: Int, _ object: [String: Any]) throws -> Void) throws {
        let data: Data
        do { data = try InputFile.read(path) } catch let problem as InputFile.Problem { throw InputError(problem.description) }
        for (index, line) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\t") }) { continue }
            guard String(validating: line, as: UTF8.self) != nil else { throw InputError("\(path):\(index + 1): the line is not valid UTF-8") }
            guard let object = (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any] else {
                throw InputError("\(path):\(index + 1): expected a JSON object")
            }
            try body(index + 1, object)
        }
    }
}
