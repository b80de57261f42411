import Foundation
import Testing
import TestSupport
import RLVRCommands

/// `rlvr report`: a chart per metric with one path per run, the samples escaped and filterable, eval
/// results as a table; bad folders exit 2.
@Suite struct ReportCommandTests {
    /// An RL-like run folder: metrics with a nested per-verifier rate and a boolean, samples with markup.
    static func rlRun(_ name: String, scale: Double) throws -> String {
        let folder = try ScratchFolder.make(name)
        try Data("stage: ppo\nseed: 1\n".utf8).write(to: URL(fileURLWithPath: folder + "/config.yaml"))
        let metrics = (1...3).map { step in
            #"{"step": \#(step), "score": \#(Double(step) * scale), "kl_k1": 0.01, "stopped": true, "verified_by": {"gsm8k": 0.5, "ifeval": \#(0.1 * Double(step))}, "time/sample": 3, "time/update": 2, "time/prefill": 1}"#
        }
        try Data((metrics.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: folder + "/metrics.jsonl"))
        let samples = [
            #"{"step": 1, "dataset": "gsm8k", "prompt": "What is 2+2?", "response": "<script>alert(1)</script> 4", "score": 1, "verdicts": [{"verified": true, "score": 1, "reason": "matched 4"}]}"#,
            #"{"step": 2, "dataset": "ifeval", "prompt": "Answer in capitals", "response": "no", "score": 0, "verdicts": [{"verified": false, "score": 0, "reason": "lowercase found"}]}"#,
        ]
        try Data((samples.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: folder + "/samples.jsonl"))
        return folder
    }

    @Test func comparesRunsOnTheSameAxes() throws {
        let a = try Self.rlRun("report-a", scale: 1), b = try Self.rlRun("report-b", scale: 2)
        let out = try ScratchFolder.make("report-out") + "/both.html"
        #expect(CommandLineEntry.run(["report", a, b, "--out", out]) == 0)
        let page = try String(contentsOfFile: out, encoding: .utf8)
        // charts: score, kl_k1, verified_by/gsm8k, verified_by/ifeval, time/sample, time/update, time/prefill
        // (not the boolean), each with a path per run; and per run the time by phase stacked (prefill is
        // part of sample): an outline and a layer for sample and for update
        #expect(page.components(separatedBy: "<svg").count - 1 == 7 + 2)
        #expect(page.components(separatedBy: "<path class=\"series\" d=\"M").count - 1 == 7 * 2 + 2)
        #expect(page.components(separatedBy: "<path class=\"layer\" d=\"M").count - 1 == 2 * 2)
        #expect(page.contains(">verified_by/ifeval<") && !page.contains(">stopped<"))
        #expect(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && !page.contains("<script>alert"))
        #expect(page.contains("data-verifier=\"gsm8k\" data-verified=\"true\"") && page.contains("data-verifier=\"ifeval\" data-verified=\"false\""))
        #expect(page.contains("lowercase found") && page.contains("stage: ppo"))
        // one run: report.html in its folder
        #expect(CommandLineEntry.run(["report", a]) == 0)
        #expect(FileManager.default.fileExists(atPath: a + "/report.html"))
    }

    @Test func heldOutFiguresGiveATableOverSteps() throws {
        let folder = try ScratchFolder.make("report-heldout")
        let lines = [
            #"{"step": 0, "eval_verified": 0.25, "eval/ifeval/prompt_loose": 0.2}"#,
            #"{"step": 1, "score": 0.5}"#,
            #"{"step": 2, "score": 0.6, "eval_verified": 0.375}"#,
        ]
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: folder + "/metrics.jsonl"))
        #expect(CommandLineEntry.run(["report", folder]) == 0)
        let page = try String(contentsOfFile: folder + "/report.html", encoding: .utf8)
        // columns sorted, one row per step that logged a held-out figure, blank where a step did not
        #expect(page.contains("<tr><th>step</th><th>eval/ifeval/prompt_loose</th><th>eval_verified</th></tr>"))
        #expect(page.contains("<tr><td class=\"num\">0</td><td class=\"num\">0.2</td><td class=\"num\">0.25</td></tr>"))
        #expect(page.contains("<tr><td class=\"num\">2</td><td class=\"num\"></td><td class=\"num\">0.375</td></tr>"))
        #expect(!page.contains("<tr><td class=\"num\">1</td>"))
    }

    @Test func evalFoldersGiveATable() throws {
        let model = try tinyModelFolder(prefix: "report-model") + "/model"
        let out = try ScratchFolder.make("report-eval")
        #expect(CommandLineEntry.run(["eval", "--model", model, "--data", try benchmarkDataFolder(), "--tasks", "piqa", "--threads", "1", "--out", out]) == 0)
        #expect(CommandLineEntry.run(["report", out]) == 0)
        let page = try String(contentsOfFile: out + "/report.html", encoding: .utf8)
        #expect(page.contains("<td>piqa</td><td>acc_norm</td>") && page.contains("data-verifier=\"piqa\""))
    }

    @Test func badFoldersExitWithTwo() throws {
        let empty = try ScratchFolder.make("report-empty")
        #expect(CommandLineEntry.run(["report", empty]) == 2)
        #expect(CommandLineEntry.run(["report", empty + "/missing"]) == 2)
        try Data("{\"step\": 1}\nnot json\n{\"step\": 3}\n".utf8).write(to: URL(fileURLWithPath: empty + "/metrics.jsonl"))
        #expect(CommandLineEntry.run(["report", empty]) == 2)   // metrics.jsonl:2
        #expect(CommandLineEntry.run(["report"]) == 2)
    }
}
