import Checkpoints
import Diagnostics
import Foundation

/// What a run folder holds for a report: `config.yaml`, `metrics.jsonl` (sft, dpo, rm, ppo),
/// `samples.jsonl` (RL rollouts or evaluated documents) and `results.json` (rlvr eval). A pipeline's
/// stages are run folders of their own.
public struct RunRecords {
    public let path: String
    public let config: String?
    public let metrics: [[String: Any]]
    public let samples: [[String: Any]]
    public let evalResults: [String: Any]?
    /// memory_plan.json: (what, bytes) per part the run planned before its first step.
    public let memoryPlan: [(what: String, bytes: Int)]

    /// Samples kept per run (the newest): a browser page of a long run stays small.
    public static let samplesShown = 2_000

    public init(folder path: String) throws {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue else {
            throw ReportError("\(path): no such run folder")
        }
        self.path = path
        config = try? String(contentsOfFile: path + "/config.yaml", encoding: .utf8)
        metrics = try Self.jsonLines(path + "/metrics.jsonl")
        samples = Array(try Self.jsonLines(path + "/samples.jsonl").suffix(Self.samplesShown))
        if let data = FileManager.default.contents(atPath: path + "/results.json") {
            guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw ReportError("\(path)/results.json: not a JSON object of rlvr eval results")
            }
            evalResults = object
        } else {
            evalResults = nil
        }
        let plan = FileManager.default.contents(atPath: path + "/memory_plan.json")
            .flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }?["parts"] as? [[String: Any]] ?? []
        memoryPlan = plan.compactMap { part in (part["what"] as? String).flatMap { what in (part["bytes"] as? NSNumber).map { (what, $0.intValue) } } }
        if config == nil && metrics.isEmpty && samples.isEmpty && evalResults == nil {
            throw ReportError("\(path): not a run folder (expected config.yaml, metrics.jsonl, samples.jsonl or results.json)")
        }
    }

    /// Every number of the metrics lines as a series over `step` (nested objects give `outer/inner`).
    public func series() -> [String: [(step: Double, value: Double)]] {
        var out: [String: [(step: Double, value: Double)]] = [:]
        for row in metrics {
            guard let step = (row["step"] as? NSNumber)?.doubleValue else { continue }
            for (tag, value) in MetricsLine.numbers(row) where tag != "step" && value.isFinite { out[tag, default: []].append((step, value)) }
        }
        return out
    }

    /// The objects of a JSONL file (none when it is absent); a line that is not an object is an error
    /// naming it, except a last line cut short by a killed run.
    static func jsonLines(_ path: String) throws -> [[String: Any]] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        let lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        var rows: [[String: Any]] = []
        for (index, line) in lines.enumerated() where !line.isEmpty {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
                if index == lines.count - 1 && data.last != UInt8(ascii: "\n") { break }
                throw ReportError("\(path):\(index + 1): not a JSON object")
            }
            rows.append(object)
        }
        return rows
    }
}

/// A report's input cannot be read (exit 2).
public struct ReportError: BadInput {
    public let description: String
    public init(_ description: String) { self.description = description }
}
