import Checkpoints
import Foundation

/// Every task's results of one `rlvr eval`: `results.json` and the Markdown table.
public struct EvalReport: Codable, Equatable, Sendable {
    public var model: String
    public var modelSHA256: String
    public var settings: EvalSettings
    public var tasks: [TaskResult]

    enum CodingKeys: String, CodingKey { case model, modelSHA256 = "model_sha256", settings, tasks }

    public init(model: String, modelSHA256: String, settings: EvalSettings, results: [TaskResult]) {
        self.model = model
        self.modelSHA256 = modelSHA256
        self.settings = settings
        self.tasks = results
    }

    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// Written whole or not at all.
    public func write(to path: String) throws {
        let bytes = Array((try json() + "\n").utf8)
        try AtomicFile.write(to: path) { sink in try bytes.withUnsafeBytes { try sink.write($0) } }
    }

    /// `| task | metric | value | ± stderr | n | shots |`, values in percent.
    public func markdown() -> String {
        let chat = settings.chat ? "chat template" : "plain prompts"
        var lines = ["\(model) (SHA-256 \(modelSHA256.prefix(12))…), \(settings.format.rawValue) format, \(chat)"
                     + (settings.samples > 1 ? ", \(settings.samples) samples at temperature \(settings.temperature)" : ", greedy"), "",
                     "| task | metric | value | ± stderr | n | shots |", "|---|---|---:|---:|---:|---:|"]
        lines += rows { task, cells in cells + " \(task.shots) |" }
        return lines.joined(separator: "\n") + "\n"
    }

    /// One table row per reported metric: `| task | metric | value | ± stderr | n |`, values in
    /// percent, then what `finish` appends.
    func rows(_ finish: (TaskResult, String) -> String) -> [String] {
        tasks.flatMap { task in
            task.metricOrder.compactMap { name -> String? in
                guard let metric = task.metrics[name] else { return nil }
                let stderr = metric.stderr.isNaN ? "—" : String(format: "%.2f", 100 * metric.stderr)
                return finish(task, "| \(task.task) | \(name) | \(String(format: "%.2f", 100 * metric.value)) | \(stderr) | \(metric.count) |")
            }
        }
    }

    /// One table over several checkpoints of a run: `| checkpoint | task | metric | value | ± stderr | n |`.
    public static func markdown(checkpoints: [(label: String, report: EvalReport)]) -> String {
        var lines = ["| checkpoint | task | metric | value | ± stderr | n |", "|---|---|---|---:|---:|---:|"]
        for (label, report) in checkpoints { lines += report.rows { _, cells in "| \(label) " + cells } }
        return lines.joined(separator: "\n") + "\n"
    }
}
