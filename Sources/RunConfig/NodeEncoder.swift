import Yams

/// An `Encoder` that builds a Yams node tree in one pass, keys in the order they are encoded.
///
/// Yams's own `YAMLEncoder` inserts every key through a linear search of the mapping, so rendering a
/// section with n routes took n² steps (4,000 routes: 3 s; 20,000: over a minute). Scalars are
/// represented exactly as Yams represents them (`YAMLEncodable.box()`).
enum NodeEncoder {
    static func encode<T: Encodable>(_ value: T) throws -> Node {
        let root = NodeBuilder()
        try root.encode(value, codingPath: [])
        return root.node
    }
}

/// One value under construction: a scalar, a mapping (keys in order) or a list.
private final class NodeBuilder {
    enum Content {
        case null
        case node(Node)
        case mapping(keys: [String], values: [String: NodeBuilder])
        case sequence([NodeBuilder])
    }

    var content = Content.null

    var node: Node {
        switch content {
        case .null: return Node("null", .implicit, .plain)
        case .node(let node): return node
        case .mapping(let keys, let values): return .mapping(Node.Mapping(keys.map { (Node($0), values[$0]!.node) }))
        case .sequence(let items): return .sequence(Node.Sequence(items.map(\.node)))
        }
    }

    func encode<T: Encodable>(_ value: T, codingPath: [CodingKey]) throws {
        if let scalar = value as? YAMLEncodable {
            content = .node(scalar.box())
        } else {
            try value.encode(to: Encoding(builder: self, codingPath: codingPath))
        }
    }

    /// The child for `key`, created on first use (a key encoded twice keeps its first place).
    func child(forKey key: String) -> NodeBuilder {
        var (keys, values): ([String], [String: NodeBuilder]) = ([], [:])
        if case .mapping(let k, let v) = content { (keys, values) = (k, v) }
        if let existing = values[key] { return existing }
        let made = NodeBuilder()
        content = .null   // let go of the arrays before appending, so they are not copied
        keys.append(key)
        values[key] = made
        content = .mapping(keys: keys, values: values)
        return made
    }

    func appendChild() -> NodeBuilder {
        var items: [NodeBuilder] = []
        if case .sequence(let existing) = content { items = existing }
        let made = NodeBuilder()
        content = .null
        items.append(made)
        content = .sequence(items)
        return made
    }

    func startMapping() {
        if case .mapping = content { return }
        content = .mapping(keys: [], values: [:])
    }

    func startSequence() {
        if case .sequence = content { return }
        content = .sequence([])
    }
}

private struct Encoding: Encoder {
    let builder: NodeBuilder
    var codingPath: [CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        builder.startMapping()
        return KeyedEncodingContainer(KeyedContainer<Key>(builder: builder, codingPath: codingPath))
    }

    func unkeyedContainer() -> UnkeyedEncodingContainer {
        builder.startSequence()
        return UnkeyedContainer(builder: builder, codingPath: codingPath)
    }

    func singleValueContainer() -> SingleValueEncodingContainer {
        SingleContainer(builder: builder, codingPath: codingPath)
    }
}

private struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let builder: NodeBuilder
    var codingPath: [CodingKey]

    mutating func encodeNil(forKey key: Key) throws {
        builder.child(forKey: key.stringValue).content = .null
    }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try builder.child(forKey: key.stringValue).encode(value, codingPath: codingPath + [key])
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        Encoding(builder: builder.child(forKey: key.stringValue), codingPath: codingPath + [key]).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> UnkeyedEncodingContainer {
        Encoding(builder: builder.child(forKey: key.stringValue), codingPath: codingPath + [key]).unkeyedContainer()
    }

    mutating func superEncoder() -> Encoder { Encoding(builder: builder.child(forKey: "super"), codingPath: codingPath) }

    mutating func superEncoder(forKey key: Key) -> Encoder {
        Encoding(builder: builder.child(forKey: key.stringValue), codingPath: codingPath + [key])
    }
}

private struct UnkeyedContainer: UnkeyedEncodingContainer {
    let builder: NodeBuilder
    var codingPath: [CodingKey]
    var count: Int {
        if case .sequence(let items) = builder.content { return items.count }
        return 0
    }

    mutating func encodeNil() throws { builder.appendChild().content = .null }

    mutating func encode<T: Encodable>(_ value: T) throws {
        try builder.appendChild().encode(value, codingPath: codingPath)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        Encoding(builder: builder.appendChild(), codingPath: codingPath).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> UnkeyedEncodingContainer {
        Encoding(builder: builder.appendChild(), codingPath: codingPath).unkeyedContainer()
    }

    mutating func superEncoder() -> Encoder { Encoding(builder: builder.appendChild(), codingPath: codingPath) }
}

private struct SingleContainer: SingleValueEncodingContainer {
    let builder: NodeBuilder
    var codingPath: [CodingKey]

    mutating func encodeNil() throws { builder.content = .null }

    mutating func encode<T: Encodable>(_ value: T) throws {
        try builder.encode(value, codingPath: codingPath)
    }
}
