import Foundation
import RunConfig

/// The runs of a sweep: every combination of the grid's values, in order (the first key varies
/// slowest), each a set of `--set` overrides on the base config and a folder name.
public struct SweepGrid: Sendable, Equatable {
    public struct Axis: Sendable, Equatable {
        /// A config key, e.g. `optimizer.lr`.
        public let key: String
        public let values: [String]
    }

    public struct Run: Sendable, Equatable {
        /// The folder name under `DIR/runs/`: `lr=3e-5_batch_size=16`.
        public let name: String
        /// `key=value` for each axis.
        public let overrides: [String]
        /// The value of each axis, as given.
        public let values: [String]
    }

    public let axes: [Axis]

    /// Parses `--grid key=v1,v2,…` options: at least two values per key, each key once.
    public init(_ options: [String]) throws {
        var axes: [Axis] = []
        for option in options {
            guard let equals = option.firstIndex(of: "="), equals != option.startIndex else {
                throw TrainerError("--grid \(option): expected key=value1,value2,… (e.g. optimizer.lr=1e-5,3e-5,1e-4)")
            }
            let key = String(option[..<equals]).trimmingCharacters(in: .whitespaces)
            let values = option[option.index(after: equals)...].split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            if values.contains("") { throw TrainerError("--grid \(option): an empty value") }
            guard values.count >= 2 else {
                throw TrainerError("--grid \(option): a grid of one value is not a sweep; set it with --set \(key)=\(values[0])")
            }
            if Set(values).count != values.count { throw TrainerError("--grid \(option): a value given twice") }
            if axes.contains(where: { $0.key == key }) { throw TrainerError("--grid \(key): the key is given twice") }
            axes.append(Axis(key: key, values: values))
        }
        guard !axes.isEmpty else { throw TrainerError("--grid: at least one key=value1,value2,… is needed") }
        self.axes = axes
    }

    /// A short name per key: its last component, or the whole key when two keys end alike.
    var shortNames: [String] {
        let last = axes.map { String($0.key.split(separator: ".").last ?? Substring($0.key)) }
        return axes.indices.map { index in last.filter { $0 == last[index] }.count > 1 ? axes[index].key : last[index] }
    }

    /// Every combination, the first axis varying slowest.
    public var runs: [Run] {
        var combinations: [[String]] = [[]]
        for axis in axes { combinations = combinations.flatMap { prefix in axis.values.map { prefix + [$0] } } }
        let names = shortNames
        return combinations.map { values in
            Run(name: zip(names, values).map { "\($0)=\($1)" }.joined(separator: "_"),
                overrides: zip(axes, values).map { "\($0.key)=\($1)" }, values: values)
        }
    }
}
