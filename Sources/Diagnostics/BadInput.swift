/// A mistake in what the user gave — a file, a setting, a row, a value — as opposed to a failure of
/// the run itself. The command line prints it in one line and exits with status 2 (failures: 1).
public protocol BadInput: Error, CustomStringConvertible {}

/// A bad input located in a file or setting: `place` (a file, `file:line:column`, `--set a=b`), the
/// `key` or field at fault (empty for the whole place) and the problem in words.
public protocol LocatedBadInput: BadInput {
    var place: String { get }
    var key: String { get }
    var problem: String { get }
}

extension LocatedBadInput {
    /// "place: key: problem", or "place: problem" without a key.
    public var description: String {
        key.isEmpty ? "\(place): \(problem)" : "\(place): \(key): \(problem)"
    }
}
