import Foundation
import JSON
import Verifiers

/// BIG-Bench Hard (Suzgun et al. 2022): 27 tasks, 6,511 documents, 3-shot, exact match.
///
/// - `--format lm-eval` (`bbh_cot_fewshot`): each task's description and its 3 chain-of-thought
///   exemplars (`cot-prompts/<task>.txt`), `Q: …\nA: Let's think step by step.\n`, greedy until
///   `Q`, `\n\n` or `</s>` (1,024 tokens); the answer is what follows "the answer is " up to the
///   last character; exact match.
/// - `--format lighteval` (SmolLM2's `bbh`): `Question: …\nAnswer: ` with the 3 exemplars lighteval's
///   balanced sampler picks (`smollm2_lighteval_3shot_pool.jsonl`), the stripped response equal to
///   the stripped target. lighteval generates up to the context limit; here at most 256 tokens.
///
/// `exact_match` is the mean over all documents (lm-eval weights tasks by size);
/// `exact_match_macro` the mean of the 27 task means.
public struct BBHTask: EvalTask {
    public let name = "bbh"
    public let summary = "BIG-Bench Hard (6,511 over 27 tasks), 3-shot; chain of thought (lm-eval) or direct answers (lighteval)"
    public init() {}
    public var maximumShots: Int? { 3 }
    public func defaultShots(_ options: TaskOptions) -> Int { 3 }
    public func metrics(_ options: TaskOptions) -> [String] { ["exact_match", "exact_match_macro"] }
    public var reportsGroupAverage: Bool { true }

    /// The 27 task names (file names of `bbh/data/`, sorted).
    static func taskNames(_ data: BenchmarkData) throws -> [String] {
        let folder = data.path("bbh/data")
        guard let files = try? FileManager.default.contentsOfDirectory(atPath: folder) else {
            throw BenchmarkData.Problem("\(folder): no such folder (the benchmark files ship in data/eval/ of the repository; point --data at that folder)")
        }
        return files.filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()
    }

    /// A task's examples: `{"examples": [{"input", "target"}]}`.
    static func examples(_ data: BenchmarkData, _ task: String) throws -> [(input: String, target: String)] {
        let file = "bbh/data/\(task).json"
        guard let object = JSONValue.parse(String(decoding: try data.data(file), as: UTF8.self))?.object,
              let examples = object["examples"]?.array else {
            throw BenchmarkData.Problem("\(data.path(file)): expected {\"examples\": [{\"input\", \"target\"}, …]}")
        }
        return try examples.enumerated().map { index, example in
            guard let input = example.object?["input"]?.string, let target = example.object?["target"]?.string else {
                throw BenchmarkData.Problem("\(data.path(file)): example \(index) needs an \"input\" and a \"target\" string")
            }
            return (input, target)
        }
    }

    /// `cot-prompts/<task>.txt`: a canary line, `-----`, the description, then `Q: …\nA: Let's think
    /// step by step.` blocks; lm-eval's exemplar target is the text after that sentence and one
    /// space or newline.
    static func chainOfThought(_ data: BenchmarkData, _ task: String) throws -> (description: String, shots: [Shot]) {
        let file = "bbh/cot-prompts/\(task).txt"
        let text = String(decoding: try data.data(file), as: UTF8.self)
        let bad = BenchmarkData.Problem("\(data.path(file)): expected a canary line, -----, a description and Q:/A: blocks")
        guard let body = text.components(separatedBy: "-----\n").dropFirst().first,
              let split = body.range(of: "\n\nQ: ") else { throw bad }
        let description = String(body[..<split.lowerBound])
        let blocks = ("Q: " + body[split.upperBound...].trimmingCharacters(in: .newlines)).components(separatedBy: "\n\nQ: ")
        let lead = "Let's think step by step."
        let shots = try blocks.enumerated().map { index, block -> Shot in
            let full = index == 0 ? block : "Q: " + block
            guard let answer = full.range(of: "\nA: "), full.hasPrefix("Q: ") else { throw bad }
            var target = String(full[answer.upperBound...])
            guard target.hasPrefix(lead) else { throw bad }
            target = String(target.dropFirst(lead.count).dropFirst())   // the space or newline after it
            return Shot(query: "Q: " + full[full.index(full.startIndex, offsetBy: 3)..<answer.lowerBound] + "\nA: " + lead + "\n", answer: target)
        }
        return (description + "\n\n", shots)
    }

    public func documentTexts(_ data: BenchmarkData) throws -> [String] {
        try Self.taskNames(data).flatMap { try Self.examples(data, $0).map(\.input) }
    }

    public func items(_ data: BenchmarkData, _ options: TaskOptions) throws -> [EvalItem] {
        let shots = options.shots ?? 3
        var items: [EvalItem] = []
        let pools: [String: [Int]]
        if options.format == .lighteval {
            pools = Dictionary(uniqueKeysWithValues: try data.rows("bbh/smollm2_lighteval_3shot_pool.jsonl").map { (try $0.string("task"), try $0.ints("pool_indices")) })
        } else {
            pools = [:]
        }
        for task in try Self.taskNames(data) {
            let examples = try Self.examples(data, task)
            switch options.format {
            case .lmEval:
                let (description, exemplars) = try Self.chainOfThought(data, task)
                for example in examples {
                    let prompt = TaskPrompt(instruction: description, shots: Array(exemplars.prefix(shots)),
                                            query: "Q: \(example.input)\nA: Let's think step by step.\n", answerDelimiter: "")
                    items.append(EvalItem(index: items.count, prompt: prompt, request: .generation(stop: ["</s>", "Q", "\n\n"], maxNewTokens: 1024),
                                          reference: .string(example.target), group: task))
                }
            case .lighteval:
                guard let pool = pools[task], pool.allSatisfy(examples.indices.contains) else {
                    throw BenchmarkData.Problem("\(data.path("bbh/smollm2_lighteval_3shot_pool.jsonl")): no valid pool for \(task)")
                }
                for example in examples {
                    let chosen = pool.filter { examples[$0].input != example.input || examples[$0].target != example.target }.prefix(shots)
                    let prompt = TaskPrompt(shots: chosen.map { Shot(query: "Question: \(examples[$0].input)\nAnswer: ", answer: examples[$0].target) },
                                            query: "Question: \(example.input)\nAnswer: ", answerDelimiter: "")
                    items.append(EvalItem(index: items.count, prompt: prompt, request: .generation(stop: ["Question:", "Question"], maxNewTokens: 256),
                                          reference: .string(example.target), group: task))
                }
            }
        }
        return items
    }

    public func score(response: String, item: EvalItem, options: TaskOptions) -> ResponseScore {
        let gold = item.reference.string ?? ""
        let answer: String
        switch options.format {
        case .lmEval: answer = HarnessFilters.regex("(?<=the answer is )(.*)(?=.)", response)
        case .lighteval: answer = PythonText.strip(response)
        }
        let correct = options.format == .lmEval ? answer == gold : answer == PythonText.strip(gold)
        return ResponseScore(values: ["exact_match": [correct ? 1 : 0]], extracted: ["exact_match": answer])
    }
}
