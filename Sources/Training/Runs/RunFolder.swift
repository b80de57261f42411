import Checkpoints
import Foundation
import Kernels
import LlamaModel
import ModelIO

/// A run's folder: the resolved config, `metrics.jsonl` (one object per optimizer step), periodic
/// checkpoints `checkpoints/step-N/` written whole into a temporary folder and renamed into place (a
/// killed run never leaves a half-written checkpoint), and `final/` as a Hugging Face folder.
public struct RunFolder: Sendable {
    public let path: String
    /// Metrics lines also go to TensorBoard event files under `tensorboard/` (`output.tensorboard`).
    public let writesTensorBoard: Bool

    public init(path: String, tensorboard: Bool = false) throws {
        self.path = path
        writesTensorBoard = tensorboard
        try FileManager.default.createDirectory(atPath: path + "/checkpoints", withIntermediateDirectories: true)
    }

    public var tensorBoardFolder: String { path + "/tensorboard" }

    public var metricsPath: String { path + "/metrics.jsonl" }

    /// What a run leaves in its folder (besides per-step logs such as samples.jsonl).
    static let runEntries = ["config.yaml", "metrics.jsonl", "final", "value"]

    /// True when `path` holds (part of) a run: its config, metrics, a checkpoint or results.
    public static func holdsRun(_ path: String) -> Bool {
        runEntries.contains { FileManager.default.fileExists(atPath: path + "/" + $0) } || !checkpointSteps(in: path).isEmpty
    }

    /// Removes an earlier run's files (so that a later `--resume` cannot pick up its checkpoints).
    func clearPreviousRun(stepLogs: [String]) throws {
        for entry in Self.runEntries + ["checkpoints", "tensorboard", "report.html", "memory_plan.json"] + stepLogs.map({ ($0 as NSString).lastPathComponent }) {
            let item = path + "/" + entry
            if FileManager.default.fileExists(atPath: item) { try FileManager.default.removeItem(atPath: item) }
        }
        try FileManager.default.createDirectory(atPath: path + "/checkpoints", withIntermediateDirectories: true)
    }

    /// Resumable state next to the weights and AdamW moments.
    public struct TrainerState: Codable, Equatable, Sendable {
        public var step: Int
        /// Examples consumed so far (the data cursor, across epochs).
        public var examplesSeen: Int
        public var seed: UInt64
        /// RL's difficulty curriculum (`rollout.skip_settled_after`; nil when off).
        public var promptVisits: PromptVisits?
        /// RL's dynamic sampling so far: groups kept and groups that ended (the rate that sets how far
        /// each step draws ahead; nil when off).
        public var groupsKept: Int?
        public var groupsEnded: Int?

        public init(step: Int, examplesSeen: Int, seed: UInt64, promptVisits: PromptVisits? = nil) {
            (self.step, self.examplesSeen, self.seed, self.promptVisits) = (step, examplesSeen, seed, promptVisits)
        }
    }

    /// memory_plan.json: the parts the run planned before its first step, in bytes (per rank).
    public func writeMemoryPlan(_ parts: [(what: String, bytes: Int)]) throws {
        let object: [String: Any] = ["parts": parts.map { ["what": $0.what, "bytes": $0.bytes] as [String: Any] },
                                     "total_bytes": parts.reduce(0) { $0 + $1.bytes }]
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        try AtomicFile.write(to: path + "/memory_plan.json") { sink in try data.withUnsafeBytes { try sink.write($0) } }
    }

    public func writeConfig(_ text: String) throws {
        try AtomicFile.write(to: path + "/config.yaml") { sink in try Data(text.utf8).withUnsafeBytes { if !$0.isEmpty { try sink.write($0) } } }
    }

    /// Appends one metrics line (flushed: a killed run loses at most the line being written).
    public func appendMetrics(_ object: [String: Any]) throws {
        var line = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        line.append(UInt8(ascii: "\n"))
        if !FileManager.default.fileExists(atPath: metricsPath) { _ = FileManager.default.createFile(atPath: metricsPath, contents: nil) }
        guard let handle = FileHandle(forWritingAtPath: metricsPath) else { throw CheckpointError(file: metricsPath, field: "", problem: "cannot be opened") }
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: line)
        if writesTensorBoard { try TensorBoardLog(folder: tensorBoardFolder).append(metrics: object) }
    }

    /// Keeps only the metrics of steps ≤ `step` (when resuming from a checkpoint older than the log);
    /// TensorBoard is told to drop the later steps it has read.
    public func truncateMetrics(after step: Int) throws {
        try truncateLines(of: metricsPath, after: step)
        if writesTensorBoard { try TensorBoardLog(folder: tensorBoardFolder).restart(after: step) }
    }

    /// Keeps only the JSONL lines of `file` whose "step" is ≤ `step` (a torn last line goes too).
    public func truncateLines(of file: String, after step: Int) throws {
        guard let data = FileManager.default.contents(atPath: file) else { return }
        let kept = data.split(separator: UInt8(ascii: "\n")).filter { line in
            ((try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any])?["step"] as? Int ?? .max <= step
        }
        var out = Data()
        for line in kept { out.append(contentsOf: line); out.append(UInt8(ascii: "\n")) }
        try AtomicFile.write(to: file) { sink in try out.withUnsafeBytes { if !$0.isEmpty { try sink.write($0) } } }
    }

    /// A trained model with its optimizer and heads: one part of a checkpoint. The policy is the
    /// unnamed part (the checkpoint folder itself); others (RLVR's value model) get a subfolder.
    public struct Part {
        public var subfolder: String?
        public var model: LlamaModel
        public var optimizer: AdamW
        public var heads: [HeadParameters]
        /// Under LoRA, the base model the adapters belong to (recorded in each checkpoint's
        /// adapter_config.json, so a checkpoint loads, or evaluates, on its own).
        public var baseModel: String?
        public init(subfolder: String? = nil, model: LlamaModel, optimizer: AdamW, heads: [HeadParameters] = [], baseModel: String? = nil) {
            self.subfolder = subfolder
            self.baseModel = baseModel.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
            self.model = model
            self.optimizer = optimizer
            self.heads = heads
        }
    }

    /// Writes weights, optimizer moments and state as `checkpoints/step-N`, atomically, and keeps the newest `keep`.
    public func saveCheckpoint(parts: [Part], state: TrainerState, keep: Int, interruptAfterWeights: Bool = false) throws {
        let final = path + "/checkpoints/step-\(state.step)"
        let temporary = path + "/checkpoints/.tmp-step-\(state.step)"
        try? FileManager.default.removeItem(atPath: temporary)
        for part in parts {
            let folder = part.subfolder.map { temporary + "/" + $0 } ?? temporary
            if let adapters = part.model.adapters {
                // the base is the run's model.path, frozen: a checkpoint holds the adapters alone
                try LoRAAdapterFiles.save(adapters, to: folder, baseModel: part.baseModel)
            } else {
                try LlamaCheckpoint.save(part.model, to: folder)
            }
            let count = part.optimizer.firstMoment.count
            try SafetensorsWriter.write([
                SafetensorsTensorToWrite(name: "adamw.m", shape: [count], values: UnsafeBufferPointer(start: part.optimizer.firstMoment.pointer, count: count)),
                SafetensorsTensorToWrite(name: "adamw.v", shape: [count], values: UnsafeBufferPointer(start: part.optimizer.secondMoment.pointer, count: count)),
            ] + part.heads.flatMap(Self.headTensors), metadata: ["adamw_step": String(part.optimizer.step)], to: folder + "/optimizer.safetensors")
        }
        if interruptAfterWeights { throw CheckpointError(file: temporary, field: "", problem: "interrupted while writing (test hook)") }
        let stateData = try JSONEncoder().encode(state)
        try AtomicFile.write(to: temporary + "/state.json") { sink in try stateData.withUnsafeBytes { try sink.write($0) } }
        try? FileManager.default.removeItem(atPath: final)
        try FileManager.default.moveItem(atPath: temporary, toPath: final)
        let steps = checkpointSteps()
        for old in steps.dropLast(keep) { try? FileManager.default.removeItem(atPath: path + "/checkpoints/step-\(old)") }
    }

    /// A head's weights and moments, stored beside the model's moments.
    static func headTensors(_ head: HeadParameters) -> [SafetensorsTensorToWrite] {
        [(head.name, head.values), (head.name + ".adamw.m", head.optimizer.firstMoment), (head.name + ".adamw.v", head.optimizer.secondMoment)].map {
            SafetensorsTensorToWrite(name: $0.0, shape: $0.0 == head.name ? head.shape : [$0.1.count],
                                     values: UnsafeBufferPointer(start: $0.1.pointer, count: $0.1.count))
        }
    }

    /// Steps of the complete checkpoints in the run folder `path`, ascending.
    public static func checkpointSteps(in path: String) -> [Int] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path + "/checkpoints")) ?? [])
            .compactMap { $0.hasPrefix("step-") ? Int($0.dropFirst(5)) : nil }.sorted()
    }

    /// Steps of the complete checkpoints present, ascending.
    public func checkpointSteps() -> [Int] { Self.checkpointSteps(in: path) }

    /// Loads the newest checkpoint into every part; nil when there is none.
    public func restoreLatest(parts: [Part]) throws -> TrainerState? {
        guard let step = checkpointSteps().last else { return nil }
        return try restore(step: step, parts: parts)
    }

    /// Loads checkpoint `step` into every part.
    public func restore(step: Int, parts: [Part]) throws -> TrainerState {
        let checkpoint = path + "/checkpoints/step-\(step)"
        guard FileManager.default.fileExists(atPath: checkpoint + "/state.json") else {
            throw CheckpointError(file: checkpoint, field: "", problem: "missing (the run folder must be the same on every rank: a shared file system)")
        }
        for part in parts {
            let folder = part.subfolder.map { checkpoint + "/" + $0 } ?? checkpoint
            try Self.restore(part, from: folder, step: step)
        }
        guard let data = FileManager.default.contents(atPath: checkpoint + "/state.json") else {
            throw CheckpointError(file: checkpoint + "/state.json", field: "", problem: "missing")
        }
        return try JSONDecoder().decode(TrainerState.self, from: data)
    }

    private static func restore(_ part: Part, from folder: String, step: Int) throws {
        let (model, optimizer, heads) = (part.model, part.optimizer, part.heads)
        if let adapters = model.adapters {
            guard LoRAAdapterFiles.isAdapterFolder(folder) else {
                throw CheckpointError(file: folder, field: "", problem: "holds full weights, but this run trains LoRA adapters (model.lora)")
            }
            let saved = try LoRAAdapterFiles.load(folder: folder, config: model.config)
            guard saved.parameters.count == adapters.parameters.count, saved.targets == adapters.targets, saved.scale == adapters.scale else {
                throw CheckpointError(file: folder, field: LoRAAdapterFiles.configName,
                                      problem: "holds adapters of rank \(saved.rank) on \(saved.targets.map(\.rawValue)), this run's are rank \(adapters.rank) on \(adapters.targets.map(\.rawValue))")
            }
            adapters.parameters.copy(from: saved.parameters)
        } else {
            guard !LoRAAdapterFiles.isAdapterFolder(folder) else {
                throw CheckpointError(file: folder, field: "", problem: "holds LoRA adapters, but this run trains the full model (no model.lora)")
            }
            let saved = try LlamaCheckpoint.load(folder)
            guard saved.layout.count == model.layout.count else {
                throw CheckpointError(file: folder, field: "", problem: "holds \(saved.layout.count) parameters, the model being trained has \(model.layout.count)")
            }
            model.parameters.copy(from: saved.parameters)
        }
        let momentsPath = folder + "/optimizer.safetensors"
        let moments = try SafetensorsFile(path: momentsPath)
        var stored = [("adamw.m", optimizer.firstMoment.buffer), ("adamw.v", optimizer.secondMoment.buffer)]
        for head in heads {
            stored += [(head.name, head.values.buffer), (head.name + ".adamw.m", head.optimizer.firstMoment.buffer),
                       (head.name + ".adamw.v", head.optimizer.secondMoment.buffer)]
        }
        for (name, buffer) in stored {
            guard let info = moments.info(name) else { throw CheckpointError(file: momentsPath, field: name, problem: "missing tensor") }
            guard info.elementCount == buffer.count else {
                throw CheckpointError(file: momentsPath, field: name, problem: "holds \(info.elementCount) values, expected \(buffer.count)")
            }
            try moments.readFloats(info, into: buffer)
        }
        let adamStep = Int(moments.metadata["adamw_step"] ?? "") ?? step
        optimizer.restore(step: adamStep)
        for head in heads { head.optimizer.restore(step: adamStep) }
    }
}
