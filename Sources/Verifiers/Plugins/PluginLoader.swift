import Diagnostics
import Foundation
import Yams

/// Loads the verifiers declared in a folder (`verifiers/*.yaml`): rule files and external programs.
///
///     # verifiers/multiple_choice.yaml            # verifiers/length_bonus.yaml
///     name: multiple_choice                        name: length_bonus
///     extract: {pattern: '…', group: 1}            external:
///     normalize: [strip, uppercase]                  command: [python3, verifiers/examples/length_bonus.py]
///     compare: exact                                 timeout: 5
public enum PluginLoader {
    public struct Problem: BadInput {
        public let description: String
    }

    public static func load(folder: String) throws -> [any Verifier] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) else {
            throw Problem(description: "\(folder): no such folder of plug-in verifiers")
        }
        guard isFolder.boolValue else { throw Problem(description: "\(folder): is a file, expected a folder of plug-in verifiers (*.yaml)") }
        let entries: [String]
        do {
            entries = try FileManager.default.contentsOfDirectory(atPath: folder)
        } catch {
            throw Problem(description: "\(folder): cannot be read (\(ExternalVerifier.describe(error)))")
        }
        let files = entries.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        return try files.map { try load(file: folder + "/" + $0) }
    }

    public static func load(file: String) throws -> any Verifier {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { throw Problem(description: "\(file): cannot be read") }
        let parsed: Any?
        do {
            parsed = try Yams.load(yaml: text)
        } catch {
            throw Problem(description: "\(file): is not valid YAML (\(String(describing: error).split(separator: "\n").first ?? ""))")
        }
        guard let spec = parsed as? [String: Any] else { throw Problem(description: "\(file): expected a mapping") }
        func fail(_ key: String, _ problem: String) -> Problem { Problem(description: "\(file): \(key): \(problem)") }
        let known: Set<String> = ["name", "version", "description", "extract", "normalize", "compare", "tolerance", "separator", "score", "external"]
        if let unknown = spec.keys.sorted().first(where: { !known.contains($0) }) {
            throw fail(unknown, "unknown key (known: \(known.sorted().joined(separator: ", ")))")
        }
        guard let name = spec["name"] as? String, !name.isEmpty else { throw fail("name", "required: the verifier's name") }
        let version = (spec["version"]).map { "\($0)" } ?? "1"
        if let external = spec["external"] as? [String: Any] {
            guard let command = external["command"] as? [String], !command.isEmpty else {
                throw fail("external.command", "expected a list: the program and its arguments")
            }
            let timeout = (external["timeout"] as? Double) ?? (external["timeout"] as? Int).map(Double.init) ?? 10
            return ExternalVerifier(name: name, version: version, command: command, timeout: timeout,
                                    workingDirectory: external["working_directory"] as? String)
        }
        let extract = spec["extract"] as? [String: Any]
        let normalize = try (spec["normalize"] as? [String] ?? ["strip"]).map { step -> RuleVerifier.Normalization in
            guard let value = RuleVerifier.Normalization(rawValue: step) else {
                throw fail("normalize", "unknown step \"\(step)\" (known: \(RuleVerifier.Normalization.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            return value
        }
        let compareName = spec["compare"] as? String ?? "exact"
        guard let comparison = RuleVerifier.Comparison(rawValue: compareName) else {
            throw fail("compare", "unknown comparison \"\(compareName)\" (known: \(RuleVerifier.Comparison.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let occurrenceName = extract?["match"] as? String ?? "last"
        guard let occurrence = RuleVerifier.Occurrence(rawValue: occurrenceName) else { throw fail("extract.match", "expected first or last") }
        let scores = spec["score"] as? [String: Any] ?? [:]
        func number(_ value: Any?) -> Double? { (value as? Double) ?? (value as? Int).map(Double.init) }
        do {
            return try RuleVerifier(name: name, version: version, pattern: extract?["pattern"] as? String, group: extract?["group"] as? Int ?? 0,
                                    occurrence: occurrence, normalizations: normalize, comparison: comparison,
                                    tolerance: number(spec["tolerance"]) ?? 1e-6, separator: spec["separator"] as? String ?? ",",
                                    correctScore: number(scores["correct"]) ?? 1, wrongScore: number(scores["wrong"]) ?? 0,
                                    noMatchScore: number(scores["no_match"]) ?? 0)
        } catch {
            throw fail("extract.pattern", "\(error)")
        }
    }
}
