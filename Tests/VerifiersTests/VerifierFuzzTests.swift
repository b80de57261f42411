import Foundation
import Testing
import Verifiers

/// Thousands of random and adversarial responses: every verifier returns, quickly, a score in [0, 1].
@Suite struct VerifierFuzzTests {
    static func adversarial() -> [String] {
        var cases = [
            String(repeating: "(", count: 1 << 20), String(repeating: "{", count: 100_000), String(repeating: "}", count: 100_000),
            String(repeating: "\\boxed{", count: 20_000), "\\boxed{" + String(repeating: "(", count: 100_000) + "}",
            String(repeating: "9", count: 50_000), "#### " + String(repeating: "9", count: 5_000),
            String(repeating: "1,", count: 50_000), String(repeating: "$", count: 100_001), String(repeating: "a ", count: 200_000),
            "\\frac" + String(repeating: "{1", count: 10_000), String(repeating: "\\sqrt", count: 20_000),
            String(repeating: "Final Answer: The final answer is ", count: 5_000),
            "\u{FFFD}\u{0}\u{1}\u{7F}\u{202E}\u{FEFF}", String(repeating: "👩‍👩‍👧", count: 10_000), "",
            String(repeating: "=", count: 100_000), String(repeating: "\\text{", count: 30_000),
        ]
        var state: UInt64 = 17
        let alphabet = Array("0123456789,.-+#$\\{}()[]^_/ =abcdefxyzABC\n\t%∞√πé中😀\u{0}\u{FFFD}")
        for _ in 0..<500 {
            var text = ""
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let length = Int(state >> 54)
            for _ in 0..<length {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                text.append(alphabet[Int(state >> 33) % alphabet.count])
            }
            cases.append(text)
        }
        return cases
    }

    @Test(arguments: ["gsm8k", "gsm8k_strict", "math", "math_strict"])
    func everyResponseGetsABoundedVerdict(name: String) throws {
        let verifier = try VerifierRegistry.builtIn.verifier(named: name)
        let truths: [GroundTruth] = [.text("18"), .text("\\frac{1}{2}"), .text(String(repeating: "{", count: 1000))]
        var slowest = 0.0
        for response in Self.adversarial() {
            for truth in truths {
                let start = Date()
                let verdict = verifier.verify(response: response, groundTruth: truth, prompt: nil)
                slowest = max(slowest, Date().timeIntervalSince(start))
                #expect((0...1).contains(verdict.score))
            }
        }
        #expect(slowest < 5, "slowest verdict took \(slowest) s")
    }
}
