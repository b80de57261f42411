import Testing
import Verifiers

@Suite struct RewardRouterTests {
    @Test func datasetNamesAndRoutes() throws {
        let router = try RewardRouter(registry: .builtIn, scale: 10, routes: [
            "mixed": [.init(verifier: "gsm8k", weight: 0.5), .init(verifier: "math", weight: 0.5)],
        ])
        // Tulu 3: 10 for a verified GSM8K answer, routed by the (case-insensitive) dataset name.
        #expect(try router.reward(dataset: "GSM8K", response: "#### 18", groundTruth: .text("18"), prompt: nil).reward == 10)
        #expect(try router.reward(dataset: "gsm8k", response: "#### 17", groundTruth: .text("18"), prompt: nil).reward == 0)
        // A route with two weighted verifiers: gsm8k finds 18; math's whole-output candidate "#### 18" does not equal 18.
        let mixed = try router.reward(dataset: "mixed", response: "#### 18", groundTruth: .text("18"), prompt: nil)
        #expect(mixed.reward == 5 && mixed.verdicts.count == 2)
        #expect(throws: VerifierRegistry.UnknownVerifier.self) { try router.reward(dataset: "unknown", response: "", groundTruth: .text(""), prompt: nil) }
        #expect(throws: VerifierRegistry.UnknownVerifier.self) { try RewardRouter(registry: .builtIn, routes: ["x": [.init(verifier: "nope")]]) }
    }
}
