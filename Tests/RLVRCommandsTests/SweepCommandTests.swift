import Foundation
import RLVRCommands
@testable import RunReport
import Testing
import TestSupport
import Training

/// `rlvr sweep` on a tiny model: every combination trained and evaluated, the summary and plots,
/// nothing lost or redone when stopped and started again, shares for several processes, and bad
/// input refused before anything runs.
@Suite struct SweepCommandTests {
    static let conversation = #"{"messages": [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4"}]}"#

    /// A tiny SFT base config (one epoch over 8 rows: the step count follows the batch size) and its folder.
    static func base() throws -> (folder: String, config: String) {
        let folder = try tinyModelFolder(prefix: "sweep")
        try Data(Array(repeating: conversation, count: 8).joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: folder + "/rows.jsonl"))
        try Data("""
        stage: sft
        seed: 1
        threads: 1
        model: {path: \(folder)/model, chat_template: chatml}
        data: {train: \(folder)/rows.jsonl, max_length: 32, eval_fraction: 0.25}
        optimizer: {lr: 1.0e-3}
        training: {batch_size: 2, micro_batch_size: 1, epochs: 1}
        output: {dir: \(folder)/unused, save_every: 1, eval_every: 1, report: false}
        """.utf8).write(to: URL(fileURLWithPath: folder + "/base.yaml"))
        return (folder, folder + "/base.yaml")
    }

    @Test func runsEvaluatesSummarisesAndResumes() throws {
        let (folder, config) = try Self.base()
        let out = folder + "/sweep"
        let arguments = ["sweep", "--config", config, "--grid", "optimizer.lr=1e-3,1e-2", "--grid", "training.batch_size=1,2",
                         "--eval", "piqa", "--data", try benchmarkDataFolder(), "--out", out]
        #expect(CommandLineEntry.run(arguments) == 0)
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/sweep.json"))) as? [String: Any])
        let runs = try #require(summary["runs"] as? [[String: Any]])
        #expect(runs.map { $0["run"] as? String } == ["lr=1e-3_batch_size=1", "lr=1e-3_batch_size=2", "lr=1e-2_batch_size=1", "lr=1e-2_batch_size=2"])
        #expect(runs.allSatisfy { $0["status"] as? String == "done" })
        // one epoch of the 6 training rows: 6 steps at batch 1, 3 at batch 2, the same tokens
        #expect(runs.map { $0["steps"] as? Int } == [6, 3, 6, 3])
        let tokens = runs.compactMap { $0["tokens"] as? Int }
        #expect(tokens.count == 4 && Set(tokens).count == 1 && tokens[0] > 0)
        #expect((runs[3]["lr_over_batch"] as? Double) == 0.005)
        for run in runs {
            let metrics = try #require(run["metrics"] as? [String: Double])
            #expect(metrics["loss"] != nil && metrics["eval_loss"] != nil && metrics["piqa/acc"] != nil, "\(metrics)")
        }
        for file in ["sweep.md", "sweep.html", "plots/loss-contour.svg", "plots/loss-vs-ratio.svg", "plots/piqa_acc-contour.svg"] {
            #expect(FileManager.default.fileExists(atPath: out + "/" + file), "\(file)")
        }
        #expect(try String(contentsOfFile: out + "/sweep.md", encoding: .utf8).contains("| lr=1e-2_batch_size=2 | 1e-2 | 2 | 0.005 | 3 |"))

        // Stopped part-way: one run loses its end (final/ and marker), keeping its checkpoints; the
        // rerun trains only that one, from its checkpoint, to the same weights.
        let stopped = out + "/runs/lr=1e-2_batch_size=1"
        let finalWeights = try Data(contentsOf: URL(fileURLWithPath: stopped + "/final/model.safetensors"))
        let others = try Data(contentsOf: URL(fileURLWithPath: out + "/runs/lr=1e-3_batch_size=1/final/model.safetensors"))
        try FileManager.default.removeItem(atPath: stopped + "/final")
        try FileManager.default.removeItem(atPath: stopped + "/sweep-done.json")
        try FileManager.default.removeItem(atPath: stopped + "/eval")
        // keep only the oldest checkpoint (the run must redo the steps after it)
        let steps = RunFolder.checkpointSteps(in: stopped).sorted()
        #expect(steps.count >= 1 && steps[0] < 6, "\(steps)")
        for step in steps.dropFirst() { try FileManager.default.removeItem(atPath: stopped + "/checkpoints/step-\(step)") }
        #expect(CommandLineEntry.run(arguments) == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: stopped + "/final/model.safetensors")) == finalWeights)
        #expect(try Data(contentsOf: URL(fileURLWithPath: out + "/runs/lr=1e-3_batch_size=1/final/model.safetensors")) == others)
        #expect(FileManager.default.fileExists(atPath: stopped + "/sweep-done.json"))

        // --summary rewrites the summary without training
        try FileManager.default.removeItem(atPath: out + "/sweep.json")
        #expect(CommandLineEntry.run(arguments + ["--summary"]) == 0)
        #expect(FileManager.default.fileExists(atPath: out + "/sweep.json"))
    }

    /// `--shard i/n`: this process's runs only, every n-th from the i-th; the others stay pending.
    @Test func shardsShareTheRuns() throws {
        let (folder, config) = try Self.base()
        let out = folder + "/sweep"
        #expect(CommandLineEntry.run(["sweep", "--config", config, "--grid", "optimizer.lr=1e-3,1e-2,3e-2", "--set", "training.batch_size=2",
                                      "--out", out, "--shard", "2/2"]) == 0)
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/sweep.json"))) as? [String: Any])
        let runs = try #require(summary["runs"] as? [[String: Any]])
        #expect(runs.map { $0["status"] as? String } == ["pending", "done", "pending"])
    }

    @Test func badInputBeforeAnythingRuns() throws {
        let (folder, config) = try Self.base()
        let out = folder + "/sweep"
        let base = ["sweep", "--config", config, "--out", out]
        let cases: [[String]] = [
            ["--grid", "optimizer.lrr=1e-3,1e-2"],                                  // unknown key
            ["--grid", "optimizer.lr=1e-3"],                                        // one value
            ["--grid", "optimizer.lr=1e-3,1e-3"],                                   // a value twice
            ["--grid", "optimizer.lr=1e-3,1e-2", "--grid", "optimizer.lr=3e-3,1e-2"], // a key twice
            ["--grid", "optimizer.lr=1e-3,oops"],                                   // not a number
            ["--grid", "optimizer.lr"],                                             // no values
            [],                                                                     // no grid
            ["--grid", "optimizer.lr=1e-3,1e-2", "--shard", "3/3"],                 // more parts than runs
            ["--grid", "optimizer.lr=1e-3,1e-2", "--shard", "0/2"],
            ["--grid", "optimizer.lr=1e-3,1e-2", "--eval", "piqa2"],                // unknown task
            ["--grid", "optimizer.lr=1e-3,1e-2", "--limit", "0", "--eval", "piqa"],
            ["--grid", "optimizer.lr=1e-3,1e-2", "--set", "stage=rm", "--eval", "piqa"],   // a classifier cannot be evaluated
        ]
        for arguments in cases {
            #expect(CommandLineEntry.run(base + arguments) == 2, "\(arguments)")
            #expect(!FileManager.default.fileExists(atPath: out + "/runs"), "\(arguments) started a run")
        }
        let message = try BinaryRunner.run(base + ["--grid", "optimizer.lrr=1e-3,1e-2"])
        #expect(message.output.contains("did you mean \"lr\"?"), "\(message.output)")
    }

    @Test func gridNamesAndOrder() throws {
        let grid = try SweepGrid(["optimizer.lr=1e-5,3e-5", "training.batch_size=8,16,32"])
        #expect(grid.runs.count == 6)
        #expect(grid.runs.map(\.name).prefix(4) == ["lr=1e-5_batch_size=8", "lr=1e-5_batch_size=16", "lr=1e-5_batch_size=32", "lr=3e-5_batch_size=8"])
        #expect(grid.runs[4].overrides == ["optimizer.lr=3e-5", "training.batch_size=16"])
        // keys ending alike keep their full names
        let clash = try SweepGrid(["optimizer.lr=1,2", "dpo.lr=3,4"])
        #expect(clash.runs[0].name == "optimizer.lr=1_dpo.lr=3")
    }

    /// The contour map interpolates bilinearly between the runs, and leaves out cells next to a missing run.
    @Test func contourInterpolation() {
        var chart = ContourChart(title: "t", xLabel: "x", yLabel: "y", xs: [(0, "a"), (1, "b"), (3, "c")], ys: [(0, "p"), (1, "q")],
                                 values: [[0, 1], [2, 3], [6, nil]])
        #expect(chart.interpolate(0.5, 0.5) == 1.5)
        #expect(chart.interpolate(0.25, 0) == 0.5)
        #expect(chart.interpolate(0, 0.5) == 0.5)
        #expect(chart.interpolate(2, 0.5) == nil)        // a corner is missing
        #expect(chart.interpolate(-5, 0) == 0)           // constant beyond the outer runs
        chart.values[2][1] = 7
        #expect(chart.interpolate(2, 0) == 4)            // halfway from x = 1 to x = 3
        let svg = chart.svg()
        #expect(svg.components(separatedBy: "<path d=").count - 1 == chart.levels - 1)
        #expect(svg.components(separatedBy: "<circle").count - 1 == 6)
        #expect(!svg.contains("#dddddd"))
    }
}
