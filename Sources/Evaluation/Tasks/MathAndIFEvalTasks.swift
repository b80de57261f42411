import JSON
import Verifiers

/// MATH-500 (Lightman et al. 2023's subset of Hendrycks' MATH test) with lm-eval's Minerva prompt:
/// `Problem:\n…\n\nSolution:`, the 4 fixed Minerva exemplars, greedy until `Problem:` (256 new tokens, lm-eval's default). Scored by the
/// project's `math_strict` verifier (the Minerva "Final Answer: The final answer is …" line, as
/// lm-eval's `exact_match`) and `math` (Tulu 3's flexible candidates).
public struct MATH500Task: EvalTask {
    public let name = "math500"
    public let summary = "MATH-500 (500), Minerva 4-shot; math_strict and math verifiers"
    public init() {}
    public var maximumShots: Int? { 4 }
    public func defaultShots(_ options: TaskOptions) -> Int { 4 }
    public func metrics(_ options: TaskOptions) -> [String] { ["math_strict", "math"] }

    public func documentTexts(_ data: BenchmarkData) throws -> [String] {
        try data.rows("math500/test.jsonl").map { try $0.string("problem") }
    }

    public func items(_ data: BenchmarkData, _ options: TaskOptions) throws -> [EvalItem] {
        let shots = options.shots ?? 4
        let exemplars = try data.rows("math500/minerva_4shot.jsonl").map {
            Shot(query: "Problem:\n" + (try $0.string("problem")) + "\n\nSolution:", answer: try $0.string("solution"))
        }
        return try data.rows("math500/test.jsonl").enumerated().map { index, row in
            EvalItem(index: index, prompt: TaskPrompt(shots: Array(exemplars.prefix(shots)), query: "Problem:\n" + (try row.string("problem")) + "\n\nSolution:"),
                     request: .generation(stop: ["Problem:"], maxNewTokens: 256), reference: .string(try row.string("answer")),
                     group: row.object["subject"]?.string)
        }
    }

    public func score(response: String, item: EvalItem, options: TaskOptions) -> ResponseScore {
        let truth = GroundTruth.text(item.reference.string ?? "")
        let strict = MathVerifier(mode: .strict).verify(response: response, groundTruth: truth, prompt: nil)
        let flex = MathVerifier(mode: .flex).verify(response: response, groundTruth: truth, prompt: nil)
        return ResponseScore(values: ["math_strict": [strict.score], "math": [flex.score]],
                             extracted: ["math_strict": strict.extracted ?? "[invalidanswer]", "math": flex.extracted ?? ""])
    }
}

/// IFEval (Zhou et al. 2023): the 541 prompts as the only user turn, greedy, up to 1,280 new tokens,
/// no stop string. Prompt-level (all instructions followed) and instruction-level (over all 834
/// instructions), strict and loose, by the project's IFEval checkers; `average` is the mean of the
/// prompt-level and instruction-level strict numbers.
public struct IFEvalTask: EvalTask {
    public let name = "ifeval"
    public let summary = "IFEval (541 prompts, 834 instructions), 0-shot; prompt/instruction level, strict/loose"
    public init() {}
    public func metrics(_ options: TaskOptions) -> [String] {
        ["prompt_level_strict_acc", "inst_level_strict_acc", "prompt_level_loose_acc", "inst_level_loose_acc"]
    }

    public func documentTexts(_ data: BenchmarkData) throws -> [String] {
        try data.rows("ifeval/input_data.jsonl").map { try $0.string("prompt") }
    }

    public func items(_ data: BenchmarkData, _ options: TaskOptions) throws -> [EvalItem] {
        try data.rows("ifeval/input_data.jsonl").enumerated().map { index, row in
            let truth: [String: JSONValue] = ["instruction_id_list": .array(try row.strings("instruction_id_list").map(JSONValue.string)),
                                              "kwargs": row.object["kwargs"] ?? .array([])]
            if let problem = IFEvalVerifier().groundTruthProblem(.object(truth)) { throw row.problem(problem) }
            return EvalItem(index: index, prompt: TaskPrompt(query: try row.string("prompt")),
                            request: .generation(stop: [], maxNewTokens: 1280), reference: .object(truth))
        }
    }

    public func score(response: String, item: EvalItem, options: TaskOptions) -> ResponseScore {
        guard case .object(let truth) = item.reference else { return ResponseScore(values: [:]) }
        let verdict = IFEvalVerifier().verify(response: response, groundTruth: .object(truth), prompt: nil)
        guard case .flags(let strict)? = verdict.details["strict"], case .flags(let loose)? = verdict.details["loose"] else {
            return ResponseScore(values: [:])
        }
        let asNumbers = { (flags: [Bool]) in flags.map { $0 ? 1.0 : 0.0 } }
        return ResponseScore(values: [
            "prompt_level_strict_acc": [strict.allSatisfy { $0 } ? 1 : 0], "inst_level_strict_acc": asNumbers(strict),
            "prompt_level_loose_acc": [loose.allSatisfy { $0 } ? 1 : 0], "inst_level_loose_acc": asNumbers(loose),
        ])
    }
}
