import Foundation
import RunConfig
import Tokenization
import Verifiers

/// One RLVR prompt: the conversation so far rendered with the generation prompt, and what its
/// response is checked against.
public struct RLPrompt: Sendable {
    public var tokens: [Int32]
    /// The last user message (IFEval's verifiers read the prompt).
    public var text: String
    public var groundTruth: GroundTruth
    /// Routes to the verifier(s): a verifier name or a `rewards.routes` key.
    public var dataset: String
}

/// RLVR prompts from JSONL rows `{"messages": [...], "ground_truth": ..., "dataset": ...}` (open-instruct's
/// RLVR format; a trailing assistant turn is dropped) or `{"prompt": ..., "ground_truth": ..., "dataset": ...}`,
/// field names configurable. `ground_truth` may be a string or JSON (IFEval's instruction ids and
/// kwargs). Every row's `dataset` must name a verifier or route; prompts longer than
/// `max_prompt_length` are dropped and counted.
public struct PromptDataset: Sendable {
    public struct Statistics: Equatable, Sendable {
        public var rows = 0, prompts = 0, tooLong = 0, skippedInvalid = 0
    }

    public let prompts: [RLPrompt]
    public let statistics: Statistics

    public init(path: String, fields: DataSection.FieldNames, maxPromptLength: Int, skipInvalid: Bool,
                template: ChatTemplate, tokenizer: BPETokenizer, router: RewardRouter) throws {
        let read = try JSONLRows.read(path, skipInvalid: skipInvalid) { row -> (messages: [ChatMessage], truth: GroundTruth, dataset: String) in
            let messages: [ChatMessage]
            if let list = row[fields.messages] {
                messages = try JSONLRows.messages(list, field: fields.messages)
            } else if let prompt = row[fields.prompt] {
                messages = try JSONLRows.turn(prompt, field: fields.prompt, role: "user")
            } else {
                throw DataError("expected \"\(fields.messages)\" or \"\(fields.prompt)\"")
            }
            let conversation = messages.last?.role == "assistant" ? Array(messages.dropLast()) : messages
            guard !conversation.isEmpty else { throw DataError("no prompt left once the final assistant turn is removed") }
            guard let dataset = row[fields.dataset]?.string, !dataset.isEmpty else { throw DataError("expected \"\(fields.dataset)\": a verifier name") }
            let routed: [(verifier: any Verifier, weight: Double)]
            do {
                routed = try router.verifiers(for: dataset)
            } catch {
                throw DataError("\"\(fields.dataset)\": \(error)")
            }
            guard let value = row[fields.groundTruth] else { throw DataError("expected \"\(fields.groundTruth)\"") }
            let truth: GroundTruth
            if let text = value.string {
                truth = .text(text)
            } else if let object = value.object {
                truth = .object(object)
            } else if let array = value.array {
                truth = .array(array)
            } else {
                truth = .text(value.compactJSON)
            }
            if let problem = routed.lazy.compactMap({ $0.verifier.groundTruthProblem(truth) }).first {
                throw DataError("\"\(fields.groundTruth)\": \(problem)")
            }
            return (conversation, truth, dataset)
        }
        var stats = Statistics(rows: read.lines, skippedInvalid: read.skippedInvalid)
        var prompts: [RLPrompt] = []
        for row in read.rows {
            let tokens = tokenizer.encode(template.render(row.messages, addGenerationPrompt: true))
            if tokens.count > maxPromptLength {
                stats.tooLong += 1
                continue
            }
            let text = row.messages.last(where: { $0.role == "user" })?.content ?? row.messages.last?.content ?? ""
            prompts.append(RLPrompt(tokens: tokens, text: text, groundTruth: row.truth, dataset: row.dataset))
        }
        stats.prompts = prompts.count
        guard !prompts.isEmpty else {
            throw DataError("\(path): no usable prompts (\(stats.rows) rows, \(stats.skippedInvalid) invalid, \(stats.tooLong) longer than \(maxPromptLength) tokens)")
        }
        self.prompts = prompts
        statistics = stats
    }
}
