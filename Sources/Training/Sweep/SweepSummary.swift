import Checkpoints
import Evaluation
import Foundation
import JSON
import RunConfig
import RunReport

/// What a sweep's runs came to, read back from their folders: one row per run, `sweep.json`,
/// `sweep.md`, the contour and ratio plots under `plots/`, and `sweep.html` with all of them.
public struct SweepSummary {
    public struct Row {
        public var name: String
        /// The grid's values for this run, as given.
        public var values: [String]
        public var learningRate: Double
        public var batchSize: Int
        /// `done` (trained and evaluated), `trained`, `stopped` (checkpoints only) or `pending`.
        public var status: String
        public var steps = 0
        public var tokens = 0
        /// Training compute: the sum of the step times in metrics.jsonl; and the evaluation's wall time.
        public var trainSeconds = 0.0
        public var evalSeconds = 0.0
        /// Final metrics: the training loss (mean of the last 10 % of steps), the last held-out
        /// figures, and each eval task's headline metric as `task/metric` (fractions, not percent).
        public var metrics: [String: Double] = [:]

        public var ratio: Double { learningRate / Double(batchSize) }
    }

    public let out: String
    public let axes: [SweepGrid.Axis]
    public let rows: [Row]

    /// Metric names in table order: training figures first, then the eval tasks'.
    public var metricNames: [String] {
        let all = Set(rows.flatMap(\.metrics.keys))
        let leading = ["loss", "eval_loss", "score", "verified", "eval_score", "eval_verified"].filter(all.contains)
        return leading + all.subtracting(leading).sorted()
    }

    public init(sweep: Sweep, configs: [RunConfiguration]) throws {
        out = sweep.out
        axes = sweep.grid.axes
        rows = try zip(sweep.grid.runs, configs).map { run, config in
            try Self.row(run: run, config: config, folder: sweep.folder(of: run))
        }
    }

    static func row(run: SweepGrid.Run, config: RunConfiguration, folder: String) throws -> Row {
        let fm = FileManager.default
        let status = Sweep.progress(of: folder).rawValue
        var row = Row(name: run.name, values: run.values, learningRate: config.optimizer.lr, batchSize: config.training.batchSize, status: status)
        if let data = fm.contents(atPath: folder + "/metrics.jsonl") {
            let lines = JSONLines.rows(data).compactMap { entry -> [String: JSONValue]? in
                if case .object(let object) = entry.row { return object }
                return nil
            }
            row.steps = lines.compactMap { $0["step"]?.int }.max() ?? 0
            row.tokens = lines.compactMap { $0["tokens"]?.int }.reduce(0, +)
            row.trainSeconds = lines.reduce(0) { total, line in
                if let tokens = line["tokens"]?.number, let rate = line["tokens_per_s"]?.number, rate > 0 { return total + tokens / rate }
                return total + line.filter { $0.key.hasPrefix("time/") }.compactMap(\.value.number).reduce(0, +)
            }
            let losses = lines.compactMap { $0["loss"]?.number }
            if !losses.isEmpty {
                let tail = losses.suffix(max(1, losses.count / 10))
                row.metrics["loss"] = tail.reduce(0, +) / Double(tail.count)
            }
            for key in ["eval_loss", "score", "verified", "eval_score", "eval_verified"] {
                if let value = lines.last(where: { $0[key]?.number != nil })?[key]?.number { row.metrics[key] = value }
            }
        }
        if let data = fm.contents(atPath: folder + "/eval/results.json") {
            let report = try JSONDecoder().decode(EvalReport.self, from: data)
            for task in report.tasks {
                guard let headline = task.metricOrder.first, let metric = task.metrics[headline] else { continue }
                row.metrics["\(task.task)/\(headline)"] = metric.value
                row.evalSeconds += task.seconds
            }
        }
        return row
    }

    // MARK: - Table and JSON

    public func markdown() -> String {
        let names = metricNames
        let header = ["run"] + axes.map(\.key) + ["lr/batch", "steps", "tokens"] + names + ["train s", "eval s", "status"]
        var lines = ["| " + header.joined(separator: " | ") + " |"]
        lines.append("|---|" + String(repeating: "---:|", count: header.count - 2) + "---|")
        for row in rows {
            let cells = row.values + [String(format: "%.3g", row.ratio), "\(row.steps)", "\(row.tokens)"]
                + names.map { row.metrics[$0].map { String(format: "%.4g", $0) } ?? "—" }
                + [String(format: "%.0f", row.trainSeconds), String(format: "%.0f", row.evalSeconds), row.status]
            lines.append("| \(row.name) | " + cells.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public func json() -> String {
        let runs: [JSONValue] = rows.map { row in
            var object: [String: JSONValue] = [
                "run": .string(row.name), "lr": .number(row.learningRate), "batch_size": .number(Double(row.batchSize)),
                "lr_over_batch": .number(row.ratio), "steps": .number(Double(row.steps)), "tokens": .number(Double(row.tokens)),
                "train_seconds": .number(row.trainSeconds), "eval_seconds": .number(row.evalSeconds), "status": .string(row.status),
                "metrics": .object(row.metrics.mapValues { .number($0) }),
            ]
            object["grid"] = .object(Dictionary(uniqueKeysWithValues: zip(axes.map(\.key), row.values.map { JSONValue.string($0) })))
            return .object(object)
        }
        let axesJSON: [JSONValue] = axes.map { .object(["key": .string($0.key), "values": .array($0.values.map { .string($0) })]) }
        return JSONValue.object(["axes": .array(axesJSON), "runs": .array(runs)]).compactJSON
    }

    // MARK: - Plots

    /// Per metric: the contour over learning rate × batch size (when both vary over finished runs)
    /// and the scatter against lr/batch (SVG text, by file stem).
    public func plots() -> [(name: String, svg: String)] {
        var plots: [(String, String)] = []
        let finished = rows.filter { !$0.metrics.isEmpty }
        let rates = Array(Set(finished.map(\.learningRate))).sorted(), batches = Array(Set(finished.map(\.batchSize))).sorted()
        for metric in metricNames {
            let measured = finished.filter { $0.metrics[metric] != nil }
            if rates.count >= 2 && batches.count >= 2 && rates.allSatisfy({ $0 > 0 }) {
                var chart = ContourChart(
                    title: metric, xLabel: "learning rate (log scale)", yLabel: "batch size (log scale)",
                    xs: rates.map { (log10($0), String(format: "%.2g", $0)) }, ys: batches.map { (log2(Double($0)), "\($0)") },
                    values: rates.map { rate in batches.map { batch in
                        measured.first { $0.learningRate == rate && $0.batchSize == batch }?.metrics[metric]
                    } })
                chart.levels = 6
                plots.append((Self.fileStem(metric) + "-contour", chart.svg()))
            }
            if measured.count >= 2 {
                let scatter = ScatterChart(title: "\(metric) against lr / batch size", xLabel: "learning rate / batch size",
                                           points: measured.map { ($0.ratio, $0.metrics[metric] ?? 0, $0.name) })
                plots.append((Self.fileStem(metric) + "-vs-ratio", scatter.svg()))
            }
        }
        return plots
    }

    static func fileStem(_ metric: String) -> String {
        String(metric.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
    }

    public func html() -> String {
        let plots = plots()
        var body = "<h1>Sweep \(HTML.escape(out))</h1>\n"
        body += "<p>One run per combination of " + axes.map { "<code>\(HTML.escape($0.key))</code> ∈ {\($0.values.joined(separator: ", "))}" }.joined(separator: " × ")
            + ". Contours: each metric over learning rate × batch size, interpolated between the runs (dots). Scatter: the same metric against lr / batch size.</p>\n"
        body += "<pre>\(HTML.escape(markdown()))</pre>\n<div class=\"grid\">" + plots.map { "<div>\($0.svg)</div>" }.joined(separator: "\n") + "</div>\n"
        return """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>sweep · rlvr</title>
        <style>body{font-family:sans-serif;margin:1.5em}.grid{display:flex;flex-wrap:wrap;gap:12px}pre{font-size:12px}</style></head>
        <body>
        \(body)
        </body></html>

        """
    }

    /// Writes sweep.json, sweep.md, plots/*.svg and sweep.html (each whole or not at all).
    public func write() throws {
        func save(_ text: String, _ path: String) throws {
            let bytes = Array(text.utf8)
            try AtomicFile.write(to: path) { sink in try bytes.withUnsafeBytes { try sink.write($0) } }
        }
        try FileManager.default.createDirectory(atPath: out + "/plots", withIntermediateDirectories: true)
        try save(json() + "\n", out + "/sweep.json")
        try save(markdown(), out + "/sweep.md")
        for plot in plots() { try save(plot.svg + "\n", out + "/plots/\(plot.name).svg") }
        try save(html(), out + "/sweep.html")
    }
}
