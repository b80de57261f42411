import Checkpoints
import Diagnostics
import Evaluation
import Foundation
import JSON

/// A problem with the command's inputs: an unknown eval set, a bad row, an option out of range.
public struct ContaminationError: BadInput {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The documents of one evaluation set, each as the text a leaked training prompt would contain.
public struct EvalSet: Sendable {
    public let name: String
    /// Document `i`'s text (its index in the task's data, as `rlvr eval` numbers it).
    public let texts: [String]

    public init(name: String, texts: [String]) {
        self.name = name
        self.texts = texts
    }

    /// The sets of a comma-separated list: `rlvr eval` task names (their question, problem, prompt or
    /// input field, read from `data`) and JSONL files (each row's `prompt`, `question`, `problem` or
    /// `input` string, or else its user turns in `messages`).
    public static func load(_ list: String, data: BenchmarkData) throws -> [EvalSet] {
        var sets: [EvalSet] = []
        for raw in list.split(separator: ",") {
            let entry = raw.trimmingCharacters(in: .whitespaces)
            guard !sets.contains(where: { $0.name == entry }) else { continue }
            if entry.hasSuffix(".jsonl") || entry.contains("/") {
                sets.append(EvalSet(name: entry, texts: try fileTexts(entry)))
            } else if let task = TaskCatalog.all.first(where: { $0.name == entry.lowercased() }) {
                sets.append(EvalSet(name: task.name, texts: try task.documentTexts(data)))
            } else {
                throw ContaminationError("unknown eval set \"\(entry)\": expected a task (\(TaskCatalog.names.joined(separator: ", "))) or a .jsonl file")
            }
        }
        guard !sets.isEmpty else { throw ContaminationError("no eval set named: expected tasks (\(TaskCatalog.names.joined(separator: ", "))) or .jsonl files") }
        return sets
    }

    static let textFields = ["prompt", "question", "problem", "input"]

    static func fileTexts(_ path: String) throws -> [String] {
        let data: Data
        do { data = try InputFile.read(path) } catch let problem as InputFile.Problem { throw ContaminationError(problem.description) }
        return try JSONLines.objects(data, source: path).map { line, object in
            for field in textFields { if let text = object[field]?.string { return text } }
            if let messages = object["messages"]?.array {
                let turns = messages.compactMap { $0.object?["role"]?.string == "user" ? $0.object?["content"]?.string : nil }
                if !turns.isEmpty { return turns.joined(separator: "\n") }
            }
            throw ContaminationError("\(path):\(line): expected a string \(textFields.map { "\"\($0)\"" }.joined(separator: ", ")) or user turns in \"messages\"")
        }
    }
}
