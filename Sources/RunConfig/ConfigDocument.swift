import Foundation
import Yams

/// A YAML configuration as a node tree, with `--set` overrides applied, remembering where every
/// node came from so errors can point at a file line or at the override.
public struct ConfigDocument {
    /// The file the YAML came from (as given by the user), or `<inline>`.
    public let source: String
    public private(set) var root: Node
    /// Dotted key path → the override text (`a.b=c`) that set it.
    private(set) var overrides: [String: String] = [:]

    /// Parses YAML text. An empty document is an empty mapping.
    public init(yaml: String, source: String) throws {
        self.source = source
        let parsed: Node?
        do {
            parsed = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw Self.configError(error, source: source)
        }
        guard let parsed else {
            root = Node.mapping(Node.Mapping([]))
            return
        }
        guard case .mapping = parsed else {
            let place = parsed.mark.map { "\(source):\($0.line):\($0.column)" } ?? source
            throw ConfigError(location: place, key: "", problem: "expected a mapping of sections at the top level")
        }
        root = parsed
    }

    public init(file path: String) throws {
        let text: String
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw ConfigError(location: path, key: "", problem: "no such config file")
        }
        guard !isFolder.boolValue else { throw ConfigError(location: path, key: "", problem: "is a folder, not a config file") }
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError(location: path, key: "", problem: "cannot be read as UTF-8 text (\(error.localizedDescription))")
        }
        try self.init(yaml: text, source: path)
    }

    /// A parser error with the line it happened on.
    private static func configError(_ error: YamlError, source: String) -> ConfigError {
        func at(_ mark: Mark) -> String { "\(source):\(mark.line):\(mark.column)" }
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _), let .composer(context, problem, mark, _):
            let detail = context.map { "\($0.text), " } ?? ""
            return ConfigError(location: at(mark), key: "", problem: "is not valid YAML: \(detail)\(problem)")
        case let .duplicatedKeysInMapping(duplicates, context):
            return ConfigError(location: at(context.mark), key: "",
                               problem: "a mapping has the same key twice: \(duplicates.sorted().joined(separator: ", "))")
        default:
            let text = "\(error)".split(separator: "\n").first.map(String.init) ?? "\(error)"
            return ConfigError(location: source, key: "", problem: "is not valid YAML: \(text)")
        }
    }

    /// `file:line:column` for a node read from the file, or the override that created it.
    func location(of node: Node, path: [String] = []) -> String {
        if let mark = node.mark, overrideText(for: path) == nil {
            return "\(source):\(mark.line):\(mark.column)"
        }
        if let text = overrideText(for: path) { return "--set \(text)" }
        return source
    }

    private func overrideText(for path: [String]) -> String? {
        var prefix = path
        while !prefix.isEmpty {
            if let text = overrides[prefix.joined(separator: ".")] { return text }
            prefix.removeLast()
        }
        return nil
    }

    // MARK: Overrides

    /// Applies `key.path=value` overrides in order. The value is read as YAML, so `3` is a number,
    /// `true` a boolean, `[0.9, 0.95]` a list and `null` clears an optional setting.
    public mutating func apply(overrides: [String]) throws {
        for text in overrides {
            try apply(override: text)
        }
    }

    public mutating func apply(override text: String) throws {
        guard let equals = text.firstIndex(of: "=") else {
            throw ConfigError(location: "--set \(text)", key: "", problem: "expected key.path=value")
        }
        let keyPath = String(text[..<equals]).trimmingCharacters(in: .whitespaces)
        let valueText = String(text[text.index(after: equals)...])
        let path = keyPath.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !path.isEmpty, path.allSatisfy({ !$0.isEmpty && !$0.contains(where: \.isWhitespace) }) else {
            throw ConfigError(location: "--set \(text)", key: keyPath, problem: "expected a dotted key path like optimizer.lr")
        }
        guard !valueText.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ConfigError(location: "--set \(text)", key: keyPath, problem: "the value is empty (write null to clear an optional setting)")
        }
        var value: Node
        do {
            value = try Yams.compose(yaml: valueText) ?? Node("null", .implicit, .plain)
        } catch {
            throw ConfigError(location: "--set \(text)", key: keyPath, problem: "the value is not valid YAML")
        }
        overrides[keyPath] = text
        try set(Self.strippingMarks(value), at: path, describedAs: text)
    }

    /// Puts `value` at `path`, creating mappings on the way; `text` names the change in errors.
    mutating func set(_ value: Node, at path: [String], describedAs text: String) throws {
        root = try Self.setting(value, at: path[...], in: root, fullPath: path.joined(separator: "."), text: text)
    }

    private static func setting(_ value: Node, at path: ArraySlice<String>, in node: Node, fullPath: String, text: String) throws -> Node {
        guard let head = path.first else { return value }
        guard case .mapping(var mapping) = node else {
            throw ConfigError(location: "--set \(text)", key: fullPath,
                              problem: "cannot set \"\(head)\" inside a value that is not a mapping")
        }
        var pairs = mapping.map { ($0.key, $0.value) }
        let index = pairs.firstIndex { $0.0.string == head }
        let existing = index.map { pairs[$0].1 } ?? Node.mapping(Node.Mapping([]))
        let child = try setting(value, at: path.dropFirst(), in: existing, fullPath: fullPath, text: text)
        if let index {
            pairs[index].1 = child
        } else {
            pairs.append((Node(head), child))
        }
        mapping = Node.Mapping(pairs, mapping.tag, mapping.style, mapping.mark)
        return .mapping(mapping)
    }

    /// Override values carry no file position: errors about them point at the `--set` text.
    private static func strippingMarks(_ node: Node) -> Node {
        switch node {
        case .scalar(let scalar):
            return .scalar(Node.Scalar(scalar.string, scalar.tag, scalar.style, nil))
        case .mapping(let mapping):
            return .mapping(Node.Mapping(mapping.map { (strippingMarks($0.key), strippingMarks($0.value)) }, mapping.tag, mapping.style, nil))
        case .sequence(let sequence):
            return .sequence(Node.Sequence(sequence.map(strippingMarks), sequence.tag, sequence.style, nil))
        default:
            return node
        }
    }

    /// The node at a dotted path, if present.
    public func node(at path: [String]) -> Node? {
        var current = root
        for component in path {
            if case .mapping(let mapping) = current, let next = mapping[component] {
                current = next
            } else if case .sequence(let sequence) = current, let index = Int(component), sequence.indices.contains(index) {
                current = sequence[index]
            } else {
                return nil
            }
        }
        return current
    }

    /// The most precise location known for a key path: its own node, else its nearest ancestor's.
    public func location(ofKeyPath keyPath: String) -> String {
        var path = keyPath.split(separator: ".").map(String.init)
        while true {
            if let node = node(at: path) { return location(of: node, path: keyPath.split(separator: ".").map(String.init)) }
            if path.isEmpty { return source }
            path.removeLast()
        }
    }
}
