import Foundation
import Testing
import TestSupport
import Evaluation

/// samples.jsonl as a resume cache: records survive a reopen, a line cut by a killed run is dropped,
/// a foreign line is an error naming it.
@Suite struct SampleStoreTests {
    func record(_ index: Int) -> SampleRecord {
        SampleRecord(task: "piqa", docIndex: index, prompt: "Question: q\nAnswer:", continuations: [" a", " b"], gold: 0,
                     loglikelihoods: [-1.5, -2.25], isGreedy: [true, false], metrics: ["acc": [1], "acc_norm": [1]])
    }

    @Test func recordsRoundTripAndACutLineIsDropped() throws {
        let path = try ScratchFolder.make("eval-store") + "/samples.jsonl"
        try SampleStore(path: path).append([record(0), record(1)])
        // A killed run leaves half a line.
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("{\"task\": \"piqa\", \"doc_in".utf8))
        try handle.close()
        let reopened = try SampleStore(path: path)
        #expect(reopened.records == [record(0), record(1)])
        try reopened.append([record(2)])
        #expect(try SampleStore(path: path).records.map(\.docIndex) == [0, 1, 2])
    }

    @Test func foreignLinesAreErrorsWithTheirLine() throws {
        let path = try ScratchFolder.make("eval-store") + "/samples.jsonl"
        try Data((String(decoding: try record(0).jsonLine(), as: UTF8.self) + "{\"x\": 1}\n").utf8).write(to: URL(fileURLWithPath: path))
        #expect { try SampleStore(path: path) } throws: { "\($0)".contains("samples.jsonl:2:") }
    }
}
