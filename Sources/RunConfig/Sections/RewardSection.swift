/// How rewards are computed from verifiers (RLVR): the scale of a verified answer, a folder of
/// plug-in verifiers, and routes from a row's `dataset` value to weighted verifiers.
///
///     rewards:
///       scale: 10
///       plugins: verifiers
///       routes:
///         gsm8k_platinum: [{verifier: gsm8k, weight: 1.0}]
///         mixed: [{verifier: math, weight: 0.8}, {verifier: final_number, weight: 0.2}]
public struct RewardSection: RunConfigSection, Equatable {
    public struct Route: RunConfigSection, Equatable {
        public var verifier: String
        public var weight: Double

        enum CodingKeys: String, CodingKey { case verifier, weight }

        public init(verifier: String, weight: Double = 1) {
            self.verifier = verifier
            self.weight = weight
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            verifier = try c.decode(String.self, forKey: .verifier)
            weight = try c.value(.weight, or: 1.0)
        }

        public func problems() -> [ConfigProblem] {
            var found: [ConfigProblem] = []
            if verifier.isEmpty { found.append(ConfigProblem("verifier", "expected a verifier name")) }
            if !(weight.isFinite) { found.append(ConfigProblem("weight", "expected a finite number, got \(weight)")) }
            return found
        }
    }

    /// Reward of a fully verified answer (Tulu 3: 10).
    public var scale: Double
    /// Folder of plug-in verifiers (*.yaml); null for built-ins only.
    public var plugins: String?
    public var routes: [String: [Route]]

    enum CodingKeys: String, CodingKey { case scale, plugins, routes }

    public init() {
        scale = 10
        plugins = nil
        routes = [:]
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Self()
        scale = try c.value(.scale, or: d.scale)
        plugins = try c.decodeIfPresent(String.self, forKey: .plugins)
        routes = try c.value(.routes, or: d.routes)
    }

    public func problems() -> [ConfigProblem] {
        var found: [ConfigProblem] = []
        if !(scale > 0 && scale.isFinite) { found.append(ConfigProblem("scale", "expected a positive number, got \(scale)")) }
        for (name, route) in routes.sorted(by: { $0.key < $1.key }) {
            if route.isEmpty { found.append(ConfigProblem("routes.\(name)", "expected at least one verifier")) }
            for (index, entry) in route.enumerated() {
                found += entry.problems().map { $0.inSection("routes.\(name).\(index)") }
            }
        }
        return found
    }
}
