import Foundation
import JSON
import Verifiers

/// HellaSwag (Zellers et al. 2019), validation split, 0-shot: which ending continues the activity.
/// Preprocessing as lm-eval `hellaswag/utils.py` and SmolLM2's `prompt_hellaswag`.
public struct HellaSwagTask: EvalTask {
    public let name = "hellaswag"
    public let summary = "HellaSwag validation (10,042), 0-shot, 4 endings; acc_norm is the reported number"
    public init() {}
    public func metrics(_ options: TaskOptions) -> [String] { ["acc_norm", "acc"] }

    /// (lm-eval: `strip()` first), `" [title]"` → `". "`, `[...]` spans removed, then `"  "` → `" "` in one pass.
    public static func preprocess(_ text: String, strip: Bool) -> String {
        var out = (strip ? PythonText.strip(text) : text).replacingOccurrences(of: " [title]", with: ". ")
        out = out.replacingOccurrences(of: "\\[.*?\\]", with: "", options: .regularExpression)
        return out.replacingOccurrences(of: "  ", with: " ")
    }

    public func documentTexts(_ data: BenchmarkData) throws -> [String] {
        try data.rows("hellaswag/hellaswag_val.jsonl").map { try $0.string("ctx") }
    }

    public func items(_ data: BenchmarkData, _ options: TaskOptions) throws -> [EvalItem] {
        try data.rows("hellaswag/hellaswag_val.jsonl").enumerated().map { index, row in
            let context = try row.string("activity_label") + ": " + row.string("ctx_a") + " " + PythonText.capitalize(try row.string("ctx_b"))
            let strip = options.format == .lmEval
            let endings = try row.strings("endings").map { Self.preprocess($0, strip: strip) }
            let gold = try row.int("label")
            guard endings.indices.contains(gold) else { throw row.problem("label \(gold) is not the index of one of the \(endings.count) endings") }
            let query = Self.preprocess(strip ? context : context + " ", strip: strip)
            return EvalItem(index: index, prompt: TaskPrompt(query: query), request: .choices(endings, gold: gold))
        }
    }
}

/// ARC (Clark et al. 2018), test split, 0-shot: `Question: …\nAnswer:` → each choice's text.
public struct ARCTask: EvalTask {
    public let name: String
    public let summary: String
    let file: String
    public init(challenge: Bool) {
        name = challenge ? "arc_challenge" : "arc_easy"
        summary = challenge ? "ARC-Challenge test (1,172), 0-shot" : "ARC-Easy test (2,376), 0-shot"
        file = challenge ? "arc/ARC-Challenge-Test.jsonl" : "arc/ARC-Easy-Test.jsonl"
    }
    public func metrics(_ options: TaskOptions) -> [String] { options.format == .lighteval ? ["acc_norm", "acc"] : ["acc", "acc_norm"] }

    public func documentTexts(_ data: BenchmarkData) throws -> [String] {
        try data.rows(file).map { try $0.nested("question").string("stem") }
    }

    public func items(_ data: BenchmarkData, _ options: TaskOptions) throws -> [EvalItem] {
        try data.rows(file).enumerated().map { index, row in
            let question = try row.nested("question")
            guard let choices = question.object["choices"]?.array, !choices.isEmpty else { throw row.problem("expected question.choices") }
            var texts: [String] = [], labels: [String] = []
            for choice in choices {
                guard let text = choice.object?["text"]?.string, let label = choice.object?["label"]?.string else {
                    throw row.problem("every choice needs a \"text\" and a \"label\"")
                }
                texts.append(text)
                labels.append(label)
            }
            let key = try row.string("answerKey")
            guard let gold = labels.firstIndex(of: key) else { throw row.problem("answerKey \(key) is not one of the labels \(labels)") }
            return EvalItem(index: index, prompt: TaskPrompt(query: "Question: " + (try question.string("stem")) + "\nAnswer:"),
                            request: .choices(texts, gold: gold))
        }
    }
}

/// PIQA (Bisk et al. 2020), validation split, 0-shot: `Question: {goal}\nAnswer:` → sol1 / sol2.
public struct PIQATask: EvalTask {
    public let name = "piqa"
    public let summary = "PIQA validation (1,838), 0-shot, 2 solutions"
    public init() {}
    public func metrics(_ options: TaskOptions) -> [String] { options.format == .lighteval ? ["acc_norm", "acc"] : ["acc", "acc_norm"] }

    public func documentTexts(_ data: BenchmarkData) throws -> [String] {
        try data.rows("piqa/valid.jsonl").map { try $0.string("goal") }
    }

    public func items(_ data: BenchmarkData, _ options: TaskOptions) throws -> [EvalItem] {
        let rows = try data.rows("piqa/valid.jsonl")
        let labels = try data.lines("piqa/valid-labels.lst")
        guard labels.count == rows.count else {
            throw BenchmarkData.Problem("\(data.path("piqa/valid-labels.lst")): \(labels.count) labels for the \(rows.count) rows of valid.jsonl")
        }
        return try rows.enumerated().map { index, row in
            guard let gold = Int(labels[index].trimmingCharacters(in: .whitespaces)), gold == 0 || gold == 1 else {
                throw BenchmarkData.Problem("\(data.path("piqa/valid-labels.lst")):\(index + 1): expected 0 or 1, got \"\(labels[index])\"")
            }
            return EvalItem(index: index, prompt: TaskPrompt(query: "Question: " + (try row.string("goal")) + "\nAnswer:"),
                            request: .choices([try row.string("sol1"), try row.string("sol2")], gold: gold))
        }
    }
}

/// MMLU in cloze form (SmolLM2's `mmlu` task; Hendrycks et al. 2021), test split, 0-shot: the
/// subject line, `Question: …\nAnswer:` → each choice's text; averaged over all 14,042 questions.
public struct MMLUClozeTask: EvalTask {
    public let name = "mmlu"
    public let summary = "MMLU test (14,042, 57 subjects), cloze form, 0-shot"
    public init() {}
    public func metrics(_ options: TaskOptions) -> [String] { ["acc_norm", "acc", "acc_norm_macro", "acc_macro"] }
    public var reportsGroupAverage: Bool { true }

    public func documentTexts(_ data: BenchmarkData) throws -> [String] {
        try data.rows("mmlu/test.jsonl").map { try $0.string("question") }
    }

    public func items(_ data: BenchmarkData, _ options: TaskOptions) throws -> [EvalItem] {
        try data.rows("mmlu/test.jsonl").enumerated().map { index, row in
            let subject = try row.string("subject")
            let choices = try row.strings("choices")
            let gold = try row.int("answer")
            guard choices.indices.contains(gold) else { throw row.problem("answer \(gold) is not the index of one of the \(choices.count) choices") }
            let query = "The following are questions about \(subject.replacingOccurrences(of: "_", with: " ")).\nQuestion: "
                + (try row.string("question")) + "\nAnswer:"
            return EvalItem(index: index, prompt: TaskPrompt(query: query), request: .choices(choices, gold: gold), group: subject)
        }
    }
}
