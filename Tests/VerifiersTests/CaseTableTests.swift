import Foundation
import JSON
import Testing
import Verifiers

/// The table-driven cases in `verifiers/cases/*.jsonl`: every row names a verifier, a response, a
/// ground truth, the expected `verified` and `why` the case exists.
@Suite struct CaseTableTests {
    static let casesFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("verifiers/cases")

    static func rows(_ file: String) throws -> [[String: Any]] {
        let data = try Data(contentsOf: casesFolder.appendingPathComponent(file))
        return try data.split(separator: UInt8(ascii: "\n")).map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
        }
    }

    @Test(arguments: ["gsm8k.jsonl", "math.jsonl", "ifeval.jsonl", "ifeval_tulu.jsonl"])
    func everyCaseHoldsAndSaysWhy(file: String) throws {
        let registry = VerifierRegistry.builtIn
        let rows = try Self.rows(file)
        #expect(rows.count >= 10)
        for row in rows {
            let why = try #require(row["why"] as? String)
            let verifier = try registry.verifier(named: try #require(row["verifier"] as? String))
            let response = try #require(row["response"] as? String)
            let truth: GroundTruth
            switch JSONValue(any: row["ground_truth"] as Any) {
            case .object(let object): truth = .object(object)
            case .string(let text): truth = .text(text)
            default: truth = .text("")
            }
            let verdict = verifier.verify(response: response, groundTruth: truth, prompt: nil)
            if let score = row["score"] as? Double {
                #expect(abs(verdict.score - score) < 1e-9, "\(file): \(why) — \(verdict.reason)")
            } else {
                #expect(verdict.verified == (row["verified"] as? Bool), "\(file): \(why) — \(verdict.reason)")
            }
        }
    }

    @Test func unknownNamesListTheKnownOnes() {
        #expect(throws: VerifierRegistry.UnknownVerifier.self) { try VerifierRegistry.builtIn.verifier(named: "gms8k") }
        #expect((try? VerifierRegistry.builtIn.verifier(named: "GSM8K"))?.name == "gsm8k")
    }
}
