import Foundation

/// Every task `rlvr eval` knows, by name.
public enum TaskCatalog {
    public static let all: [any EvalTask] = [
        IFEvalTask(), GSM8KTask(), GSM8KChainOfThoughtTask(), MATH500Task(), BBHTask(),
        HellaSwagTask(), ARCTask(challenge: false), ARCTask(challenge: true), PIQATask(), MMLUClozeTask(),
    ]

    public static var names: [String] { all.map(\.name) }

    /// The tasks of a comma-separated list, in the list's order (duplicates once).
    public static func resolve(_ list: String) throws -> [any EvalTask] {
        var tasks: [any EvalTask] = [], seen: Set<String> = []
        for raw in list.split(separator: ",", omittingEmptySubsequences: false) {
            let name = raw.trimmingCharacters(in: .whitespaces).lowercased()
            guard let task = all.first(where: { $0.name == name }) else {
                throw EvalError("unknown task \"\(name)\" (known: \(names.joined(separator: ", ")))")
            }
            if seen.insert(name).inserted { tasks.append(task) }
        }
        if tasks.isEmpty { throw EvalError("no task named (known: \(names.joined(separator: ", ")))") }
        return tasks
    }
}
