import Foundation
import Testing
import TestSupport

/// The `rlvr` binary under `mpirun`: two ranks give the single process's weights and metrics bit for
/// bit, and a rank killed mid-run fails the job with a message and the run resumes exactly.
/// Needs Open MPI (`openmpi-bin`), which `make deps` installs.
@Suite(.serialized) struct DistributedRunTests {
    /// The built `rlvr` next to the test bundle (`swift test` builds every product).
    static var binary: String {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("rlvr").path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/release/rlvr").path
    }

    static let mpirun = ["/usr/bin/mpirun", "/usr/local/bin/mpirun"].first { FileManager.default.isExecutableFile(atPath: $0) }

    struct Outcome {
        var status: Int32
        var output: String
    }

    /// Runs `rlvr arguments` alone (ranks 0) or under `mpirun -np ranks`; `whileRunning` is polled.
    static func run(_ arguments: [String], ranks: Int, in directory: URL? = nil, whileRunning: ((Process) -> Void)? = nil) throws -> Outcome {
        let process = Process()
        if let directory { process.currentDirectoryURL = directory }
        if ranks == 0 {
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = arguments
        } else {
            let mpirun = try #require(mpirun, "mpirun not found: install openmpi-bin (make deps)")
            process.executableURL = URL(fileURLWithPath: mpirun)
            process.arguments = ["--allow-run-as-root", "--oversubscribe", "-np", String(ranks), binary] + arguments
            // containers often forbid the cross-process reads (CMA) Open MPI uses for large messages
            var environment = ProcessInfo.processInfo.environment
            environment["OMPI_MCA_btl_vader_single_copy_mechanism"] = "none"
            process.environment = environment
        }
        let log = URL(fileURLWithPath: ScratchFolder.path("rlvr-mpi", suffix: ".log"))
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        while process.isRunning {
            whileRunning?(process)
            usleep(5_000)
        }
        process.waitUntilExit()
        try handle.close()
        return Outcome(status: process.terminationStatus, output: (try? String(contentsOf: log, encoding: .utf8)) ?? "")
    }

    /// metrics.jsonl without wall-clock figures.
    static func timeless(_ run: String) throws -> [String] {
        try String(contentsOfFile: run + "/metrics.jsonl", encoding: .utf8).split(separator: "\n").map {
            $0.replacingOccurrences(of: #""(tokens_per_s|tokens_per_s/[a-z]+|samples_per_s/[a-z]+|time/[a-z]+|decode_rows_mean)":[0-9.e+-]+,?"#, with: "", options: .regularExpression)
        }
    }

    static func bytes(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

    /// A tiny model (dims 32), a config for `stage` and its data: micro-batches of 2 in batches of 8,
    /// so every step has 4 leaves and each of 2 ranks sums 2 of them.
    static func setup(_ stage: String, steps: Int) throws -> (folder: String, config: String) {
        let folder = try tinyModelFolder(prefix: "rlvr-mpi-\(stage)")
        let lengths = ["a", "bb ccc", "dddd e", "ff", "ggg hhhh iii", "j", "kk ll", "mmmmmm", "n o p", "qq"]
        var rows: [String] = []
        for i in 0..<20 {
            let answer = lengths[i % lengths.count] + String(repeating: "z", count: i % 5)
            switch stage {
            case "sft": rows.append(#"{"messages": [{"role": "user", "content": "q\#(i)"}, {"role": "assistant", "content": "\#(answer)"}]}"#)
            case "ppo": rows.append(#"{"messages": [{"role": "user", "content": "q\#(i)"}], "ground_truth": "7", "dataset": "gsm8k"}"#)
            default: rows.append(#"{"prompt": "q\#(i)", "chosen": "\#(answer) 7", "rejected": "\#(answer)"}"#)
            }
        }
        try Data(rows.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: folder + "/rows.jsonl"))
        let rl = """
        rollout: {prompts_per_step: 4, samples_per_prompt: 4, max_response_length: 6, sample_every: 2}
        algorithm: {advantage: gae, kl_coef: 0.05, ppo_epochs: 2, minibatches: 2}
        """
        try Data("""
        stage: \(stage)
        seed: 11
        threads: 1
        model: {path: \(folder)/model, chat_template: chatml}
        data: {train: \(folder)/rows.jsonl, eval_fraction: 0.2, max_length: 48}
        optimizer: {lr: 0.003, weight_decay: 0.01, max_grad_norm: 1.0}
        schedule: {kind: linear, warmup_steps: 1}
        training: {batch_size: 8, micro_batch_size: 2, epochs: 100, max_steps: \(steps)}
        output: {dir: \(folder)/run, save_every: 1, eval_every: 2}
        dpo: {reference_cache: \(folder)/cache}
        \(stage == "ppo" ? rl : "")
        """.utf8).write(to: URL(fileURLWithPath: folder + "/run.yaml"))
        return (folder, folder + "/run.yaml")
    }

    @Test(arguments: ["sft", "dpo", "rm", "ppo"])
    func twoRanksGiveTheSingleProcessResult(stage: String) throws {
        let (folder, config) = try Self.setup(stage, steps: 4)
        let one = try Self.run([stage, "--config", config, "--out", folder + "/one"], ranks: 0)
        #expect(one.status == 0, "\(one.output)")
        // its own reference cache, so DPO's reference pass runs shared between the ranks
        let two = try Self.run([stage, "--config", config, "--out", folder + "/two", "--set", "dpo.reference_cache=\(folder)/cache-two"], ranks: 2)
        #expect(two.status == 0, "\(two.output)")
        let weights = Self.bytes(folder + "/one/final/model.safetensors")
        #expect(weights != nil)
        #expect(weights == Self.bytes(folder + "/two/final/model.safetensors"), "\(stage): final weights differ between 1 process and 2 ranks")
        #expect(try Self.timeless(folder + "/one") == Self.timeless(folder + "/two"))
        #expect(try Self.timeless(folder + "/one").count >= 4)
        if stage == "ppo" {
            #expect(Self.bytes(folder + "/one/value/model.safetensors") == Self.bytes(folder + "/two/value/model.safetensors"))
            #expect(Self.bytes(folder + "/one/samples.jsonl") == Self.bytes(folder + "/two/samples.jsonl"))
        }
    }

    /// Four ranks and two micro-batches per step: two ranks have no share; the pairs above them pass
    /// the lower sum on (MPI_Bcast) instead of adding zeros, and the result is still one process's.
    @Test func fourRanksWithFewerMicroBatchesThanRanks() throws {
        let (folder, config) = try Self.setup("rm", steps: 3)
        let settings = ["--set", "training.micro_batch_size=4"]
        let one = try Self.run(["rm", "--config", config, "--out", folder + "/one"] + settings, ranks: 0)
        #expect(one.status == 0, "\(one.output)")
        let four = try Self.run(["rm", "--config", config, "--out", folder + "/four"] + settings, ranks: 4)
        #expect(four.status == 0, "\(four.output)")
        let weights = Self.bytes(folder + "/one/final/model.safetensors")
        #expect(weights != nil)
        #expect(weights == Self.bytes(folder + "/four/final/model.safetensors"))
        #expect(try Self.timeless(folder + "/one") == Self.timeless(folder + "/four"))
    }

    /// The process ids of rank `rank` of a job writing into `folder`.
    static func processes(rank: Int, folder: String) -> [Int32] {
        let ids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return ids.compactMap(Int32.init).filter { pid in
            guard let command = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"),
                  String(decoding: command, as: UTF8.self).contains(folder),
                  let environment = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return false }
            return environment.split(separator: 0).contains { String(decoding: $0, as: UTF8.self) == "OMPI_COMM_WORLD_RANK=\(rank)" }
        }
    }

    @Test func killedRankFailsTheJobAndTheRunResumes() throws {
        let (folder, config) = try Self.setup("ppo", steps: 40)
        let whole = try Self.run(["ppo", "--config", config, "--out", folder + "/whole"], ranks: 0)
        #expect(whole.status == 0, "\(whole.output)")

        var killed = false
        let cut = try Self.run(["ppo", "--config", config, "--out", folder + "/cut"], ranks: 2) { _ in
            guard !killed, let lines = try? String(contentsOfFile: folder + "/cut/metrics.jsonl", encoding: .utf8),
                  lines.split(separator: "\n").count >= 6 else { return }
            for pid in Self.processes(rank: 1, folder: folder + "/cut") { kill(pid, SIGKILL); killed = true }
        }
        #expect(killed, "the run finished before rank 1 could be killed")
        #expect(cut.status != 0)
        #expect(cut.output.contains("rank 1") && cut.output.contains("signal 9"), "\(cut.output)")
        #expect(cut.output.contains("--resume \(folder)/cut"), "\(cut.output)")
        #expect(!FileManager.default.fileExists(atPath: folder + "/cut/final"))

        // resume on 2 ranks, and a copy of the stopped run on 1 process: both end as the whole run did
        try FileManager.default.copyItem(atPath: folder + "/cut", toPath: folder + "/alone")
        let resumed = try Self.run(["ppo", "--config", config, "--resume", folder + "/cut"], ranks: 2)
        #expect(resumed.status == 0, "\(resumed.output)")
        let alone = try Self.run(["ppo", "--config", config, "--resume", folder + "/alone"], ranks: 0)
        #expect(alone.status == 0, "\(alone.output)")
        let expected = Self.bytes(folder + "/whole/final/model.safetensors")
        #expect(expected != nil)
        #expect(Self.bytes(folder + "/cut/final/model.safetensors") == expected)
        #expect(Self.bytes(folder + "/alone/final/model.safetensors") == expected)
        #expect(try Self.timeless(folder + "/cut") == Self.timeless(folder + "/whole"))
        #expect(try Self.timeless(folder + "/alone") == Self.timeless(folder + "/whole"))
    }

    /// sft → rm → ppo (GAE with the reward model as value model): each stage reads the previous
    /// stages' final/ folders, which rank 0 writes while the other ranks wait for it.
    @Test func pipelineOnTwoRanksGivesTheSingleProcessResult() throws {
        let (sftFolder, sft) = try Self.setup("sft", steps: 2)
        let (_, rm) = try Self.setup("rm", steps: 2)
        let (_, ppo) = try Self.setup("ppo", steps: 2)
        for (name, ranks) in [("one", 0), ("two", 2)] {
            let out = sftFolder + "/pipeline-" + name
            try Data("""
            out: \(out)
            stages:
              - {name: sft, config: \(sft)}
              - {name: rm, config: \(rm), set: ["model.path={sft}"]}
              - {name: ppo, config: \(ppo), set: ["model.path={sft}", "algorithm.value_model={rm}"]}
            """.utf8).write(to: URL(fileURLWithPath: sftFolder + "/pipeline-\(name).yaml"))
            let outcome = try Self.run(["pipeline", "--config", sftFolder + "/pipeline-\(name).yaml"], ranks: ranks)
            #expect(outcome.status == 0, "\(outcome.output)")
        }
        for stage in ["sft", "rm", "ppo"] {
            let one = Self.bytes(sftFolder + "/pipeline-one/\(stage)/final/model.safetensors")
            #expect(one != nil)
            #expect(one == Self.bytes(sftFolder + "/pipeline-two/\(stage)/final/model.safetensors"), "\(stage)")
        }
    }

    /// `gradient_sum: running` keeps no stash: repeatable on the same rank count, not the tree's bits.
    @Test func runningSumRepeatsOnTheSameRankCount() throws {
        let (folder, config) = try Self.setup("sft", steps: 3)
        for name in ["a", "b"] {
            let outcome = try Self.run(["sft", "--config", config, "--set", "training.gradient_sum=running", "--out", folder + "/" + name], ranks: 2)
            #expect(outcome.status == 0, "\(outcome.output)")
        }
        let tree = try Self.run(["sft", "--config", config, "--out", folder + "/tree"], ranks: 2)
        #expect(tree.status == 0, "\(tree.output)")
        let running = Self.bytes(folder + "/a/final/model.safetensors")
        #expect(running != nil)
        #expect(running == Self.bytes(folder + "/b/final/model.safetensors"))
        #expect(running != Self.bytes(folder + "/tree/final/model.safetensors"))
    }

    /// `rlvr sweep` under mpirun: each rank trains every second run alone (no gradient traffic), to
    /// the weights one process gives the same run; rank 0 writes the summary of all. More ranks than
    /// runs is refused.
    @Test func sweepRunsAreSharedOverRanks() throws {
        let (folder, config) = try SweepCommandTests.base()
        let grid = ["--grid", "optimizer.lr=1e-3,1e-2", "--grid", "training.batch_size=1,2"]
        let two = try Self.run(["sweep", "--config", config, "--out", folder + "/two"] + grid, ranks: 2)
        #expect(two.status == 0, "\(two.output)")
        let summary = try String(contentsOfFile: folder + "/two/sweep.md", encoding: .utf8)
        #expect(summary.components(separatedBy: "| done |").count == 5, "\(summary)")
        #expect(two.output.components(separatedBy: ": sft").count == 5, "each run trained once: \(two.output)")
        let alone = try Self.run(["sweep", "--config", config, "--out", folder + "/alone", "--shard", "2/4"] + grid, ranks: 0)
        #expect(alone.status == 0, "\(alone.output)")
        let run = "/runs/lr=1e-3_batch_size=2/final/model.safetensors"
        #expect(Self.bytes(folder + "/alone" + run) != nil)
        #expect(Self.bytes(folder + "/alone" + run) == Self.bytes(folder + "/two" + run))
        let tooMany = try Self.run(["sweep", "--config", config, "--out", folder + "/many", "--grid", "optimizer.lr=1e-3,1e-2"], ranks: 4)
        #expect(tooMany.status != 0 && tooMany.output.contains("4 processes share 2 runs"), "\(tooMany.output)")
    }

    @Test func aRankCountThatIsNotAPowerOfTwoIsRefused() throws {
        let (folder, config) = try Self.setup("sft", steps: 1)
        let three = try Self.run(["sft", "--config", config, "--out", folder + "/three"], ranks: 3)
        #expect(three.status != 0)
        #expect(three.output.contains("power of two"), "\(three.output)")
    }
}

private let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
private let realModel = "models/SmolLM2-135M-Instruct.Q4_1.gguf"
private let realModelPresent = FileManager.default.fileExists(atPath: packageRoot.appendingPathComponent(realModel).path)

/// The shipped tiny configs on SmolLM2-135M, two ranks × 1 thread against one process × 2 threads.
@Suite(.serialized, .enabled(if: realModelPresent, "\(realModel) is absent: run `make model`"))
struct TinyConfigsOnTwoRanksTests {
    static func run(_ arguments: [String], ranks: Int) throws -> DistributedRunTests.Outcome {
        try DistributedRunTests.run(arguments + ["--set", "threads=\(ranks == 0 ? 2 : 1)"], ranks: ranks, in: packageRoot)
    }

    @Test(arguments: [
        ("sft", ["--set", "training.max_steps=2"]),
        // the demo's model is not built in CI: the same config on SmolLM2-135M, 2 micro-batches per minibatch
        // (one PPO step: 32 responses in 4 micro-batches, 2 per rank; no held-out pass, to keep CI short)
        ("ppo", ["--set", "model.path=\(realModel)", "--set", "training.max_steps=1", "--set", "training.micro_batch_size=8",
                 "--set", "rollout.max_response_length=12", "--set", "output.eval_every=0", "--set", "data.eval=null",
                 "--set", "algorithm.ppo_epochs=1", "--set", "algorithm.minibatches=1"]),
    ])
    func tinyConfigMatchesOneProcess(stage: String, settings: [String]) throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }   // two 538 MB final/ folders
        let common = [stage, "--config", "configs/tiny/\(stage).yaml", "--set", "output.save_every=0"] + settings
        let one = try Self.run(common + ["--out", folder + "/one"], ranks: 0)
        #expect(one.status == 0, "\(one.output)")
        let two = try Self.run(common + ["--out", folder + "/two"], ranks: 2)
        #expect(two.status == 0, "\(two.output)")
        let weights = DistributedRunTests.bytes(folder + "/one/final/model.safetensors")
        #expect(weights != nil)
        #expect(weights == DistributedRunTests.bytes(folder + "/two/final/model.safetensors"))
        #expect(try DistributedRunTests.timeless(folder + "/one") == DistributedRunTests.timeless(folder + "/two"))
    }
}
