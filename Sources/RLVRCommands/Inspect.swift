import ArgumentParser
import Foundation
import ModelIO

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Describe a checkpoint: architecture, sizes, tokenizer, tensors.",
        discussion: "PATH is a .gguf file, a .safetensors file, a Hugging Face model folder (config.json + model.safetensors) or a PEFT LoRA adapter folder (adapter_config.json + adapter_model.safetensors)."
    )

    @Argument(help: "The checkpoint to inspect.")
    var path: String

    @Flag(help: "List every tensor with its type and shape.")
    var tensors = false

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func run() throws {
        let summary = try ModelSummary(inspecting: path)
        print(json ? try InspectReport.json(summary, includeTensors: tensors) : InspectReport.text(summary, includeTensors: tensors))
    }
}

/// Renders a `ModelSummary` for people (aligned text) or programs (JSON).
public enum InspectReport {
    public static func json(_ summary: ModelSummary, includeTensors: Bool) throws -> String {
        var shown = summary
        if !includeTensors { shown.tensors = [] }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try encoder.encode(shown), as: UTF8.self)
    }

    public static func text(_ summary: ModelSummary, includeTensors: Bool) -> String {
        var rows: [(String, String)] = []
        let version = summary.formatVersion.map { " v\($0)" } ?? ""
        rows.append(("format", summary.format + version))
        if let name = summary.name { rows.append(("name", name)) }
        if let architecture = summary.architecture { rows.append(("architecture", architecture)) }
        let types = summary.tensorTypes.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map { "\($0.value) \($0.key)" }
        rows.append(("parameters", "\(grouped(summary.parameterCount)) in \(summary.tensorCount) tensors (\(types.joined(separator: ", ")))"))
        if let config = summary.config {
            rows.append(("layers", "\(config.numHiddenLayers)"))
            rows.append(("hidden size", "\(config.hiddenSize)"))
            rows.append(("intermediate size", "\(config.intermediateSize)"))
            rows.append(("attention heads", "\(config.numAttentionHeads) query, \(config.numKeyValueHeads) key/value, head dim \(config.headDim)"))
            rows.append(("vocabulary", "\(config.vocabSize)"))
            rows.append(("context length", "\(config.maxPositionEmbeddings)"))
            rows.append(("RoPE theta", number(config.ropeTheta)))
            rows.append(("RMSNorm eps", number(config.rmsNormEps)))
            rows.append(("tied embeddings", config.tieWordEmbeddings ? "yes" : "no"))
            let special = [("bos", config.bosTokenID.map { [$0] } ?? []), ("eos", config.eosTokenIDs), ("pad", config.padTokenID.map { [$0] } ?? [])]
                .filter { !$0.1.isEmpty }.map { "\($0.0) \($0.1.map(String.init).joined(separator: "/"))" }
            if !special.isEmpty { rows.append(("special tokens", special.joined(separator: ", "))) }
            let expected = config.parameterCount
            if expected != summary.parameterCount {
                rows.append(("note", "the architecture implies \(grouped(expected)) parameters; the file holds \(grouped(summary.parameterCount))"))
            }
        } else if let problem = summary.configProblem {
            rows.append(("architecture", "not usable: \(problem)"))
        }
        if let adapters = summary.adapters {
            let scale = adapters.alpha / (adapters.rankStabilised ? Double(adapters.rank).squareRoot() : Double(adapters.rank))
            rows.append(("adapters", "LoRA rank \(adapters.rank), alpha \(number(adapters.alpha)) (scale \(number(scale))\(adapters.rankStabilised ? ", rank-stabilised" : "")), dropout \(number(adapters.dropout))"))
            rows.append(("adapted", adapters.targetModules.joined(separator: ", ")))
            rows.append(("base model", adapters.baseModel.map { "\($0) (rlvr inspect it for the architecture)" } ?? "not named"))
        }
        if let tokenizer = summary.tokenizer {
            var text = "\(tokenizer.kind) (\(tokenizer.model)"
            if let pre = tokenizer.preTokenizer { text += ", pre-tokenizer \(pre)" }
            text += "), \(tokenizer.vocabularySize) tokens"
            if let merges = tokenizer.mergeCount { text += ", \(merges) merges" }
            rows.append(("tokenizer", text))
            rows.append(("chat template", tokenizer.hasChatTemplate ? "present" : "absent"))
        } else {
            rows.append(("tokenizer", "none found"))
        }
        let width = rows.map(\.0.count).max() ?? 0
        var lines = ["\(summary.path)"] + rows.map { "  \($0.0.padding(toLength: width, withPad: " ", startingAt: 0))  \($0.1)" }
        if includeTensors {
            let nameWidth = summary.tensors.map(\.name.count).max() ?? 0
            let typeWidth = max(4, summary.tensors.map(\.type.count).max() ?? 0)
            lines.append("")
            lines.append("  \("tensor".padding(toLength: nameWidth, withPad: " ", startingAt: 0))  \("type".padding(toLength: typeWidth, withPad: " ", startingAt: 0))  shape")
            for tensor in summary.tensors {
                var line = "  \(tensor.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0))  \(tensor.type.padding(toLength: typeWidth, withPad: " ", startingAt: 0))  [\(tensor.shape.map(String.init).joined(separator: ", "))]"
                if let file = tensor.file { line += "  \(file)" }
                lines.append(line)
            }
        }
        return lines.joined(separator: "\n")
    }

    /// 134515008 → "134,515,008".
    public static func grouped(_ value: Int) -> String {
        let digits = Array(String(value.magnitude))
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return (value < 0 ? "-" : "") + out
    }

    /// 100000.0 → "100000", 1e-05 → "1e-05".
    public static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : "\(value)"
    }
}
