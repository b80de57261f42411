import Foundation
import LlamaModel
import ModelIO
import Testing
import TestSupport
import Tokenization
import Evaluation

/// Generative tasks stream their documents through the decode slots: any number of slots gives the
/// same responses, every document is cached once, and the metrics are folded in document order.
@Suite struct StreamedGenerationTests {
    @Test func slotsDoNotChangeTheResponsesOrTheMetrics() throws {
        let folder = try tinyModelFolder(prefix: "eval-slots") + "/model"
        let model = try LlamaCheckpoint.load(folder)
        let tokenizer = try BPETokenizer.load(checkpoint: folder)
        let data = try ScratchFolder.make("eval-slots-data")
        try FileManager.default.createDirectory(atPath: data + "/gsm8k", withIntermediateDirectories: true)
        // prompts of different lengths, so responses end at different steps
        let questions = (1...12).map { "{\"question\": \"What is \($0) + \(String(repeating: "1", count: $0 % 5 + 1))?\", \"answer\": \"#### \($0)\"}" }
        try Data((questions.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: data + "/gsm8k/test.jsonl"))
        try Data("{\"question\": \"1 + 1?\", \"answer\": \"#### 2\"}\n".utf8).write(to: URL(fileURLWithPath: data + "/gsm8k/train.jsonl"))
        var outcomes: [(records: [SampleRecord], result: TaskResult)] = []
        for slots in [1, 3, 32] {
            let store = try SampleStore(path: try ScratchFolder.make("eval-slots-out") + "/samples.jsonl")
            let runner = try EvalRunner(model: model, tokenizer: tokenizer, template: nil, eosTokens: [257], data: BenchmarkData(root: data),
                                        settings: EvalSettings(shots: 1, maxNewTokens: 9), modelSHA256: "", store: store)
            runner.generationSlots = slots
            let result = try runner.run(GSM8KTask(), limit: nil)
            #expect(store.records.count == 12 && Set(store.records.map(\.docIndex)) == Set(0..<12))
            outcomes.append((store.records.sorted { $0.docIndex < $1.docIndex }, result))
        }
        for outcome in outcomes.dropFirst() {
            #expect(outcome.records == outcomes[0].records)
            #expect(outcome.result.metrics == outcomes[0].result.metrics)
        }
    }
}
