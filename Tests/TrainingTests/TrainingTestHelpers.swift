import Foundation
import LlamaModel
import ModelIO
import Tokenization
import TestSupport

/// Writes JSONL rows to `folder/name`.
func writeRows(_ rows: [String], to folder: String, name: String) throws {
    try Data(rows.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: folder + "/" + name))
}

/// Metrics lines of a run without the wall-clock field (tokens_per_s), for comparing runs.
func deterministicMetrics(_ runFolder: String) throws -> [String] {
    try String(contentsOfFile: runFolder + "/metrics.jsonl", encoding: .utf8).split(separator: "\n").map {
        $0.replacingOccurrences(of: #""tokens_per_s":[0-9.e+-]+"#, with: "", options: .regularExpression)
    }
}

/// The bits of a model's parameters.
func parameterBits(_ model: LlamaModel) -> [UInt32] {
    Array(UnsafeBufferPointer(start: model.parameters.pointer, count: model.layout.count)).map(\.bitPattern)
}
