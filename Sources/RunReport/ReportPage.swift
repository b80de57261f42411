import Checkpoints
import Foundation

/// One self-contained HTML page for one or more run folders: each run's config, a chart per metric
/// (runs on the same axes), rlvr eval results, and a sample browser filtered by verifier, verdict and
/// text. No network and no framework: inline SVG and a few lines of vanilla JavaScript.
public enum ReportPage {
    /// Metrics shown first, in this order (by prefix); the others follow alphabetically.
    static let leading = ["loss", "score", "verified", "reward", "kl", "entropy", "response_length", "length", "stop", "clip", "eval", "lr", "grad_norm"]

    /// Writes the page for `runs` to `path`, whole or not at all.
    public static func write(_ runs: [RunRecords], to path: String) throws {
        let page = Array(html(runs).utf8)
        try AtomicFile.write(to: path) { sink in try page.withUnsafeBytes { try sink.write($0) } }
    }

    public static func html(_ runs: [RunRecords], title: String? = nil) -> String {
        let heading = title ?? runs.map { ($0.path as NSString).lastPathComponent }.joined(separator: " · ")
        var body = "<h1>\(HTML.escape(heading))</h1>\n"
        body += runsSection(runs) + chartsSection(runs) + heldOutSection(runs) + evalSection(runs) + samplesSection(runs)
        return """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(HTML.escape(heading)) · rlvr report</title>
        <style>\(style)</style></head>
        <body>
        \(body)
        <script>\(script)</script>
        </body></html>

        """
    }

    static func label(_ run: RunRecords) -> String { (run.path as NSString).lastPathComponent }

    static func runsSection(_ runs: [RunRecords]) -> String {
        var out = "<section><h2>Runs</h2>\n"
        for (index, run) in runs.enumerated() {
            let colour = LineChart.palette[index % LineChart.palette.count]
            let steps = run.metrics.compactMap { ($0["step"] as? NSNumber)?.intValue }.max()
            out += "<details><summary><span class=\"swatch\" style=\"background:\(colour)\"></span>\(HTML.escape(run.path))"
                + (steps.map { " — \($0) steps" } ?? "") + " — \(run.metrics.count) metrics lines, \(run.samples.count) samples</summary>"
            if !run.memoryPlan.isEmpty {
                let total = run.memoryPlan.reduce(0) { $0 + $1.bytes }
                out += "<table class=\"plan\"><tr><th>memory planned</th><th>MB</th></tr>"
                    + run.memoryPlan.map { "<tr><td>\(HTML.escape($0.what))</td><td class=\"num\">\(String(format: "%.1f", Double($0.bytes) / 1e6))</td></tr>" }.joined()
                    + "<tr><th>total</th><th class=\"num\">\(String(format: "%.1f", Double(total) / 1e6))</th></tr></table>"
            }
            out += "<pre>\(HTML.escape(run.config ?? "(no config.yaml)"))</pre></details>\n"
        }
        return out + "</section>\n"
    }

    static func chartsSection(_ runs: [RunRecords]) -> String {
        let perRun = runs.map { $0.series() }
        let tags = Set(perRun.flatMap(\.keys)).sorted { a, b in
            let ra = leading.firstIndex { a.hasPrefix($0) } ?? leading.count, rb = leading.firstIndex { b.hasPrefix($0) } ?? leading.count
            return ra != rb ? ra < rb : a < b
        }
        guard !tags.isEmpty else { return "" }
        var out = "<section><h2>Curves</h2><div class=\"grid\">\n"
        // an RL step's time by phase (time/prefill is part of time/sample), one stacked chart per run
        for (run, series) in zip(runs, perRun) {
            let phases = series.keys.filter { $0.hasPrefix("time/") && $0 != "time/prefill" }.sorted()
            guard !phases.isEmpty else { continue }
            let layers = phases.map { LineChart.Series(label: String($0.dropFirst(5)), points: series[$0] ?? []) }
            out += StackedAreaChart(title: "seconds per step by phase — \(label(run))", layers: layers).svg() + "\n"
        }
        for tag in tags {
            let series = zip(runs, perRun).map { LineChart.Series(label: label($0.0), points: $0.1[tag] ?? []) }
            out += LineChart(title: tag, series: series).svg() + "\n"
        }
        return out + "</div></section>\n"
    }

    /// Whether a metric is a held-out or benchmark figure: `eval_*` (held-out loss, verified rate,
    /// preference accuracy) or `eval/TASK/METRIC` (`evaluation.tasks` in an RL run).
    static func isHeldOut(_ tag: String) -> Bool { tag.hasPrefix("eval_") || tag.hasPrefix("eval/") }

    /// Per run, the held-out and benchmark figures as a table over the steps that logged them.
    static func heldOutSection(_ runs: [RunRecords]) -> String {
        var out = ""
        for run in runs {
            let rows = run.metrics.compactMap { line -> (step: Int, values: [String: Double])? in
                guard let step = (line["step"] as? NSNumber)?.intValue else { return nil }
                var values: [String: Double] = [:]
                for (name, value) in MetricsLine.numbers(line) where isHeldOut(name) { values[name] = value }
                return values.isEmpty ? nil : (step, values)
            }
            guard !rows.isEmpty else { continue }
            let columns = Set(rows.flatMap { Array($0.values.keys) }).sorted()
            out += "<h3>\(HTML.escape(label(run)))</h3><table class=\"heldout\"><tr><th>step</th>"
                + columns.map { "<th>\(HTML.escape($0))</th>" }.joined() + "</tr>\n"
            for row in rows {
                let cells = columns.map { column -> String in
                    let text = row.values[column].map { String(format: "%.4g", $0) } ?? ""
                    return "<td class=\"num\">\(text)</td>"
                }
                out += "<tr><td class=\"num\">\(row.step)</td>" + cells.joined() + "</tr>\n"
            }
            out += "</table>\n"
        }
        return out.isEmpty ? "" : "<section><h2>Held-out over steps</h2>\n" + out + "</section>\n"
    }

    static func evalSection(_ runs: [RunRecords]) -> String {
        let evaluated = runs.filter { $0.evalResults != nil }
        guard !evaluated.isEmpty else { return "" }
        var out = "<section><h2>Evaluation</h2><table><tr><th>run</th><th>task</th><th>metric</th><th>value</th><th>± stderr</th><th>n</th></tr>\n"
        for run in evaluated {
            for task in run.evalResults?["tasks"] as? [[String: Any]] ?? [] {
                let name = task["task"] as? String ?? "?"
                let metrics = task["metrics"] as? [String: [String: Any]] ?? [:]
                for metric in task["metric_order"] as? [String] ?? metrics.keys.sorted() {
                    guard let m = metrics[metric] else { continue }
                    let value = (m["value"] as? NSNumber)?.doubleValue ?? .nan, stderr = (m["stderr"] as? NSNumber)?.doubleValue ?? .nan
                    out += "<tr><td>\(HTML.escape(label(run)))</td><td>\(HTML.escape(name))</td><td>\(HTML.escape(metric))</td>"
                        + "<td class=\"num\">\(String(format: "%.2f", 100 * value))</td><td class=\"num\">\(String(format: "%.2f", 100 * stderr))</td>"
                        + "<td class=\"num\">\(m["count"] ?? "")</td></tr>\n"
                }
            }
        }
        return out + "</table></section>\n"
    }

    /// One row per sample: RL rollouts (step, verifier, verdicts) or evaluated documents (task, index, metrics).
    static func samplesSection(_ runs: [RunRecords]) -> String {
        var rows: [String] = [], verifiers = Set<String>()
        for run in runs {
            for sample in run.samples {
                let isEval = sample["doc_index"] != nil
                let verifier = (isEval ? sample["task"] : sample["dataset"]) as? String ?? ""
                verifiers.insert(verifier)
                let place = isEval ? "doc \(sample["doc_index"] ?? "")" : "step \(sample["step"] ?? "")"
                let verdicts = sample["verdicts"] as? [[String: Any]] ?? []
                let metrics = sample["metrics"] as? [String: [Double]] ?? [:]
                let verified = isEval ? (metrics.keys.sorted().first.flatMap { metrics[$0]?.first } ?? 0) > 0
                    : !verdicts.isEmpty && verdicts.allSatisfy { $0["verified"] as? Bool ?? false }
                let response = (sample["response"] as? String) ?? (sample["responses"] as? [String])?.first
                    ?? ((sample["continuations"] as? [String]).flatMap { c in (sample["gold"] as? Int).map { c.indices.contains($0) ? "gold: " + c[$0] : "" } } ?? "")
                let detail = isEval ? metrics.keys.sorted().map { "\($0) \(metrics[$0]!.map { String(format: "%.3g", $0) }.joined(separator: ","))" }.joined(separator: "; ")
                    : verdicts.map { "\(($0["verified"] as? Bool ?? false) ? "✓" : "✗") \($0["reason"] as? String ?? "")" }.joined(separator: "; ")
                let score = (sample["score"] as? NSNumber).map { String(format: "%.3g", $0.doubleValue) } ?? ""
                rows.append("<tr data-verifier=\"\(HTML.escape(verifier))\" data-verified=\"\(verified)\"><td>\(HTML.escape(label(run)))</td>"
                    + "<td>\(HTML.escape(place))</td><td>\(HTML.escape(verifier))</td><td>\(verified ? "✓" : "✗")</td><td class=\"num\">\(score)</td>"
                    + "<td><pre>\(HTML.escape(sample["prompt"] as? String ?? ""))</pre></td><td><pre>\(HTML.escape(response))</pre></td>"
                    + "<td>\(HTML.escape(detail))</td></tr>")
            }
        }
        guard !rows.isEmpty else { return "" }
        let options = verifiers.sorted().map { "<option>\(HTML.escape($0))</option>" }.joined()
        return """
        <section><h2>Samples</h2>
        <div class="filters">verifier <select id="verifier"><option value="">all</option>\(options)</select>
        verified <select id="verified"><option value="">all</option><option value="true">yes</option><option value="false">no</option></select>
        text <input id="text" type="search" placeholder="in prompt or response"> <span id="shown">\(rows.count)</span> of \(rows.count)</div>
        <table id="samples"><tr><th>run</th><th>where</th><th>verifier</th><th>verified</th><th>score</th><th>prompt</th><th>response</th><th>verdicts / metrics</th></tr>
        \(rows.joined(separator: "\n"))
        </table></section>

        """
    }

    static let style = """
    body{font-family:sans-serif;margin:1.5em;color:#222}h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.5em}
    .grid{display:flex;flex-wrap:wrap;gap:8px}.chart{border:1px solid #eee;background:#fff}
    table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ddd;padding:3px 6px;vertical-align:top;text-align:left}
    td.num{text-align:right}pre{white-space:pre-wrap;margin:0;max-width:42em;max-height:14em;overflow:auto}
    .swatch{display:inline-block;width:10px;height:10px;margin-right:6px}.filters{margin:.5em 0}
    """

    static let script = """
    (function(){var t=document.getElementById('samples');if(!t)return;
    var v=document.getElementById('verifier'),d=document.getElementById('verified'),x=document.getElementById('text'),s=document.getElementById('shown');
    function f(){var n=0,q=x.value.toLowerCase();for(var i=1;i<t.rows.length;i++){var r=t.rows[i];
    var ok=(!v.value||r.dataset.verifier===v.value)&&(!d.value||r.dataset.verified===d.value)&&(!q||r.textContent.toLowerCase().indexOf(q)>=0);
    r.style.display=ok?'':'none';if(ok)n++;}s.textContent=n;}
    v.onchange=f;d.onchange=f;x.oninput=f;})();
    """
}
