/// Turns a data row's verdicts into a reward, as Tulu 3 does: the row's `dataset` (case-insensitive)
/// names a verifier, or a route maps it to one or more verifiers with weights; the reward is
/// `scale × Σ weight · score` (Tulu 3: scale 10, one verifier of weight 1, so 10 for a verified answer).
public struct RewardRouter: Sendable {
    public struct Route: Sendable, Equatable {
        public var verifier: String
        public var weight: Double
        public init(verifier: String, weight: Double = 1) {
            self.verifier = verifier
            self.weight = weight
        }
    }

    public let registry: VerifierRegistry
    public let scale: Double
    private let routes: [String: [Route]]

    /// Every route's verifier must exist: an unknown name is an error listing the known ones.
    public init(registry: VerifierRegistry, scale: Double = 10, routes: [String: [Route]] = [:]) throws {
        for route in routes.values.flatMap({ $0 }) { _ = try registry.verifier(named: route.verifier) }
        self.registry = registry
        self.scale = scale
        self.routes = Dictionary(uniqueKeysWithValues: routes.map { ($0.key.lowercased(), $0.value) })
    }

    /// The weighted verifiers for a dataset name.
    public func verifiers(for dataset: String) throws -> [(verifier: any Verifier, weight: Double)] {
        if let route = routes[dataset.lowercased()] {
            return try route.map { (try registry.verifier(named: $0.verifier), $0.weight) }
        }
        return [(try registry.verifier(named: dataset), 1)]
    }

    /// The reward of one response and the verdicts behind it.
    public func reward(dataset: String, response: String, groundTruth: GroundTruth, prompt: String?) throws -> (reward: Double, verdicts: [Verdict]) {
        let weighted = try verifiers(for: dataset)
        let verdicts = weighted.map { $0.verifier.verify(response: response, groundTruth: groundTruth, prompt: prompt) }
        let total = zip(weighted, verdicts).reduce(0.0) { $0 + $1.0.weight * $1.1.score }
        return (scale * total, verdicts)
    }
}
