/// A configuration that cannot be used, located as precisely as possible: the file and line of the
/// offending YAML node, or the `--set` override that introduced it.
import Diagnostics

public struct ConfigError: LocatedBadInput, Equatable, Sendable {
    /// `configs/sft.yaml:12:3`, `--set optimizer.lr=abc`, or just the file.
    public var location: String
    /// Dotted key path, e.g. `optimizer.lr`; empty for the whole document.
    public var key: String
    public var problem: String

    public init(location: String, key: String, problem: String) {
        self.location = location
        self.key = key
        self.problem = problem
    }

    public var place: String { location }
}

/// One thing wrong with a decoded configuration, found by `validate`.
public struct ConfigProblem: Equatable, Sendable {
    /// Dotted key path of the offending value.
    public var key: String
    public var problem: String

    public init(_ key: String, _ problem: String) {
        self.key = key
        self.problem = problem
    }
}

/// Suggests the known name closest to a misspelt one (Levenshtein distance ≤ 2), if any.
func closestMatch(to word: String, in candidates: [String]) -> String? {
    func distance(_ a: [Character], _ b: [Character]) -> Int {
        var previous = Array(0...b.count)
        for (i, ca) in a.enumerated() {
            var current = [i + 1]
            for (j, cb) in b.enumerated() {
                current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (ca == cb ? 0 : 1)))
            }
            previous = current
        }
        return previous[b.count]
    }
    let scored = candidates.map { ($0, distance(Array(word), Array($0))) }.filter { $0.1 <= 2 }
    return scored.min { $0.1 < $1.1 }?.0
}
