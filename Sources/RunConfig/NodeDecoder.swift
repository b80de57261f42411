import Foundation
import Yams

/// A strict `Decoder` over a Yams node tree.
///
/// Unlike a plain YAML decoder it (1) records every key a type asks for, including optional keys it
/// only probes with `decodeIfPresent`, so keys nobody asked for can be reported as unknown; (2) throws
/// `ConfigError`s that carry the line and column of the offending node; (3) converts scalars
/// strictly: `3.5` is not an integer, `"yes"` in quotes is not a boolean.
final class NodeDecodingSession {
    let document: ConfigDocument
    /// For every mapping decoded with a keyed container: its path, its node, and the keys asked for.
    var visitedMappings: [String: (path: [String], mapping: Node.Mapping, asked: Set<String>)] = [:]
    /// Values decoded so far. Aliases let a small file name the same value many times (and aliases of
    /// aliases, exponentially many); decoding stops with an error beyond `ConfigLoader.maximumValues`.
    private(set) var decodedValues = 0

    init(document: ConfigDocument) {
        self.document = document
    }

    func record(path: [String], mapping: Node.Mapping, key: String?) {
        let id = path.joined(separator: ".")
        if visitedMappings[id] == nil { visitedMappings[id] = (path, mapping, []) }
        if let key { visitedMappings[id]!.asked.insert(key) }   // in place: no copy of the set per key
    }

    /// Counts one decoded value; an error once the document has expanded past `maximumValues`.
    func countValue(at node: Node, path: [String]) throws {
        decodedValues += 1
        let limit = ConfigLoader.maximumValues
        if decodedValues > limit {
            throw error(at: node, path: path, "the configuration expands to more than \(limit) values (through YAML aliases?)")
        }
    }

    func error(at node: Node?, path: [String], _ problem: String) -> ConfigError {
        let location = node.map { document.location(of: $0, path: path) } ?? document.location(ofKeyPath: path.joined(separator: "."))
        return ConfigError(location: location, key: path.joined(separator: "."), problem: problem)
    }

    /// Throws for the first key present in the YAML that no decoded type asked for.
    func checkForUnknownKeys() throws {
        for (_, entry) in visitedMappings.sorted(by: { $0.key < $1.key }) {
            for (keyNode, _) in entry.mapping {
                guard let key = keyNode.string, !entry.asked.contains(key) else { continue }
                let known = entry.asked.sorted()
                var problem = "unknown key"
                if let suggestion = closestMatch(to: key, in: known) { problem += " (did you mean \"\(suggestion)\"?)" }
                problem += known.isEmpty ? "" : "; known keys here: \(known.joined(separator: ", "))"
                throw error(at: keyNode, path: entry.path + [key], problem)
            }
        }
    }
}

struct CodingPathKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init(intValue: Int) { self.stringValue = String(intValue); self.intValue = intValue }
}

struct NodeDecoder: Decoder {
    let node: Node
    let path: [String]
    let session: NodeDecodingSession

    var codingPath: [CodingKey] { path.map { CodingPathKey(stringValue: $0) } }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    /// Where this node is, for types that validate themselves during decoding.
    func error(_ problem: String) -> ConfigError {
        session.error(at: node, path: path, problem)
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .mapping(let mapping) = node else {
            throw error("expected a mapping of keys, got \(describe(node))")
        }
        try session.countValue(at: node, path: path)
        session.record(path: path, mapping: mapping, key: nil)
        return KeyedDecodingContainer(KeyedNodeContainer<Key>(mapping: mapping, decoder: self))
    }

    func unkeyedContainer() throws -> UnkeyedDecodingContainer {
        guard case .sequence(let sequence) = node else {
            throw error("expected a list, got \(describe(node))")
        }
        try session.countValue(at: node, path: path)
        return UnkeyedNodeContainer(nodes: Array(sequence), decoder: self)
    }

    func singleValueContainer() throws -> SingleValueDecodingContainer {
        try session.countValue(at: node, path: path)
        return SingleNodeContainer(decoder: self)
    }

    func child(_ node: Node, key: String) -> NodeDecoder {
        NodeDecoder(node: node, path: path + [key], session: session)
    }
}

func describe(_ node: Node) -> String {
    switch node {
    case .scalar(let scalar): return scalar.style == .plain || scalar.style == .any ? "\(scalar.string)" : "\"\(scalar.string)\""
    case .mapping: return "a mapping"
    case .sequence: return "a list"
    case .alias: return "an alias"
    }
}

private func isNull(_ node: Node) -> Bool {
    if case .scalar(let scalar) = node { return NSNull.construct(from: scalar) != nil }
    return false
}

private struct KeyedNodeContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let mapping: Node.Mapping
    let decoder: NodeDecoder
    /// The mapping's values by key, built once: Yams looks keys up by a linear search, which made
    /// decoding a mapping of n keys take n² steps.
    private let index: [String: Node]

    init(mapping: Node.Mapping, decoder: NodeDecoder) {
        self.mapping = mapping
        self.decoder = decoder
        var index: [String: Node] = [:]
        index.reserveCapacity(mapping.count)
        for (key, value) in mapping {
            if let text = key.string, index[text] == nil { index[text] = value }
        }
        self.index = index
    }

    var codingPath: [CodingKey] { decoder.codingPath }
    var allKeys: [Key] { mapping.keys.compactMap { $0.string.flatMap(Key.init(stringValue:)) } }

    private func value(for key: Key) -> Node? {
        decoder.session.record(path: decoder.path, mapping: mapping, key: key.stringValue)
        return index[key.stringValue]
    }

    private func required(_ key: Key) throws -> Node {
        guard let node = value(for: key) else {
            throw decoder.session.error(at: .mapping(mapping), path: decoder.path + [key.stringValue], "required key is missing")
        }
        return node
    }

    func contains(_ key: Key) -> Bool { value(for: key) != nil }

    func decodeNil(forKey key: Key) throws -> Bool {
        value(for: key).map(isNull) ?? true
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try T(from: decoder.child(try required(key), key: key.stringValue))
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try decoder.child(try required(key), key: key.stringValue).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> UnkeyedDecodingContainer {
        try decoder.child(try required(key), key: key.stringValue).unkeyedContainer()
    }

    func superDecoder() throws -> Decoder { decoder }

    func superDecoder(forKey key: Key) throws -> Decoder {
        decoder.child(try required(key), key: key.stringValue)
    }
}

private struct UnkeyedNodeContainer: UnkeyedDecodingContainer {
    let nodes: [Node]
    let decoder: NodeDecoder
    var currentIndex = 0

    init(nodes: [Node], decoder: NodeDecoder) {
        self.nodes = nodes
        self.decoder = decoder
    }

    var codingPath: [CodingKey] { decoder.codingPath }
    var count: Int? { nodes.count }
    var isAtEnd: Bool { currentIndex >= nodes.count }

    private mutating func next() throws -> NodeDecoder {
        guard !isAtEnd else {
            throw decoder.error("the list has too few items (\(nodes.count))")
        }
        defer { currentIndex += 1 }
        return decoder.child(nodes[currentIndex], key: String(currentIndex))
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, isNull(nodes[currentIndex]) else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try T(from: try next())
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try next().container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> UnkeyedDecodingContainer {
        try next().unkeyedContainer()
    }

    mutating func superDecoder() throws -> Decoder { try next() }
}

private struct SingleNodeContainer: SingleValueDecodingContainer {
    let decoder: NodeDecoder
    var codingPath: [CodingKey] { decoder.codingPath }

    func decodeNil() -> Bool { isNull(decoder.node) }

    private func scalar(_ expected: String) throws -> Node.Scalar {
        guard case .scalar(let scalar) = decoder.node, !isNull(decoder.node) else {
            throw decoder.error("expected \(expected), got \(isNull(decoder.node) ? "null" : describe(decoder.node))")
        }
        return scalar
    }

    private func construct<T>(_ expected: String, _ make: (Node.Scalar) -> T?) throws -> T {
        let value = try scalar(expected)
        guard let result = make(value) else { throw decoder.error("expected \(expected), got \(describe(decoder.node))") }
        return result
    }

    func decode(_ type: Bool.Type) throws -> Bool { try construct("true or false", Bool.construct) }
    func decode(_ type: String.Type) throws -> String { try scalar("a string").string }
    func decode(_ type: Double.Type) throws -> Double { try construct("a number", Double.construct) }
    func decode(_ type: Float.Type) throws -> Float { try construct("a number", Float.construct) }
    func decode(_ type: Int.Type) throws -> Int { try construct("an integer", Int.construct) }
    func decode(_ type: Int8.Type) throws -> Int8 { try integer() }
    func decode(_ type: Int16.Type) throws -> Int16 { try integer() }
    func decode(_ type: Int32.Type) throws -> Int32 { try integer() }
    func decode(_ type: Int64.Type) throws -> Int64 { try integer() }
    func decode(_ type: UInt.Type) throws -> UInt { try integer() }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try integer() }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try integer() }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try integer() }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try construct("a non-negative integer", UInt64.construct) }

    private func integer<T: FixedWidthInteger>() throws -> T {
        let wide: Int = try construct("an integer", Int.construct)
        guard let narrow = T(exactly: wide) else {
            throw decoder.error("\(wide) is out of range (\(T.min)…\(T.max))")
        }
        return narrow
    }

    func decode<T: Decodable>(_ type: T.Type) throws -> T { try T(from: decoder) }
}
