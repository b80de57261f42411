import JSON
import Verifiers

/// GSM8K (Cobbe et al. 2021), the 1,319 test questions, few-shot from the train split.
///
/// - `--format lm-eval` (`gsm8k`): 5 shots drawn per question by lm-eval's sampler
///   (`random.Random(1234)`, one `sample` per question in file order); strict (`#### N`) and
///   flexible (last number) extraction, lm-eval's exact match.
/// - `--format lighteval` (SmolLM2's `custom|gsm8k|5`): the test questions shuffled by
///   `random.Random(42)`, then the same generator draws each question's 5 shots in that order;
///   the first `#### N` of the response equal to the gold's (`qem`).
public struct GSM8KTask: EvalTask {
    public let name = "gsm8k"
    public let summary = "GSM8K test (1,319), 5-shot \"Question: …\\nAnswer:\" with full solutions as shots"
    public init() {}
    public var maximumShots: Int? { nil }
    public func defaultShots(_ options: TaskOptions) -> Int { 5 }
    public func metrics(_ options: TaskOptions) -> [String] {
        options.format == .lmEval ? ["exact_match_strict", "exact_match_flexible"] : ["qem"]
    }

    /// The shots of every test question (train indices, in prompt order).
    public static func shotPlan(questions: Int, pool: Int, shots: Int, format: PromptFormat) -> [[Int]] {
        var plan = [[Int]](repeating: [], count: questions)
        guard shots > 0 else { return plan }
        switch format {
        case .lmEval:
            var random = PythonRandom(seed: 1234)
            for question in 0..<questions { plan[question] = random.sample(count: pool, choose: shots) }
        case .lighteval:
            var random = PythonRandom(seed: 42)
            var order = Array(0..<questions)
            random.shuffle(&order)
            for question in order { plan[question] = random.sample(count: pool, choose: shots) }
        }
        return plan
    }

    public func documentTexts(_ data: BenchmarkData) throws -> [String] {
        try data.rows("gsm8k/test.jsonl").map { try $0.string("question") }
    }

    public func items(_ data: BenchmarkData, _ options: TaskOptions) throws -> [EvalItem] {
        let test = try data.rows("gsm8k/test.jsonl")
        let shots = options.shots ?? 5
        let train = shots > 0 ? try data.rows("gsm8k/train.jsonl") : []
        if shots > train.count && shots > 0 { throw BenchmarkData.Problem("gsm8k: \(shots) shots asked, the train split has \(train.count)") }
        let trainShots = try train.map { Shot(query: "Question: " + (try $0.string("question")) + "\nAnswer:", answer: try $0.string("answer")) }
        let plan = Self.shotPlan(questions: test.count, pool: train.count, shots: shots, format: options.format)
        return try test.enumerated().map { index, row in
            let answer = try row.string("answer")
            let prompt = TaskPrompt(shots: plan[index].map { trainShots[$0] }, query: "Question: " + (try row.string("question")) + "\nAnswer:",
                                    chatAnswersKeepDelimiter: options.format == .lighteval)
            let stop = options.format == .lmEval ? ["Question:", "</s>", "<|im_end|>"] : ["Question:", "Question"]
            return EvalItem(index: index, prompt: prompt, request: .generation(stop: stop, maxNewTokens: 256), reference: .string(answer))
        }
    }

    public func score(response: String, item: EvalItem, options: TaskOptions) -> ResponseScore {
        let gold = item.reference.string ?? ""
        switch options.format {
        case .lmEval:
            let strict = HarnessFilters.regex(HarnessFilters.gsm8kStrict, response)
            let flexible = HarnessFilters.regex(HarnessFilters.gsm8kFlexible, groupSelect: -1, response)
            func match(_ answer: String) -> Double {
                HarnessFilters.exactMatch(answer, gold, ignore: HarnessFilters.gsm8kIgnore, ignoreCase: true) ? 1 : 0
            }
            return ResponseScore(values: ["exact_match_strict": [match(strict)], "exact_match_flexible": [match(flexible)]],
                                 extracted: ["exact_match_strict": strict, "exact_match_flexible": flexible])
        case .lighteval:
            // lighteval `gsm8k_normalizer`: the first `#### (-?[0-9.,]+)`, commas removed, stripped; none → "[invalid]".
            func normalise(_ text: String) -> String {
                let found = HarnessFilters.regex(HarnessFilters.gsm8kStrict, text)
                return found == "[invalid]" ? found : PythonText.strip(found.replacingOccurrences(of: ",", with: ""))
            }
            let predicted = normalise(response), reference = normalise(gold)
            return ResponseScore(values: ["qem": [predicted != "[invalid]" && predicted == reference ? 1 : 0]], extracted: ["qem": predicted])
        }
    }
}

/// lm-eval's `gsm8k_cot`: the 8 chain-of-thought exemplars of Wei et al. (2022), `Q: …\nA:`,
/// answers "… The answer is N."; strict ("The answer is N.") and flexible extraction.
public struct GSM8KChainOfThoughtTask: EvalTask {
    public let name = "gsm8k_cot"
    public let summary = "GSM8K test (1,319), 8-shot chain of thought (lm-eval gsm8k_cot)"
    public init() {}
    public var maximumShots: Int? { 8 }
    public func defaultShots(_ options: TaskOptions) -> Int { 8 }
    public func metrics(_ options: TaskOptions) -> [String] { ["exact_match_strict", "exact_match_flexible"] }

    public func documentTexts(_ data: BenchmarkData) throws -> [String] { try GSM8KTask().documentTexts(data) }

    public func items(_ data: BenchmarkData, _ options: TaskOptions) throws -> [EvalItem] {
        let shots = options.shots ?? 8
        let exemplars = try data.rows("gsm8k/cot_8shot_exemplars.jsonl").map { Shot(query: "Q: " + (try $0.string("question")) + "\nA:", answer: try $0.string("target")) }
        return try data.rows("gsm8k/test.jsonl").enumerated().map { index, row in
            let answer = try row.string("answer")
            let gold = PythonText.strip(answer.components(separatedBy: "####").last ?? answer)
            return EvalItem(index: index, prompt: TaskPrompt(shots: Array(exemplars.prefix(shots)), query: "Q: " + (try row.string("question")) + "\nA:"),
                            request: .generation(stop: ["Q:", "</s>", "<|im_end|>"], maxNewTokens: 256), reference: .string(gold))
        }
    }

    public func score(response: String, item: EvalItem, options: TaskOptions) -> ResponseScore {
        let gold = item.reference.string ?? ""
        let strict = HarnessFilters.regex(HarnessFilters.gsm8kCoTStrict, response)
        let flexible = HarnessFilters.regex(HarnessFilters.gsm8kFlexible, groupSelect: -1, response)
        func match(_ answer: String) -> Double { HarnessFilters.exactMatch(answer, gold, ignore: HarnessFilters.gsm8kIgnore, ignoreCase: true) ? 1 : 0 }
        return ResponseScore(values: ["exact_match_strict": [match(strict)], "exact_match_flexible": [match(flexible)]],
                             extracted: ["exact_match_strict": strict, "exact_match_flexible": flexible])
    }
}
