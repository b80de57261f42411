import Foundation
import Testing
import TestSupport

/// What the trainers do with their run folder and options, through the binary as a user runs it:
/// an existing run is never silently replaced, `--resume` fails fast on an empty folder,
/// `--max-steps` ends a run with final/, `--stop-after` pauses it, and mistaken settings are errors.
@Suite struct RunFolderCommandTests {
    /// A tiny model, two SFT conversations and a config writing to `<folder>/run`.
    static func setUp(extra: String = "") throws -> (folder: String, config: String) {
        let folder = try tinyModelFolder(prefix: "rlvr-run-folder")
        let conversation = #"{"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}"#
        try Data((conversation + "\n" + conversation + "\n").utf8).write(to: URL(fileURLWithPath: folder + "/rows.jsonl"))
        try Data("""
        seed: 1
        threads: 1
        model: {path: \(folder)/model, chat_template: chatml}
        data: {train: \(folder)/rows.jsonl, max_length: 64}
        training: {batch_size: 2, micro_batch_size: 1, epochs: 3}
        output: {dir: \(folder)/run, save_every: 1}
        \(extra)
        """.utf8).write(to: URL(fileURLWithPath: folder + "/run.yaml"))
        return (folder, folder + "/run.yaml")
    }

    static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    @Test func anExistingRunIsReplacedOnlyWithOverwrite() throws {
        let (folder, config) = try Self.setUp()
        #expect(try BinaryRunner.run(["sft", "--config", config, "--max-steps", "1"]).status == 0)
        let again = try BinaryRunner.run(["sft", "--config", config, "--max-steps", "1"])
        #expect(again.status == 2)
        #expect(again.output.contains("\(folder)/run already holds a run: carry it on with --resume \(folder)/run, replace it with --overwrite"), "\(again.output)")
        let replaced = try BinaryRunner.run(["sft", "--config", config, "--max-steps", "2", "--overwrite"])
        #expect(replaced.status == 0, "\(replaced.output)")
        let metrics = try String(contentsOfFile: folder + "/run/metrics.jsonl", encoding: .utf8)
        #expect(metrics.split(separator: "\n").count == 2, "the old run's metrics must be gone")
        #expect(try BinaryRunner.run(["sft", "--config", config, "--overwrite", "--resume", folder + "/run"]).status == 2)
    }

    @Test func maxStepsEndsTheRunAndStopAfterPausesIt() throws {
        let (folder, config) = try Self.setUp()
        #expect(try BinaryRunner.run(["sft", "--config", config, "--max-steps", "2"]).status == 0)
        #expect(Self.exists(folder + "/run/final/model.safetensors"), "--max-steps ends the run with final/")
        #expect(try BinaryRunner.run(["sft", "--config", config, "--out", folder + "/paused", "--stop-after", "1"]).status == 0)
        #expect(!Self.exists(folder + "/paused/final"))
        #expect(Self.exists(folder + "/paused/checkpoints/step-1"))
        let resumed = try BinaryRunner.run(["sft", "--config", config, "--resume", folder + "/paused"])
        #expect(resumed.status == 0, "\(resumed.output)")
        #expect(Self.exists(folder + "/paused/final/model.safetensors"))
    }

    @Test func resumingAFolderWithoutCheckpointsFailsBeforeLoadingAnything() throws {
        let (folder, config) = try Self.setUp()
        try FileManager.default.createDirectory(atPath: folder + "/empty", withIntermediateDirectories: true)
        let outcome = try BinaryRunner.run(["sft", "--config", config, "--resume", folder + "/empty"])
        #expect(outcome.status == 2)
        #expect(outcome.output.contains("--resume \(folder)/empty: no checkpoint to resume from"), "\(outcome.output)")
        #expect(!Self.exists(folder + "/empty/checkpoints"), "a failed resume must not create checkpoints/")
        let missing = try BinaryRunner.run(["sft", "--config", config, "--resume", folder + "/nowhere"])
        #expect(missing.status == 2 && missing.output.contains("no such run folder"), "\(missing.output)")
    }

    @Test func fileProblemsAreWords() throws {
        let (folder, config) = try Self.setUp()
        try Data("x".utf8).write(to: URL(fileURLWithPath: folder + "/plain-file"))
        let outcome = try BinaryRunner.run(["sft", "--config", config, "--out", folder + "/plain-file/run"])
        #expect(outcome.status == 1 && outcome.output.contains("\(folder)/plain-file/run: Not a directory"), "\(outcome.output)")
        #expect(!outcome.output.contains("NSCocoaErrorDomain"), "\(outcome.output)")
        let resume = try BinaryRunner.run(["sft", "--config", config, "--resume", folder + "/plain-file"])
        #expect(resume.status == 2 && resume.output.contains("is a file, not a run folder"), "\(resume.output)")
    }

    @Test func anUnknownRouteVerifierNamesItsKey() throws {
        let (_, config) = try Self.setUp()
        let outcome = try BinaryRunner.run(["ppo", "--config", config, "--set", "stage=ppo", "--set", "rewards.routes.gsm8k=[{verifier: nope}]"])
        #expect(outcome.status == 2, "\(outcome.output)")
        #expect(outcome.output.contains("rewards.routes.gsm8k.0.verifier: unknown verifier \"nope\""), "\(outcome.output)")
    }

    @Test func mistakenSettingsAreErrors() throws {
        let (_, config) = try Self.setUp()
        let empty = try BinaryRunner.run(["sft", "--config", config, "--set", "optimizer.lr="])
        #expect(empty.status == 2 && empty.output.contains("--set optimizer.lr=: optimizer.lr: the value is empty"), "\(empty.output)")
        let (_, dpoConfig) = try Self.setUp(extra: "stage: dpo")
        let wrongStage = try BinaryRunner.run(["rm", "--config", dpoConfig])
        #expect(wrongStage.status == 2, "\(wrongStage.output)")
        #expect(wrongStage.output.contains("stage: this configuration is for `rlvr dpo`, not `rlvr rm`"), "\(wrongStage.output)")
        let threads = try BinaryRunner.run(["sft", "--config", config, "--set", "threads=100000"])
        #expect(threads.status == 2 && threads.output.contains("threads: expected 1 to 64"), "\(threads.output)")
    }
}
