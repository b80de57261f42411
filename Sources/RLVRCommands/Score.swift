import ArgumentParser
import Foundation
import Kernels
import LlamaModel
import ModelIO
import Tokenization

struct Score: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Per-token log-probabilities of a sequence under a model.",
        discussion: """
        For each token after the first: its log-probability given the tokens before it, its rank among \
        all tokens (1 = most likely) and the five most likely alternatives; then the most likely next \
        tokens. --text is tokenized with the checkpoint's tokenizer (no BOS is added, as SmolLM2 adds none).
        """
    )

    @Option(help: "A .gguf file, a .safetensors file or a Hugging Face model folder.")
    var model: String

    @Option(help: "A LoRA adapter folder (Hugging Face PEFT: adapter_config.json, adapter_model.safetensors) to apply to --model.")
    var adapter: String?

    @Option(parsing: .unconditional, help: "Comma-separated token ids, e.g. 504,3575,282.")
    var tokens: String?

    @Option(parsing: .unconditional, help: "Text to tokenize and score.")
    var text: String?

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        if (tokens == nil) == (text == nil) { throw ValidationError("give exactly one of --tokens or --text") }
    }

    func run() throws {
        compute.apply()
        let ids: [Int32]
        if let tokens {
            ids = try Self.parseTokens(tokens)
        } else {
            ids = try BPETokenizer.load(checkpoint: model).encode(text ?? "")
            guard !ids.isEmpty else { throw InputError("--text: the text has no tokens") }
        }
        let llama = try LlamaCheckpoint.load(model, adapter: adapter)
        let vocabulary = try TokenVocabulary.load(checkpoint: model)
        let report = try ScoreReport(model: llama, tokens: ids, vocabulary: vocabulary)
        print(json ? try report.json(modelPath: model) : report.table())
    }

    static func parseTokens(_ text: String, option: String = "--tokens") throws -> [Int32] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        var ids: [Int32] = []
        for (index, part) in parts.enumerated() {
            guard let id = Int32(part), id >= 0 else {
                throw InputError("\(option): item \(index + 1) is \"\(part)\", expected a non-negative integer token id")
            }
            ids.append(id)
        }
        guard !ids.isEmpty else { throw InputError("\(option): expected at least one token id") }
        return ids
    }
}

/// Every position's log-probability, rank and top-5 alternatives.
public struct ScoreReport: Codable {
    public struct Alternative: Codable, Equatable {
        public var id: Int
        public var text: String
        public var logprob: Double
    }

    public struct Position: Codable {
        public var position: Int
        public var id: Int
        public var text: String
        /// nil for the first token (nothing predicts it).
        public var logprob: Double?
        public var rank: Int?
        public var top5: [Alternative]
    }

    public var positions: [Position]
    /// The five most likely tokens after the last one.
    public var next: [Alternative]
    public var totalLogprob: Double
    public var perplexity: Double

    public init(model: LlamaModel, tokens: [Int32], vocabulary: TokenVocabulary?) throws {
        let activations = LlamaActivations(config: model.config, capacity: tokens.count, longestSequence: tokens.count)
        try model.forward(tokens: tokens, sequences: PackedSequences(lengths: [tokens.count]), activations: activations)
        try model.tokenLogProbs(targets: Array(tokens.dropFirst()) + [-1], activations: activations)
        let logits = model.logits(activations: activations)
        let vocab = model.config.vocabSize
        func text(_ id: Int) -> String { vocabulary?.text(of: id) ?? "" }
        var positions: [Position] = [Position(position: 0, id: Int(tokens[0]), text: text(Int(tokens[0])), logprob: nil, rank: nil, top5: [])]
        func topFive(after t: Int) -> [Alternative] {
            let row = logits[(t * vocab)..<((t + 1) * vocab)]
            let logZ = Double(activations.logZ[t])
            return row.indices.sorted { (row[$0], -$0) > (row[$1], -$1) }.prefix(5)
                .map { Alternative(id: $0 - t * vocab, text: text($0 - t * vocab), logprob: Double(row[$0]) - logZ) }
        }
        var total = 0.0
        for t in 1..<max(1, tokens.count) {
            let target = Int(tokens[t])
            let targetLogit = logits[(t - 1) * vocab + target]
            let logprob = Double(activations.logProb[t - 1])
            let rank = 1 + logits[((t - 1) * vocab)..<(t * vocab)].reduce(0) { $0 + ($1 > targetLogit ? 1 : 0) }
            positions.append(Position(position: t, id: target, text: text(target), logprob: logprob, rank: rank, top5: topFive(after: t - 1)))
            total += logprob
        }
        self.positions = positions
        next = topFive(after: tokens.count - 1)
        totalLogprob = total
        perplexity = tokens.count > 1 ? exp(-total / Double(tokens.count - 1)) : 1
    }

    public func json(modelPath: String) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    public func table() -> String {
        func shown(_ text: String) -> String {
            "\"" + text.replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\t", with: "\\t") + "\""
        }
        var lines = ["pos     id  token                 logprob   rank  top-5 alternatives"]
        for p in positions {
            let token = shown(p.text).padding(toLength: 20, withPad: " ", startingAt: 0)
            let logprob = p.logprob.map { String(format: "%9.4f", $0) } ?? "        —"
            let rank = p.rank.map { String(format: "%6d", $0) } ?? "     —"
            let alternatives = p.top5.map { "\(shown($0.text)) \(String(format: "%.3f", $0.logprob))" }.joined(separator: "  ")
            lines.append(String(format: "%3d %6d", p.position, p.id) + "  \(token)  \(logprob)  \(rank)  \(alternatives)")
        }
        lines.append("next token: " + next.map { "\(shown($0.text)) \(String(format: "%.3f", $0.logprob))" }.joined(separator: "  "))
        lines.append(String(format: "total log-prob %.4f over %d predicted tokens, perplexity %.3f", totalLogprob, max(0, positions.count - 1), perplexity))
        return lines.joined(separator: "\n")
    }
}
