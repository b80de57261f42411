import Foundation
import Testing
import Evaluation
import Verifiers

/// CPython's generator (shared with the language detector), checked against numbers CPython 3.11
/// printed and against the lighteval few-shot plan committed with the data (computed by CPython).
@Suite struct PythonRandomTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    @Test func matchesCPythonOutputs() {
        // python3 -c "import random; r = random.Random(42); print([r.getrandbits(32) for _ in range(3)])"
        var random = PythonRandom(seed: 42)
        #expect([random.nextUInt32(), random.nextUInt32(), random.nextUInt32()] == [2_746_317_213, 478_163_327, 107_420_369])
        // random.Random(1234).sample(range(7473), 5)
        var sampler = PythonRandom(seed: 1234)
        #expect(sampler.sample(count: 7473, choose: 5) == [6374, 3610, 957, 61, 742])
    }

    @Test func smallPopulationsUseThePoolMethod() {
        // random.Random(7).sample(range(10), 4); x = list(range(6)); random.Random(7).shuffle(x)
        var random = PythonRandom(seed: 7)
        #expect(random.sample(count: 10, choose: 4) == [5, 2, 6, 9])
        var items = Array(0..<6)
        var shuffler = PythonRandom(seed: 7)
        shuffler.shuffle(&items)
        #expect(items == [4, 0, 5, 3, 1, 2])
    }

    /// lighteval's GSM8K 5-shot plan (seed 42: shuffle the test questions, then one `sample` of the
    /// train pool per question in that order) — all 1,319 questions.
    @Test func reproducesLightevalGSM8KShotPlan() throws {
        let plan = try String(contentsOfFile: Self.root + "/data/eval/gsm8k/smollm2_lighteval_5shot_plan.jsonl", encoding: .utf8)
        let ours = GSM8KTask.shotPlan(questions: 1319, pool: 7473, shots: 5, format: .lighteval)
        var checked = 0
        for line in plan.split(separator: "\n") {
            let row = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let test = try #require(row["test_index"] as? Int), train = try #require(row["train_indices"] as? [Int])
            #expect(ours[test] == train, "test question \(test)")
            checked += 1
        }
        #expect(checked == 1319)
    }
}
