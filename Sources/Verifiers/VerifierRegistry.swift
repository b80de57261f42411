import Diagnostics

/// Verifiers by name. Names are case-insensitive; an unknown name is an error listing the known ones.
public struct VerifierRegistry: Sendable {
    public struct UnknownVerifier: BadInput {
        public let name: String
        public let known: [String]
        public var description: String { "unknown verifier \"\(name)\" (known: \(known.joined(separator: ", ")))" }
    }

    private var verifiers: [String: any Verifier] = [:]

    public init(_ verifiers: [any Verifier] = []) {
        for verifier in verifiers { register(verifier) }
    }

    /// The built-in verifiers.
    public static var builtIn: VerifierRegistry {
        VerifierRegistry([GSM8KVerifier(), GSM8KVerifier(strict: true), MathVerifier(), MathVerifier(mode: .strict),
                          IFEvalVerifier(), IFEvalVerifier(mode: .loose), IFEvalTuluVerifier()])
    }

    /// The built-in verifiers plus those declared in `folder` (rule files and external programs).
    /// A plug-in may not take a built-in's name.
    public static func withPlugins(folder: String) throws -> VerifierRegistry {
        var registry = builtIn
        for plugin in try PluginLoader.load(folder: folder) {
            if registry.verifiers[plugin.name.lowercased()] != nil {
                throw PluginLoader.Problem(description: "\(folder): the plug-in name \"\(plugin.name)\" is already taken")
            }
            registry.register(plugin)
        }
        return registry
    }

    public mutating func register(_ verifier: any Verifier) {
        verifiers[verifier.name.lowercased()] = verifier
    }

    public var names: [String] { verifiers.keys.sorted() }

    public func verifier(named name: String) throws -> any Verifier {
        guard let verifier = verifiers[name.lowercased()] else { throw UnknownVerifier(name: name, known: names) }
        return verifier
    }
}
