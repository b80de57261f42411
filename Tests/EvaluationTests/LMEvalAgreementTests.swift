import Foundation
import LlamaModel
import ModelIO
import Testing
import Tokenization
import Evaluation

/// Item by item against lm-evaluation-harness 0.4.13 (Hugging Face backend, float32 weights
/// dequantised from the same GGUF; Fixtures/lm_eval/README.md, scripts/lm_eval_reference.py).
///
/// Without the model: every fixture row's context and continuations (multiple choice) or prompt
/// (generation) are ours byte for byte. With `models/SmolLM2-135M-Instruct.Q4_1.gguf` present:
/// the token ids, every choice's log-likelihood within 1e-3 (1e-5 per token for continuations longer
/// than 100 tokens) and the same chosen answer, and the
/// same greedy responses and scores — on the first `RLVR_AGREEMENT_ITEMS` rows of each fixture
/// (default 8 for multiple choice, 3 for generation; all rows: `RLVR_AGREEMENT_ITEMS=all`).
@Suite(.serialized) struct LMEvalAgreementTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path + "/Fixtures/lm_eval"
    static let modelPath = root + "/models/SmolLM2-135M-Instruct.Q4_1.gguf"
    static let data = BenchmarkData(root: root + "/data/eval")

    /// A committed fixture's rows (a missing or empty fixture is an error, not a skipped test).
    static func rows(_ task: String) throws -> [[String: Any]] {
        let path = fixtures + "/\(task).jsonl"
        return try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:]
        }
    }

    static func limit(_ fallback: Int) -> Int {
        let value = ProcessInfo.processInfo.environment["RLVR_AGREEMENT_ITEMS"]
        return value == "all" ? Int.max : value.flatMap(Int.init) ?? fallback
    }

    /// The model, or nil where it has not been fetched (`make model`).
    static let loaded: (LlamaModel, BPETokenizer)? = {
        guard FileManager.default.fileExists(atPath: modelPath),
              let model = try? LlamaCheckpoint.load(modelPath), let tokenizer = try? BPETokenizer.load(checkpoint: modelPath) else { return nil }
        return (model, tokenizer)
    }()

    static func runner(tokenizer: BPETokenizer, model: LlamaModel) throws -> EvalRunner {
        try EvalRunner(model: model, tokenizer: tokenizer, template: nil, eosTokens: Set(model.config.eosTokenIDs.map(Int32.init) + [2]),
                       data: data, settings: EvalSettings(format: .lmEval), modelSHA256: "", store: nil)
    }

    static let multipleChoice: [any EvalTask] = [HellaSwagTask(), ARCTask(challenge: false), ARCTask(challenge: true), PIQATask()]

    @Test(arguments: ["hellaswag", "arc_easy", "arc_challenge", "piqa"])
    func multipleChoicePromptsAreLMEvals(task name: String) throws {
        let rows = try Self.rows(name)
        try #require(!rows.isEmpty)
        let task = try #require(Self.multipleChoice.first { $0.name == name })
        let items = try task.items(Self.data, TaskOptions(format: .lmEval))
        for row in rows {
            let item = items[try #require(row["doc_index"] as? Int)]
            guard case .choices(let choices, let gold) = item.request else { Issue.record("not multiple choice"); return }
            let context = item.prompt.rendered(chat: nil)
            #expect(context == row["context"] as? String, "\(name) \(item.index)")
            #expect(choices.map { " " + $0 } == row["continuations"] as? [String], "\(name) \(item.index)")
            #expect(gold == row["gold"] as? Int)
        }
    }

    @Test(arguments: ["hellaswag", "arc_easy", "arc_challenge", "piqa"])
    func multipleChoiceLogLikelihoodsAreLMEvals(task name: String) throws {
        let rows = Array(try Self.rows(name).prefix(Self.limit(8)))
        try #require(!rows.isEmpty)
        guard let (model, tokenizer) = Self.loaded else { return }   // the model is fetched by `make model`
        let task = try #require(Self.multipleChoice.first { $0.name == name })
        let items = try task.items(Self.data, TaskOptions(format: .lmEval))
        let runner = try Self.runner(tokenizer: tokenizer, model: model)
        var requests: [ChoiceRequest] = []
        for row in rows {
            let item = items[try #require(row["doc_index"] as? Int)]
            guard case .choices(let choices, _) = item.request else { return }
            let (request, _, _) = runner.choiceRequest(item, choices: choices)
            #expect(request.context.map(Int.init) == row["context_tokens"] as? [Int], "\(name) \(item.index)")
            #expect(request.continuations.map { $0.map(Int.init) } == row["continuation_tokens"] as? [[Int]], "\(name) \(item.index)")
            requests.append(request)
        }
        let results = try ChoiceScorer(model: model, maxBatch: 64).score(requests)
        for (row, result) in zip(rows, results) {
            let reference = try #require(row["loglikelihoods"] as? [Double])
            let lengths = try #require(row["continuation_tokens"] as? [[Int]]).map(\.count)
            // 1e-3, or 1e-5 per token for long continuations: float32 forward passes on two
            // implementations drift apart by ~1e-5 per token (PIQA's 153-token choices: 1.03e-3)
            for (c, (ours, theirs)) in zip(result.logLikelihoods, reference).enumerated() {
                let tolerance = max(1e-3, 1e-5 * Double(lengths[c]))
                #expect(abs(ours - theirs) <= tolerance, "\(name) \(row["doc_index"]!) choice \(c): \(ours) vs \(theirs)")
            }
            let ours = result.logLikelihoods.indices.max { result.logLikelihoods[$0] < result.logLikelihoods[$1] }
            let theirs = reference.indices.max { reference[$0] < reference[$1] }
            #expect(ours == theirs)
            #expect(result.greedy == row["is_greedy"] as? [Bool])
        }
    }

    /// BBH's chain-of-thought prompts, built from `cot-prompts/<task>.txt`, against lm-eval's own
    /// exemplars (its task files; scripts/make_bbh_prompt_fixture.py), for every task's first document.
    @Test func bbhChainOfThoughtPromptsAreLMEvals() throws {
        let rows = try Self.rows("bbh_prompts")
        #expect(rows.count == 27)
        let items = try BBHTask().items(Self.data, TaskOptions(format: .lmEval))
        #expect(items.count == 6511)
        for row in rows {
            let task = try #require(row["task"] as? String)
            let item = try #require(items.first { $0.group == task })
            #expect(item.prompt.rendered(chat: nil) == row["prompt"] as? String, "\(task)")
            guard case .generation(let stop, let newTokens) = item.request else { return }
            #expect(stop == row["until"] as? [String] && newTokens == row["max_gen_toks"] as? Int)
        }
        // the lighteval form: three pool exemplars, never the document itself
        let lighteval = try BBHTask().items(Self.data, TaskOptions(format: .lighteval))
        #expect(lighteval.allSatisfy { $0.prompt.shots.count == 3 })
        #expect(lighteval.allSatisfy { item in !item.prompt.shots.contains { $0.query == item.prompt.query && $0.answer == item.reference.string } })
    }

    /// MATH-500's Minerva prompts against lm-eval's `minerva_math/utils.py` (first 5 problems).
    @Test func math500PromptsAreLMEvals() throws {
        let rows = try Self.rows("math500_prompts")
        #expect(rows.count == 5)
        let items = try MATH500Task().items(Self.data, TaskOptions(format: .lmEval))
        for row in rows {
            let item = items[try #require(row["doc_index"] as? Int)]
            #expect(item.prompt.rendered(chat: nil) == row["prompt"] as? String, "\(item.index)")
            guard case .generation(let stop, let newTokens) = item.request else { return }
            #expect(stop == row["until"] as? [String] && newTokens == row["max_gen_toks"] as? Int)
        }
    }

    static let generative: [any EvalTask] = [GSM8KTask(), GSM8KChainOfThoughtTask(), IFEvalTask()]

    @Test(arguments: ["gsm8k", "gsm8k_cot", "ifeval"])
    func generationPromptsAreLMEvals(task name: String) throws {
        let rows = try Self.rows(name)
        try #require(!rows.isEmpty)
        let task = try #require(Self.generative.first { $0.name == name })
        let items = try task.items(Self.data, TaskOptions(format: .lmEval))
        for row in rows {
            let item = items[try #require(row["doc_index"] as? Int)]
            #expect(item.prompt.rendered(chat: nil) == row["prompt"] as? String, "\(name) \(item.index)")
            guard case .generation(let stop, let newTokens) = item.request else { return }
            #expect(Set(stop + ["<|im_end|>"]) == Set((row["until"] as? [String] ?? []) + ["<|im_end|>"]), "\(name) stop strings")
            #expect(newTokens == row["max_gen_toks"] as? Int)
        }
    }

    @Test(arguments: ["gsm8k", "gsm8k_cot", "ifeval"])
    func greedyResponsesAndScoresAreLMEvals(task name: String) throws {
        let rows = Array(try Self.rows(name).prefix(Self.limit(3)))
        try #require(!rows.isEmpty)
        guard let (model, tokenizer) = Self.loaded else { return }   // the model is fetched by `make model`
        let task = try #require(Self.generative.first { $0.name == name })
        let items = try task.items(Self.data, TaskOptions(format: .lmEval))
        let runner = try Self.runner(tokenizer: tokenizer, model: model)
        for row in rows {
            let item = items[try #require(row["doc_index"] as? Int)]
            #expect(tokenizer.encode(item.prompt.rendered(chat: nil)).map(Int.init) == row["prompt_tokens"] as? [Int])
            let record = try runner.generateOne(item, task: task)
            #expect(record.responses?.first == row["response"] as? String, "\(name) \(item.index)")
            // The same scores from lm-eval's own response (our scoring alone, whatever we generated).
            let score = task.score(response: row["response"] as? String ?? "", item: item, options: TaskOptions(format: .lmEval))
            let metrics = try #require(row["metrics"] as? [String: Any])
            for (ours, path) in Self.metricNames(name) {
                var value: Any? = metrics
                for key in path { value = (value as? [String: Any])?[key] }
                let expected: [Double]? = (value as? [Any]).map { $0.compactMap(Self.number) } ?? Self.number(value as Any).map { [$0] }
                #expect(expected != nil && score.values[ours] == expected, "\(name) \(item.index) \(ours): \(String(describing: value))")
            }
        }
    }

    static func number(_ value: Any) -> Double? {
        if let flag = value as? Bool { return flag ? 1 : 0 }
        return value as? Double
    }

    /// Our metric names → where lm-eval's per-item value sits in the fixture's `metrics`.
    static func metricNames(_ task: String) -> [(String, [String])] {
        switch task {
        case "ifeval":
            return ["prompt_level_strict_acc", "inst_level_strict_acc", "prompt_level_loose_acc", "inst_level_loose_acc"].map { ($0, [$0]) }
        default:
            return [("exact_match_strict", ["strict-match", "exact_match"]), ("exact_match_flexible", ["flexible-extract", "exact_match"])]
        }
    }
}
