import ArgumentParser
import Foundation
import RunReport

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "One self-contained HTML page for one or more run folders.",
        discussion: """
        For each run folder (sft, dpo, rm, ppo, a pipeline stage, or an rlvr eval --out folder): its \
        config, a chart per metric of metrics.jsonl (several runs on the same axes, to compare them), \
        rlvr eval's results table, and a browser of samples.jsonl (prompt, response, verdicts) filtered \
        by verifier, verdict and text. No network and no framework: inline SVG and a few lines of \
        JavaScript. See docs/training.md.
        """
    )

    @Argument(help: "Run folders.")
    var runs: [String]

    @Option(help: "The HTML file to write (default: report.html in the run folder, or in the current folder for several runs).")
    var out: String?

    func validate() throws {
        if runs.isEmpty { throw ValidationError("give at least one run folder") }
    }

    func run() throws {
        let records = try runs.map { try RunRecords(folder: $0) }
        let path = out ?? (runs.count == 1 ? runs[0] + "/report.html" : "report.html")
        try ReportPage.write(records, to: path)
        FileHandle.standardError.write(Data("wrote \(path)\n".utf8))   // stdout may be the page itself (--out /dev/stdout)
    }
}
