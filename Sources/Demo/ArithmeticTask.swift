import Foundation
import Training
import Generation

/// The demo's synthetic verifiable task: one-step addition word problems answered GSM8K-style
/// ("3 + 4 = 7\n#### 7"), generated from a seed. Training and held-out problems use disjoint names
/// and objects, so the held-out rate measures generalisation across wording.
///
/// The SFT answers come from a *noisy teacher* that is off by one (too high) a `noise` fraction of the
/// time: SFT learns to imitate it, mistakes included, and RLVR — rewarded by the GSM8K verifier, which
/// only the true sum satisfies — has room to do better than its teacher.
public struct ArithmeticTask: Sendable {
    public struct Problem: Sendable {
        public var question: String
        public var a: Int, b: Int
        public var answer: Int { a + b }
    }

    static let trainNames = ["Tom", "Ann", "Lee", "Sam", "Mia", "Joe", "Eva", "Max"]
    static let trainObjects = ["apples", "coins", "books", "cards", "pens", "cups"]
    static let heldOutNames = ["Zoe", "Ian", "Kim", "Ben"]
    static let heldOutObjects = ["shells", "stamps", "plums", "keys"]
    static let forms = [
        "{n} has {a} {o} and gets {b} more. How many {o} now?",
        "{n} had {a} {o}, then found {b} more. How many {o}?",
        "There are {a} {o}. {n} adds {b}. How many {o} in all?",
    ]

    public let seed: UInt64
    public let noise: Double

    public init(seed: UInt64, noise: Double = 0.6) {
        self.seed = seed
        self.noise = noise
    }

    private func uniform(_ stream: Int, _ index: Int, _ field: Int) -> Double {
        CounterRNG.uniform(seed: seed, prompt: stream, sample: field, position: index)
    }

    private func pick<T>(_ list: [T], _ stream: Int, _ index: Int, _ field: Int) -> T {
        list[min(list.count - 1, Int(uniform(stream, index, field) * Double(list.count)))]
    }

    /// Problem `index` of a stream (0: SFT, 1: RL prompts, 2: held-out).
    public func problem(stream: Int, index: Int) -> Problem {
        let heldOut = stream == 2
        let name = pick(heldOut ? Self.heldOutNames : Self.trainNames, stream, index, 0)
        let object = pick(heldOut ? Self.heldOutObjects : Self.trainObjects, stream, index, 1)
        let form = pick(Self.forms, stream, index, 2)
        let a = pick(Array(0...9), stream, index, 3), b = pick(Array(0...9), stream, index, 4)
        let question = form.replacingOccurrences(of: "{n}", with: name).replacingOccurrences(of: "{o}", with: object)
            .replacingOccurrences(of: "{a}", with: String(a)).replacingOccurrences(of: "{b}", with: String(b))
        return Problem(question: question, a: a, b: b)
    }

    /// The noisy teacher's worked answer to SFT problem `index`.
    public func teacherAnswer(_ problem: Problem, index: Int) -> String {
        let wrong = uniform(0, index, 5) < noise
        let sum = problem.answer + (wrong ? 1 : 0)
        return "\(problem.a) + \(problem.b) = \(sum)\n#### \(sum)"
    }

    static func json(_ object: [String: Any]) -> String {
        String(decoding: (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data(), as: UTF8.self)
    }

    /// SFT rows `{"messages": [user, assistant]}` with the teacher's answers.
    public func sftRows(_ count: Int) -> [String] {
        (0..<count).map { index in
            let problem = self.problem(stream: 0, index: index)
            return Self.json(["messages": [["role": "user", "content": problem.question],
                                           ["role": "assistant", "content": teacherAnswer(problem, index: index)]]])
        }
    }

    /// RLVR rows `{"messages": [user], "ground_truth": sum, "dataset": "gsm8k"}` (stream 1: training, 2: held-out).
    public func promptRows(_ count: Int, stream: Int) -> [String] {
        (0..<count).map { index in
            let problem = self.problem(stream: stream, index: index)
            return Self.json(["messages": [["role": "user", "content": problem.question]], "ground_truth": String(problem.answer), "dataset": "gsm8k"])
        }
    }
}
