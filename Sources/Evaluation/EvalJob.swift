import Checkpoints
import Foundation
import LlamaModel
import ModelIO
import Tokenization

/// An evaluation of a model on disk into an output folder, as `rlvr eval` and the pipeline's
/// `evaluate:` stages run it: the model loaded once, the folder's cache reused when the weights and
/// settings are the same, every task run and `results.json` written.
public struct EvalJob {
    public var modelPath: String
    /// Where the tokenizer is read from (nil: beside the weights). Run checkpoints keep no tokenizer;
    /// their run's `final/` has it.
    public var tokenizerPath: String?
    /// A LoRA adapter folder applied to the model (`--adapter`).
    public var adapterPath: String?
    /// Chat template name: auto (the checkpoint's), chatml, tulu or plain.
    public var templateName: String
    public var tasks: [any EvalTask]
    public var settings: EvalSettings
    public var limit: Int?
    /// Only this part of every task's documents (after `limit`); nil: all of them.
    public var shard: EvalShard?
    public var data: BenchmarkData
    /// Output folder (nil: nothing written, nothing resumed).
    public var out: String?
    public var overwrite: Bool
    public var progress: ((EvalProgress) -> Void)?

    public init(modelPath: String, templateName: String = "auto", tasks: [any EvalTask], settings: EvalSettings, limit: Int? = nil,
                data: BenchmarkData, out: String? = nil, overwrite: Bool = false) {
        self.modelPath = modelPath
        self.templateName = templateName
        self.tasks = tasks
        self.settings = settings
        self.limit = limit
        self.data = data
        self.out = out
        self.overwrite = overwrite
    }

    /// Runs every task; prompts of all tasks are built before any scoring, so a bad file or setting
    /// stops the job before it spends time.
    public func run() throws -> EvalReport {
        let path = Self.modelPath(modelPath)
        let model = try LlamaCheckpoint.load(path, adapter: adapterPath)
        let tokenizer = try BPETokenizer.load(checkpoint: tokenizerPath ?? path)
        var template: ChatTemplate?
        if settings.chat {
            guard templateName != "auto" || tokenizer.chatTemplate != nil else {
                throw EvalError("\(path): the checkpoint has no chat template; choose one with --template (chatml, tulu, plain) or evaluate without --chat")
            }
            let eos = tokenizer.eosTokenID.map { tokenizer.tokens[Int($0)] } ?? "</s>"
            template = try ChatTemplate.resolve(name: templateName, checkpointTemplate: tokenizer.chatTemplate, eosToken: eos)
        }
        let eosTokens = Set(model.config.eosTokenIDs.map(Int32.init) + (tokenizer.eosTokenID.map { [$0] } ?? []))
        let digest = try Self.weightsDigest(path, adapter: adapterPath)
        let store = try out.map { try Self.prepare(folder: $0, settings: settings, digest: digest, overwrite: overwrite) }
        let runner = try EvalRunner(model: model, tokenizer: tokenizer, template: template, eosTokens: eosTokens, data: data,
                                    settings: settings, modelSHA256: digest, store: store)
        runner.progress = progress
        let prepared = try tasks.map { task in
            let items = try runner.items(task, limit: limit)
            return (task, shard.map { $0.select(items) } ?? items)
        }
        let results = try prepared.map { try runner.run($0.0, items: $0.1) }
        let report = EvalReport(model: modelPath, modelSHA256: digest, settings: settings, results: results)
        if let out { try report.write(to: out + "/results.json") }
        return report
    }

    /// The saved steps of a run folder (`checkpoints/step-N`, ascending) and its `final/`, each with
    /// its label; an error when `path` is not a run folder.
    public static func runCheckpoints(_ path: String) throws -> [(label: String, path: String)] {
        let manager = FileManager.default
        let steps = ((try? manager.contentsOfDirectory(atPath: path + "/checkpoints")) ?? [])
            .compactMap { $0.hasPrefix("step-") ? Int($0.dropFirst(5)) : nil }.sorted()
        var found = steps.map { (label: "step \($0)", path: path + "/checkpoints/step-\($0)") }
        if manager.fileExists(atPath: path + "/final/config.json") || LoRAAdapterFiles.isAdapterFolder(path + "/final") {
            found.append((label: "final", path: path + "/final"))
        }
        guard !found.isEmpty else { throw EvalError("\(path): not a run folder with checkpoints (expected checkpoints/step-N or final/)") }
        return found
    }

    /// A run folder's `final/`, else the path itself.
    public static func modelPath(_ path: String) -> String {
        var isFolder: ObjCBool = false
        let final = path + "/final"
        if FileManager.default.fileExists(atPath: final, isDirectory: &isFolder), isFolder.boolValue { return final }
        return path
    }

    /// SHA-256 of the weights: of the file itself, or of a folder's one .safetensors/.gguf file (with
    /// several, of their digests joined by newlines, in name order). With a LoRA adapter (given, or
    /// the folder being one), of the base's and the adapter's digests joined by a newline.
    public static func weightsDigest(_ path: String, adapter: String? = nil) throws -> String {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { throw EvalError("\(path): no such file or folder") }
        if adapter == nil, LoRAAdapterFiles.isAdaptersOnly(path) {
            return try weightsDigest(LoRAAdapterFiles.baseModel(of: path), adapter: path)
        }
        guard let adapter else { return try filesDigest(path, isFolder: isFolder.boolValue) }
        return SHA256.hex(Array((try filesDigest(path, isFolder: isFolder.boolValue) + "\n" + filesDigest(adapter, isFolder: true)).utf8))
    }

    /// SHA-256 of a file, or of a folder's .safetensors/.gguf files.
    private static func filesDigest(_ path: String, isFolder: Bool) throws -> String {
        let files = isFolder
            ? ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).filter { $0.hasSuffix(".safetensors") || $0.hasSuffix(".gguf") }.sorted().map { path + "/" + $0 }
            : [path]
        if files.count == 1 { return try SHA256.hex(file: files[0]) }
        return SHA256.hex(Array(try files.map { try SHA256.hex(file: $0) }.joined(separator: "\n").utf8))
    }

    /// The output folder with its settings checked against an earlier run's (resume) or cleared (`overwrite`).
    public static func prepare(folder: String, settings: EvalSettings, digest: String, overwrite: Bool) throws -> SampleStore {
        let manager = FileManager.default
        do {
            try manager.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw EvalError("\(folder): cannot create the output folder (\(Self.reason(creating: folder, error as NSError)))")
        }
        let settingsFile = folder + "/eval_settings.json", samples = folder + "/samples.jsonl"
        let identity = EvalIdentity(modelSHA256: digest, settings: settings)
        if overwrite {
            for name in ["samples.jsonl", "results.json", "eval_settings.json"] { try? manager.removeItem(atPath: folder + "/" + name) }
        } else if let data = manager.contents(atPath: settingsFile) {
            guard let earlier = try? JSONDecoder().decode(EvalIdentity.self, from: data) else {
                throw EvalError("\(settingsFile): not an rlvr eval settings file; choose another output folder or overwrite it")
            }
            if earlier != identity {
                throw EvalError("\(folder) holds an evaluation with other \(earlier.modelSHA256 == digest ? "settings" : "weights") "
                                + "(\(earlier.difference(from: identity))); overwrite it (--overwrite) or choose another output folder")
            }
        } else if manager.fileExists(atPath: samples) {
            throw EvalError("\(samples) exists without eval_settings.json; overwrite it (--overwrite) or choose another output folder")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let bytes = try encoder.encode(identity)
        try AtomicFile.write(to: settingsFile) { sink in try bytes.withUnsafeBytes { try sink.write($0) } }
        return try SampleStore(path: samples)
    }
}

extension EvalJob {
    /// Why a folder could not be made, in words: a file in the way, or the system's reason.
    static func reason(creating folder: String, _ error: NSError) -> String {
        var ancestor = (folder as NSString).deletingLastPathComponent
        var isFolder: ObjCBool = false
        while !ancestor.isEmpty && ancestor != "/" && !FileManager.default.fileExists(atPath: ancestor, isDirectory: &isFolder) {
            ancestor = (ancestor as NSString).deletingLastPathComponent
        }
        if !ancestor.isEmpty, FileManager.default.fileExists(atPath: ancestor, isDirectory: &isFolder), !isFolder.boolValue {
            return "\(ancestor) is a file, not a folder"
        }
        if let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return "file system error \(error.code)"
    }
}

/// What must match for an output folder's samples to be reused.
public struct EvalIdentity: Codable, Equatable {
    public var modelSHA256: String
    public var settings: EvalSettings

    enum CodingKeys: String, CodingKey { case modelSHA256 = "model_sha256", settings }

    func difference(from other: EvalIdentity) -> String {
        if modelSHA256 != other.modelSHA256 { return "SHA-256 \(modelSHA256.prefix(12))… there, \(other.modelSHA256.prefix(12))… now" }
        return "there: \(settings.summary), now: \(other.settings.summary)"
    }
}

extension EvalSettings {
    /// One line: format, chat, shots, sampling.
    public var summary: String {
        "\(format.rawValue), \(chat ? "chat" : "plain"), shots \(shots.map(String.init) ?? "default"), "
            + (samples > 1 ? "\(samples) samples at temperature \(temperature), seed \(seed)" : "greedy")
            + (maxNewTokens.map { ", at most \($0) new tokens" } ?? "")
    }
}
