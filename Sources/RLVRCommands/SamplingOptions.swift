import ArgumentParser
import Generation
import LlamaModel
import ModelIO
import Tokenization

/// Sampling options shared by `generate` and `chat`.
struct SamplingOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Sampling temperature (0: greedy).")
    var temperature: Double = 1.0

    @Option(name: .customLong("top-p"), parsing: .unconditional, help: "Nucleus sampling: keep tokens up to this cumulative probability.")
    var topP: Double = 1.0

    @Option(name: .customLong("top-k"), parsing: .unconditional, help: "Keep only the k most likely tokens (0: off).")
    var topK: Int = 0

    @Option(name: .customLong("min-p"), parsing: .unconditional, help: "Drop tokens less likely than min-p × the most likely (0: off).")
    var minP: Double = 0

    @Option(name: .customLong("max-new-tokens"), parsing: .unconditional, help: "Most tokens to generate per sample.")
    var maxNewTokens: Int = 256

    @Option(parsing: .unconditional, help: "Seed of the counter-based random numbers.")
    var seed: UInt64 = 0

    @Option(name: .customLong("stop"), help: "Stop when this text appears (repeatable).")
    var stop: [String] = []

    var settings: SamplingSettings {
        SamplingSettings(temperature: temperature, topP: topP, topK: topK, minP: minP, maxNewTokens: maxNewTokens, stopStrings: stop, seed: seed)
    }

    func validate() throws {
        if let problem = settings.problems().first { throw ValidationError(problem) }
    }
}

/// A model with its tokenizer and chat template, as generation commands need them.
struct LoadedChatModel {
    let model: LlamaModel
    let tokenizer: BPETokenizer
    let eosTokens: Set<Int32>
    /// The chat template, or why there is none: a checkpoint without one under `--template auto`
    /// is an error only once a prompt is rendered as chat (plain prompts need no template).
    private let resolvedTemplate: Result<ChatTemplate, TokenizerError>

    /// An unknown `templateName` is an error at once.
    init(path: String, adapter: String? = nil, templateName: String) throws {
        let model = try LlamaCheckpoint.load(path, adapter: adapter)
        let tokenizer = try BPETokenizer.load(checkpoint: path)
        let eosText = tokenizer.eosTokenID.map { tokenizer.tokens[Int($0)] } ?? "</s>"
        if templateName == "auto" && tokenizer.chatTemplate == nil {
            let families = ChatTemplate.Family.allCases.map(\.rawValue).joined(separator: ", ")
            resolvedTemplate = .failure(TokenizerError("\(path): the checkpoint has no chat template; choose one with --template (\(families))"))
        } else {
            resolvedTemplate = .success(try ChatTemplate.resolve(name: templateName, checkpointTemplate: tokenizer.chatTemplate, eosToken: eosText))
        }
        eosTokens = Set(model.config.eosTokenIDs.map(Int32.init) + (tokenizer.eosTokenID.map { [$0] } ?? []))
        self.model = model
        self.tokenizer = tokenizer
    }

    /// The chat template (an error naming `--template` when the checkpoint has none).
    func template() throws -> ChatTemplate { try resolvedTemplate.get() }
}
