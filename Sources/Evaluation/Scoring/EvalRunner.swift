import Foundation
import Generation
import Kernels
import LlamaModel
import Tokenization

/// How an evaluation runs: prompt format, chat or plain, shots, sampling.
public struct EvalSettings: Codable, Equatable, Sendable {
    public var format: PromptFormat
    /// Prompts rendered with the model's chat template (else plain text).
    public var chat: Bool
    /// Few-shot examples per prompt; nil: each task's default.
    public var shots: Int?
    /// Samples per generative prompt (pass@k, maj@k, avg@k when above 1).
    public var samples: Int
    /// 0: greedy.
    public var temperature: Double
    public var seed: UInt64
    /// At most this many new tokens (nil: each task's own limit).
    public var maxNewTokens: Int?

    public init(format: PromptFormat = .lmEval, chat: Bool = false, shots: Int? = nil, samples: Int = 1, temperature: Double = 0,
                seed: UInt64 = 0, maxNewTokens: Int? = nil) {
        self.format = format
        self.chat = chat
        self.shots = shots
        self.samples = samples
        self.temperature = temperature
        self.seed = seed
        self.maxNewTokens = maxNewTokens
    }

    var taskOptions: TaskOptions { TaskOptions(format: format, shots: shots) }
}

/// Where a task stands: documents done (cached ones included) of all, those scored in this run and
/// the seconds they took.
public struct EvalProgress: Sendable {
    public var task: String
    public var done: Int, total: Int, scoredNow: Int
    public var seconds: Double, tokensPerSecond: Double

    public var documentsPerSecond: Double { Double(scoredNow) / max(1e-9, seconds) }
    public var secondsLeft: Double { Double(total - done) / max(1e-9, documentsPerSecond) }
}

/// A task's outcome: metrics over its documents, with what produced them.
public struct TaskResult: Codable, Equatable, Sendable {
    public var task: String
    public var metrics: [String: MetricSummary]
    /// Reported metric names, headline first.
    public var metricOrder: [String]
    public var items: Int
    public var shots: Int
    public var settings: EvalSettings
    public var modelSHA256: String
    /// Tokens through the model (prompts, continuations, generated) and wall seconds in this run
    /// (documents taken from the cache cost nothing).
    public var tokens: Int
    public var seconds: Double

    enum CodingKeys: String, CodingKey {
        case task, metrics, metricOrder = "metric_order", items, shots, settings, modelSHA256 = "model_sha256", tokens, seconds
    }
}

/// Runs tasks on a model: renders and tokenizes prompts, scores choices or generates, scores
/// responses, caches every finished document, and folds the documents into metrics.
public final class EvalRunner {
    public let model: LlamaModel
    public let tokenizer: BPETokenizer
    public let template: ChatTemplate?
    public let eosTokens: Set<Int32>
    public let data: BenchmarkData
    public let settings: EvalSettings
    public let modelSHA256: String
    public let store: SampleStore?
    /// Multiple-choice documents per scoring call (a call's results are cached together).
    public var questionsPerCall = 128
    /// One scorer for the run, so its workspace and prefill buffers are made once.
    private lazy var scorer = ChoiceScorer(model: model, maxBatch: 128)
    /// Responses decoding at once; a generated document is cached as soon as its responses end.
    public var generationSlots = 32
    /// Called after every scoring call and every generated document.
    public var progress: ((EvalProgress) -> Void)?

    public init(model: LlamaModel, tokenizer: BPETokenizer, template: ChatTemplate?, eosTokens: Set<Int32>, data: BenchmarkData,
                settings: EvalSettings, modelSHA256: String, store: SampleStore?) throws {
        if settings.chat && template == nil { throw EvalError("--chat needs a chat template") }
        guard settings.samples >= 1 else { throw EvalError("samples per prompt must be ≥ 1, got \(settings.samples)") }
        guard settings.temperature >= 0, settings.temperature.isFinite else { throw EvalError("temperature must be ≥ 0, got \(settings.temperature)") }
        if settings.samples > 1 && settings.temperature == 0 { throw EvalError("\(settings.samples) samples per prompt need a temperature above 0 (greedy samples are all the same)") }
        if let n = settings.maxNewTokens, n < 1 { throw EvalError("max new tokens must be ≥ 1, got \(n)") }
        if let shots = settings.shots, shots < 0 { throw EvalError("shots must be ≥ 0, got \(shots)") }
        self.model = model
        self.tokenizer = tokenizer
        self.template = settings.chat ? template : nil
        self.eosTokens = eosTokens
        self.data = data
        self.settings = settings
        self.modelSHA256 = modelSHA256
        self.store = store
    }

    /// The settings a task sees: `--shots` does not apply to tasks without few-shot examples.
    public func options(for task: any EvalTask) -> TaskOptions {
        var options = settings.taskOptions
        if task.maximumShots == 0 { options.shots = nil }
        return options
    }

    /// The task's documents (the first `limit`, of each sub-task where the task has them), checked
    /// against the shots its exemplars allow.
    public func items(_ task: any EvalTask, limit: Int?) throws -> [EvalItem] {
        let options = self.options(for: task)
        if let shots = options.shots, let most = task.maximumShots, shots > most {
            throw EvalError("\(task.name): --shots \(shots) asks for more examples than the task's \(most)")
        }
        let all = try task.items(data, options)
        let items = limit.map { Self.firstDocuments($0, of: all) } ?? all
        try checkVocabulary(items, task: task)
        return items
    }

    /// The first `limit` documents of each sub-task (MMLU subject, BBH task), or of the whole task when
    /// it has none: lm-eval's `--limit` and lighteval's `max_samples` apply to every sub-task of a
    /// group alike, so a limited MMLU still covers all 57 subjects. Document order is kept.
    public static func firstDocuments(_ limit: Int, of items: [EvalItem]) -> [EvalItem] {
        var taken: [String?: Int] = [:]
        return items.filter { item in
            let count = taken[item.group, default: 0]
            taken[item.group] = count + 1
            return count < limit
        }
    }

    /// Every prompt and choice must be representable: a byte the vocabulary has no token for would be
    /// dropped by the tokenizer (as Hugging Face's does) and the model would see another text.
    func checkVocabulary(_ items: [EvalItem], task: any EvalTask) throws {
        for item in items {
            var texts = [item.prompt.rendered(chat: template)]
            if case .choices(let choices, _) = item.request { texts += choices }
            for text in texts {
                if let byte = tokenizer.unrepresentableBytes(in: Array(text.utf8)).first {
                    throw EvalError("\(task.name), document \(item.index): the model's vocabulary has no token for the byte 0x\(String(byte, radix: 16, uppercase: true)) "
                                    + "in its prompt, so the prompt cannot be rendered for this model")
                }
            }
        }
    }

    public func run(_ task: any EvalTask, limit: Int?) throws -> TaskResult {
        try run(task, items: try items(task, limit: limit))
    }

    /// Runs `task` on documents already built by `items(_:limit:)`.
    public func run(_ task: any EvalTask, items: [EvalItem]) throws -> TaskResult {
        let options = self.options(for: task)
        let done = Dictionary((store?.records ?? []).filter { $0.task == task.name }.map { ($0.docIndex, $0) }, uniquingKeysWith: { a, _ in a })
        let todo = items.filter { done[$0.index] == nil }
        var records = items.compactMap { done[$0.index] }
        let began = Profiler.now()
        var tokens = 0
        var scoredNow = 0
        func finished(_ new: [SampleRecord], tokensSoFar: Int) throws {
            try store?.append(new)
            records += new
            scoredNow += new.count
            let seconds = Profiler.now() - began
            progress?(EvalProgress(task: task.name, done: records.count, total: items.count, scoredNow: scoredNow, seconds: seconds,
                                   tokensPerSecond: Double(tokensSoFar) / max(1e-9, seconds)))
        }
        if case .generation = todo.first?.request {
            tokens = try generate(todo, task: task, options: options) { record, tokensSoFar in try finished([record], tokensSoFar: tokensSoFar) }
        } else {
            var start = 0
            while start < todo.count {
                let chunk = Array(todo[start..<min(todo.count, start + questionsPerCall)])
                let (new, used) = try scoreChoices(chunk, task: task)
                tokens += used
                start += chunk.count
                try finished(new, tokensSoFar: tokens)
            }
        }
        records.sort { $0.docIndex < $1.docIndex }   // the same sums whether or not the run resumed
        let order = task.metrics(options)
        var values: [String: [Double]] = [:]
        for record in records { for (name, list) in record.metrics { values[name, default: []] += list } }
        var summaries = values.mapValues(MetricSummary.init)
        if task.reportsGroupAverage {
            // Each group's mean, then their unweighted mean; the standard error over the group means.
            for name in values.keys {
                var groups: [String: [Double]] = [:]
                for record in records { groups[record.group ?? "", default: []] += record.metrics[name] ?? [] }
                summaries[name + "_macro"] = MetricSummary(groups.keys.sorted().map { MetricSummary(groups[$0]!).value })
            }
        }
        var names = order + summaries.keys.filter { !order.contains($0) }.sorted()
        names = names.filter { summaries[$0] != nil }
        return TaskResult(task: task.name, metrics: summaries, metricOrder: names, items: records.count,
                          shots: options.shots ?? task.defaultShots(options), settings: settings, modelSHA256: modelSHA256,
                          tokens: tokens, seconds: Profiler.now() - began)
    }

    /// Context and continuation tokens of every choice (lm-eval's `_encode_pair`): the context's
    /// trailing whitespace moves to the front of every continuation, the context is tokenized alone
    /// and each continuation's tokens are the tail of tokenizing both together.
    public func choiceRequest(_ item: EvalItem, choices: [String]) -> (ChoiceRequest, context: String, continuations: [String]) {
        let delimiter = settings.format == .lmEval && settings.chat ? "" : item.prompt.answerDelimiter
        let (context, moved) = movingTrailingWhitespace(context: item.prompt.rendered(chat: template), continuation: delimiter)
        let contextTokens = tokenizer.encode(context)
        let continuations = choices.map { moved + $0 }
        let continuationTokens = continuations.map { Array(tokenizer.encode(context + $0).dropFirst(contextTokens.count)) }
        return (ChoiceRequest(context: contextTokens, continuations: continuationTokens), context, continuations)
    }

    private func scoreChoices(_ items: [EvalItem], task: any EvalTask) throws -> ([SampleRecord], Int) {
        var requests: [ChoiceRequest] = [], rendered: [(String, [String])] = [], golds: [Int] = [], choiceTexts: [[String]] = []
        for item in items {
            guard case .choices(let choices, let gold) = item.request else { throw EvalError("\(task.name): mixed request kinds") }
            let (request, context, continuations) = choiceRequest(item, choices: choices)
            requests.append(request)
            rendered.append((context, continuations))
            golds.append(gold)
            choiceTexts.append(choices)
        }
        let tokensBefore = scorer.scoredTokens
        let results = try scorer.score(requests)
        var records: [SampleRecord] = []
        for (index, item) in items.enumerated() {
            let result = results[index], gold = golds[index]
            let lengths = choiceTexts[index].map { Double(max(1, $0.unicodeScalars.count)) }
            let acc = argmax(result.logLikelihoods) == gold ? 1.0 : 0.0
            let accNorm = argmax(zip(result.logLikelihoods, lengths).map { $0 / $1 }) == gold ? 1.0 : 0.0
            records.append(SampleRecord(task: task.name, docIndex: item.index, group: item.group, prompt: rendered[index].0,
                                        continuations: rendered[index].1, gold: gold, loglikelihoods: result.logLikelihoods,
                                        isGreedy: result.greedy, metrics: ["acc": [acc], "acc_norm": [accNorm]]))
        }
        return (records, scorer.scoredTokens - tokensBefore)
    }

    /// numpy `argmax`: the first index of the largest value.
    func argmax(_ values: [Double]) -> Int {
        var best = 0
        for i in values.indices where values[i] > values[best] { best = i }
        return best
    }

    /// One document of a generative task, generated and scored (not cached).
    public func generateOne(_ item: EvalItem, task: any EvalTask) throws -> SampleRecord {
        var record: SampleRecord?
        _ = try generate([item], task: task, options: options(for: task)) { new, _ in record = new }
        guard let record else { throw EvalError("\(task.name), document \(item.index): no response came back") }
        return record
    }

    /// Generates and scores `items`, streamed through `generationSlots` decode slots (a finished
    /// response's slot goes to the next document at once), handing each document's record to `each`
    /// as soon as its responses end (with the tokens through the model so far). Returns those tokens.
    private func generate(_ items: [EvalItem], task: any EvalTask, options: TaskOptions,
                          each: (SampleRecord, Int) throws -> Void) throws -> Int {
        guard case .generation(let stop, let taskLimit) = items.first?.request else { return 0 }
        let newTokens = settings.maxNewTokens ?? taskLimit
        let window = model.config.maxPositionEmbeddings
        guard newTokens < window else { throw EvalError("\(newTokens) new tokens do not fit the model's context of \(window)") }
        let prompts = items.map { $0.prompt.rendered(chat: template) }
        let requests = try items.enumerated().map { offset, item in
            guard case .generation = item.request else { throw EvalError("\(task.name): mixed request kinds") }
            // lm-eval keeps the last (context − new tokens) tokens of a prompt that is too long.
            return GenerationRequest(id: item.index, prompt: Array(tokenizer.encode(prompts[offset]).suffix(window - newTokens)), samples: settings.samples)
        }
        let sampling = SamplingSettings(temperature: settings.temperature, maxNewTokens: newTokens, stopStrings: stop, seed: settings.seed)
        let generator = try Generator(model: model, settings: sampling, eosTokens: eosTokens, maxBatch: generationSlots,
                                      decode: { [tokenizer] in tokenizer.decode($0) })
        let metrics = task.metrics(options)
        return try withoutActuallyEscaping(each) { each in
        let feed = ListFeed(requests) { [self] samples, offset in
            let item = items[offset]
            let responses = samples.map { response(of: $0, stop: stop) }
            let scores = responses.map { task.score(response: $0, item: item, options: options) }
            let record = SampleRecord(task: task.name, docIndex: item.index, group: item.group, prompt: prompts[offset],
                                      reference: item.reference.string ?? item.reference.compactJSON, responses: responses,
                                      extracted: scores.map(\.extracted), metrics: combine(scores, metrics: metrics))
            try each(record, generator.statistics.prefillTokens + generator.statistics.decodedTokens)
        }
        try generator.generate(streaming: feed, longestPrompt: requests.map(\.prompt.count).max() ?? 1)
        return generator.statistics.prefillTokens + generator.statistics.decodedTokens
        }
    }

    /// The response text: generated tokens without special tokens, cut at the first stop string.
    func response(of sample: GeneratedSample, stop: [String]) -> String {
        let text = tokenizer.decode(sample.tokens, skipSpecial: true)
        guard let cut = stop.filter({ !$0.isEmpty }).compactMap({ text.range(of: $0)?.lowerBound }).min() else { return text }
        return String(text[..<cut])
    }
}

