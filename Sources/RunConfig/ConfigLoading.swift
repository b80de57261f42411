import Yams

/// A configuration type made of sections: decoded strictly from YAML, then checked by `problems()`.
public protocol RunConfigSection: Codable {
    /// Every range or consistency problem, each with its dotted key path relative to this section.
    func problems() -> [ConfigProblem]
}

extension RunConfigSection {
    public func problems() -> [ConfigProblem] { [] }
}

/// A closed set of string values (an enum), decoded with an error that lists the allowed values.
public protocol ConfigChoice: RawRepresentable, CaseIterable, Codable where RawValue == String {}

extension ConfigChoice {
    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = Self(rawValue: text) else {
            let allowed = Self.allCases.map(\.rawValue)
            var problem = "\"\(text)\" is not one of: \(allowed.joined(separator: ", "))"
            if let suggestion = closestMatch(to: text, in: allowed) { problem += " (did you mean \"\(suggestion)\"?)" }
            if let nodeDecoder = decoder as? NodeDecoder { throw nodeDecoder.error(problem) }
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: problem))
        }
        self = value
    }
}

extension KeyedDecodingContainer {
    /// The value at `key`, or `fallback` when the key is absent or null.
    public func value<T: Decodable>(_ key: Key, or fallback: T) throws -> T {
        try decodeIfPresent(T.self, forKey: key) ?? fallback
    }
}

extension ConfigProblem {
    /// The same problem, one section further out (`lr` → `optimizer.lr`).
    public func inSection(_ name: String) -> ConfigProblem {
        ConfigProblem(key.isEmpty ? name : "\(name).\(key)", problem)
    }
}

public enum ConfigLoader {
    /// Reads `file`, applies `overrides` (`key.path=value`), decodes strictly and validates.
    public static func load<T: RunConfigSection>(_ type: T.Type, file: String, overrides: [String] = []) throws -> T {
        var document = try ConfigDocument(file: file)
        try document.apply(overrides: overrides)
        return try decode(type, from: document)
    }

    public static func load<T: RunConfigSection>(_ type: T.Type, yaml: String, source: String = "<inline>", overrides: [String] = []) throws -> T {
        var document = try ConfigDocument(yaml: yaml, source: source)
        try document.apply(overrides: overrides)
        return try decode(type, from: document)
    }

    public static func decode<T: RunConfigSection>(_ type: T.Type, from document: ConfigDocument) throws -> T {
        let session = NodeDecodingSession(document: document)
        let value: T
        do {
            value = try T(from: NodeDecoder(node: document.root, path: [], session: session))
        } catch let error as DecodingError {
            throw translate(error, document: document)
        }
        try session.checkForUnknownKeys()
        if let first = value.problems().first {
            throw ConfigError(location: document.location(ofKeyPath: first.key), key: first.key, problem: first.problem)
        }
        return value
    }

    /// Errors raised by the standard library's synthesized code rather than by `NodeDecoder`.
    private static func translate(_ error: DecodingError, document: ConfigDocument) -> ConfigError {
        let (path, problem): ([CodingKey], String)
        switch error {
        case .keyNotFound(let key, let context): (path, problem) = (context.codingPath + [key], "required key is missing")
        case .typeMismatch(_, let context): (path, problem) = (context.codingPath, context.debugDescription)
        case .valueNotFound(_, let context): (path, problem) = (context.codingPath, "a value is required")
        case .dataCorrupted(let context): (path, problem) = (context.codingPath, context.debugDescription)
        @unknown default: (path, problem) = ([], "\(error)")
        }
        let keyPath = path.map(\.stringValue).joined(separator: ".")
        return ConfigError(location: document.location(ofKeyPath: keyPath), key: keyPath, problem: problem)
    }

    /// Most values (scalars, mappings, lists) a configuration may decode to: YAML aliases let a few
    /// lines name a value any number of times, and such a file is refused rather than expanded.
    nonisolated(unsafe) public static var maximumValues = 1_000_000

    /// The configuration as YAML: every default filled in, in declaration order, unset optional
    /// settings shown as `null`, numbers in their shortest form (`5.0e-07`, not `4.9999999999999998e-07`).
    public static func render<T: RunConfigSection>(_ value: T) throws -> String {
        var document = try ConfigDocument(yaml: try Yams.serialize(node: NodeEncoder.encode(value)), source: "<rendered>")
        // Decoding the encoded form again reveals the keys the type asks for that encoding left out.
        let session = NodeDecodingSession(document: document)
        _ = try T(from: NodeDecoder(node: document.root, path: [], session: session))
        for (_, entry) in session.visitedMappings.sorted(by: { $0.key < $1.key }) {
            let present = Set(entry.mapping.keys.compactMap(\.string))
            for key in entry.asked.subtracting(present).sorted() {
                try document.set(Node("null", .implicit, .plain), at: entry.path + [key], describedAs: key)
            }
        }
        return try Yams.serialize(node: shortestFloats(document.root))
    }

    private static func shortestFloats(_ node: Node) -> Node {
        switch node {
        case .scalar(let scalar):
            guard scalar.style == .plain || scalar.style == .any, Int.construct(from: scalar) == nil,
                  let number = Double.construct(from: scalar) else { return node }
            return Node(yamlFloat(number), .implicit, .plain)
        case .mapping(let mapping):
            return .mapping(Node.Mapping(mapping.map { ($0.key, shortestFloats($0.value)) }, mapping.tag, mapping.style, mapping.mark))
        case .sequence(let sequence):
            return .sequence(Node.Sequence(sequence.map(shortestFloats), sequence.tag, sequence.style, sequence.mark))
        default:
            return node
        }
    }

    /// Swift's shortest round-tripping decimal, with a dot before any exponent so that YAML 1.1
    /// readers (PyYAML) also read it as a float: 5e-07 → 5.0e-07.
    static func yamlFloat(_ value: Double) -> String {
        if value.isNaN { return ".nan" }
        if value.isInfinite { return value > 0 ? ".inf" : "-.inf" }
        var text = "\(value)"
        if let exponent = text.firstIndex(of: "e"), !text[..<exponent].contains(".") {
            text.insert(contentsOf: ".0", at: exponent)
        }
        return text
    }
}
