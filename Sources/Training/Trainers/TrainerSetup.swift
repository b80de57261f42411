import Collectives
import Foundation
import Generation
import Kernels
import LlamaModel
import ModelIO
import RunConfig
import Tokenization

/// What every trainer loads first: the model, its tokenizer and chat template, and the longest
/// sequence it will see.
struct TrainerSetup {
    let modelPath: String
    let trainPath: String
    let model: LlamaModel
    let tokenizer: BPETokenizer
    let template: ChatTemplate
    /// `data.max_length`, capped by the model's context.
    let maxLength: Int

    /// `startingModel` (a benchmark's random-weight architecture) replaces the weights at
    /// `model.path`; the tokenizer and template still come from there.
    init(config: RunConfiguration, startingModel: (() throws -> LlamaModel)? = nil) throws {
        // ranks on one machine share its cores: by default each takes its part of them
        ComputeThreads.configure(config.threads ?? ProcessGroup.current.defaultThreads)
        guard let modelPath = config.model.path else { throw TrainerError("model.path: required") }
        guard let trainPath = config.data.train else { throw TrainerError("data.train: required") }
        for (key, path) in [("data.train", trainPath), ("data.eval", config.data.eval)] {
            if let path, !FileManager.default.fileExists(atPath: path) { throw TrainerError("\(key): \(path): no such file") }
        }
        self.modelPath = modelPath
        self.trainPath = trainPath
        model = try startingModel?() ?? LlamaCheckpoint.load(modelPath)
        // a LoRA folder as the starting model (an earlier stage's final/): its adapters become part
        // of the weights this run starts from (and, under model.lora, trains new adapters on)
        model.mergeAdapters()
        if config.model.lora.enabled {
            model.adapters = LoRAAdapters.make(for: model.config, section: config.model.lora, seed: UInt64(config.seed))
        }
        if config.model.baseDType == .bf16 { try model.storeBaseInBF16() }
        let tokenizer = try BPETokenizer.load(checkpoint: modelPath)
        if startingModel != nil, tokenizer.tokens.count > model.config.vocabSize {
            throw TrainerError("model.path: \(modelPath): its tokenizer has \(tokenizer.tokens.count) tokens, more than the model's vocabulary (\(model.config.vocabSize))")
        }
        self.tokenizer = tokenizer
        let eos = tokenizer.eosTokenID.map { tokenizer.tokens[Int($0)] } ?? "</s>"
        template = try ChatTemplate.resolve(name: config.model.chatTemplate.rawValue, checkpointTemplate: tokenizer.chatTemplate, eosToken: eos)
        maxLength = min(config.data.maxLength, model.config.maxPositionEmbeddings)
    }

    /// Activations sized for the largest micro-batch the data can form (the `micro` longest
    /// sequences packed together), not for `micro × max_length`: memory is planned from the data
    /// before the run, and short data sets do not pay for the configured limit.
    static func activations(for config: LlamaConfig, lengths: [Int], micro: Int) -> LlamaActivations {
        let longestFirst = lengths.sorted(by: >)
        let capacity = max(1, longestFirst.prefix(micro).reduce(0, +))
        return LlamaActivations(config: config, capacity: capacity, longestSequence: max(1, longestFirst.first ?? 1))
    }

    /// Training and held-out items: `data.eval` read with `read` when given, else ⌈fraction·n⌉ items
    /// chosen by a seeded key (a pure function of the seed) held out, both parts in file order.
    static func split<Item>(_ items: [Item], fraction: Double, seed: UInt64) -> ([Item], [Item]) {
        guard fraction > 0, items.count > 1 else { return (items, []) }
        let held = min(items.count - 1, Int((fraction * Double(items.count)).rounded(.up)))
        let keys = items.indices.map { CounterRNG.bits(seed: seed, prompt: -1, sample: 0, position: $0) }
        let heldOut = Set(items.indices.sorted { (keys[$0], $0) < (keys[$1], $1) }.prefix(held))
        return (items.indices.filter { !heldOut.contains($0) }.map { items[$0] }, heldOut.sorted().map { items[$0] })
    }

    /// Writes a trained model as a folder transformers loads: the weights (config.json,
    /// model.safetensors), or under LoRA the adapters in PEFT's layout naming the base by its
    /// absolute path; then the tokenizer and generation files.
    func saveModel(_ model: LlamaModel, to folder: String) throws {
        if let adapters = model.adapters {
            let base = URL(fileURLWithPath: modelPath).standardizedFileURL.path
            try LoRAAdapterFiles.save(adapters, to: folder, baseModel: base)
        } else {
            try LlamaCheckpoint.save(model, to: folder)
        }
        try saveTokenizer(to: folder)
    }

    /// Writes the tokenizer and generation files beside a saved model (`HuggingFaceFolderFiles`):
    /// the source folder's own files when it has them (byte for byte), else written from the loaded
    /// tokenizer and config (a GGUF source).
    func saveTokenizer(to folder: String) throws {
        var sourceFolder: String?
        if !modelPath.hasSuffix(".gguf") {
            var isDirectory: ObjCBool = false
            sourceFolder = FileManager.default.fileExists(atPath: modelPath, isDirectory: &isDirectory) && isDirectory.boolValue
                ? modelPath : (modelPath as NSString).deletingLastPathComponent
        }
        try HuggingFaceFolderFiles.write(to: folder, config: model.config, tokenizer: tokenizer, sourceFolder: sourceFolder)
    }
}

/// Forward passes over packed micro-batches of tokenized examples.
extension LlamaModel {
    /// Forward of one packed micro-batch: log p of each row's next token (in `activations.logProb`),
    /// and whether that token is trained. Row r predicts token r + 1 of its sequence.
    func trainedLogProbs(_ micro: [TokenizedExample], activations: LlamaActivations) throws -> (logProbs: [Float], trained: [Bool]) {
        let tokens = micro.flatMap(\.tokens)
        var targets: [Int32] = [], trained: [Bool] = []
        targets.reserveCapacity(tokens.count)
        trained.reserveCapacity(tokens.count)
        for example in micro {
            for i in 0..<example.tokens.count {
                let hasNext = i + 1 < example.tokens.count
                targets.append(hasNext ? example.tokens[i + 1] : -1)
                trained.append(hasNext && example.trained[i + 1])
            }
        }
        try forward(tokens: tokens, sequences: PackedSequences(lengths: micro.map(\.tokens.count)), activations: activations)
        try tokenLogProbs(targets: targets, activations: activations)
        return ((0..<tokens.count).map { activations.logProb[$0] }, trained)
    }

    /// Σ log p over each example's trained tokens, in Double, in row order (for preference losses).
    func responseLogProbs(_ micro: [TokenizedExample], activations: LlamaActivations) throws -> [Double] {
        let (logProbs, trained) = try trainedLogProbs(micro, activations: activations)
        return Self.trainedSums(logProbs, trained, lengths: micro.map(\.tokens.count))
    }

    /// Σ of the trained rows' log-probs of each packed sequence.
    static func trainedSums(_ logProbs: [Float], _ trained: [Bool], lengths: [Int]) -> [Double] {
        var row = 0
        return lengths.map { length in
            var sum = 0.0
            for r in row..<(row + length) where trained[r] { sum += Double(logProbs[r]) }
            row += length
            return sum
        }
    }
}

extension Array {
    /// Consecutive runs of `size` elements (the last may be shorter).
    func chunked(_ size: Int) -> [[Element]] {
        stride(from: 0, to: count, by: size).map { Array(self[$0..<Swift.min(count, $0 + size)]) }
    }
}
