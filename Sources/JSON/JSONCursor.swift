/// A validating forward reader of one JSON text (RFC 8259) held as UTF-8 bytes, for readers that need
/// a few fields of very many rows: it decodes only the strings asked for and skips every other value
/// without building it, checking its grammar as it goes. `JSONValue.parse` builds whole values and
/// reads about 20 MB/s; this reads several times that.
///
/// Objects and arrays are walked with `beginObject`/`nextKey` and `beginArray`/`nextElement`:
///
///     try cursor.beginObject()
///     while try cursor.nextKey() {
///         if cursor.key == Array("messages".utf8) { … } else { try cursor.skipValue() }
///     }
///     try cursor.finish()
///
/// Surrogate escapes that do not pair decode to U+FFFD; the bytes of strings are not checked for
/// UTF-8 validity here (the caller decodes them).
public struct JSONCursor {
    /// Where the text stops following the grammar: the byte offset and what was expected there.
    public struct Malformed: Error, CustomStringConvertible {
        public let offset: Int
        public let expected: String
        public var description: String { "not valid JSON at byte \(offset + 1): expected \(expected)" }
    }

    /// The kind of the next value, from its first byte.
    public enum Kind: Equatable { case object, array, string, number, literal }

    private let bytes: UnsafeRawBufferPointer
    private var position = 0
    /// Set by `beginObject`/`beginArray` and cleared by any value or key: the next member needs no comma.
    private var justOpened = false
    private var depth = 0
    /// The unescaped bytes of the key `nextKey` read last.
    public private(set) var key: [UInt8] = []

    /// Nesting deeper than this is refused rather than recursed into.
    public static let maximumDepth = 512

    public init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    private func malformed(_ expected: String) -> Malformed { Malformed(offset: position, expected: expected) }

    private mutating func skipWhitespace() {
        while position < bytes.count {
            let byte = bytes[position]
            guard byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 else { return }
            position += 1
        }
    }

    private mutating func expect(_ byte: UInt8, _ name: String) throws {
        skipWhitespace()
        guard position < bytes.count, bytes[position] == byte else { throw malformed(name) }
        position += 1
    }

    /// The kind of the next value (after whitespace).
    public mutating func peekKind() throws -> Kind {
        skipWhitespace()
        guard position < bytes.count else { throw malformed("a value") }
        switch bytes[position] {
        case UInt8(ascii: "{"): return .object
        case UInt8(ascii: "["): return .array
        case UInt8(ascii: "\""): return .string
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"): return .literal
        default: throw malformed("a value")
        }
    }

    public mutating func beginObject() throws {
        try expect(UInt8(ascii: "{"), "'{'")
        try enter()
    }

    public mutating func beginArray() throws {
        try expect(UInt8(ascii: "["), "'['")
        try enter()
    }

    private mutating func enter() throws {
        depth += 1
        guard depth <= Self.maximumDepth else { throw malformed("nesting of at most \(Self.maximumDepth) levels") }
        justOpened = true
    }

    /// Reads the next member's key into `key` and the ':' after it; false (and the '}' consumed) at
    /// the end of the object.
    public mutating func nextKey() throws -> Bool {
        guard try nextMember(closing: UInt8(ascii: "}"), name: "',' or '}'") else { return false }
        skipWhitespace()
        guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw malformed("a key string") }
        var target: [UInt8]? = key
        key = []
        target?.removeAll(keepingCapacity: true)
        defer { key = target ?? [] }
        try readString(&target)
        try expect(UInt8(ascii: ":"), "':'")
        return true
    }

    /// Positions at the next element; false (and the ']' consumed) at the end of the array.
    public mutating func nextElement() throws -> Bool {
        try nextMember(closing: UInt8(ascii: "]"), name: "',' or ']'")
    }

    private mutating func nextMember(closing: UInt8, name: String) throws -> Bool {
        skipWhitespace()
        guard position < bytes.count else { throw malformed(name) }
        if bytes[position] == closing {
            position += 1
            depth -= 1
            justOpened = false
            return false
        }
        if justOpened {
            justOpened = false
            return true
        }
        guard bytes[position] == UInt8(ascii: ",") else { throw malformed(name) }
        position += 1
        return true
    }

    /// Appends the next value, which must be a string, unescaped, to `output`.
    public mutating func string(into output: inout [UInt8]) throws {
        skipWhitespace()
        guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw malformed("a string") }
        var target: [UInt8]? = output
        output = []
        defer { output = target ?? [] }
        try readString(&target)
        justOpened = false
    }

    /// Skips the next value of any kind, checking its grammar.
    public mutating func skipValue() throws {
        switch try peekKind() {
        case .object:
            try beginObject()
            while try nextKey() { try skipValue() }
        case .array:
            try beginArray()
            while try nextElement() { try skipValue() }
        case .string:
            var none: [UInt8]? = nil
            try readString(&none)
        case .number:
            try skipNumber()
        case .literal:
            try skipLiteral()
        }
        justOpened = false
    }

    /// Checks that only whitespace follows the value read.
    public mutating func finish() throws {
        skipWhitespace()
        guard position == bytes.count else { throw malformed("the end of the line") }
    }

    // MARK: - Scalars

    private mutating func skipLiteral() throws {
        for word in ["true", "false", "null"] where matches(word) {
            position += word.utf8.count
            return
        }
        throw malformed("true, false or null")
    }

    private func matches(_ word: String) -> Bool {
        var at = position
        for byte in word.utf8 {
            guard at < bytes.count, bytes[at] == byte else { return false }
            at += 1
        }
        return true
    }

    /// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
    private mutating func skipNumber() throws {
        func isDigit(_ at: Int) -> Bool { at < bytes.count && bytes[at] >= 0x30 && bytes[at] <= 0x39 }
        if bytes[position] == UInt8(ascii: "-") { position += 1 }
        guard isDigit(position) else { throw malformed("a digit") }
        if bytes[position] == UInt8(ascii: "0") { position += 1 } else { while isDigit(position) { position += 1 } }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            guard isDigit(position) else { throw malformed("a digit after '.'") }
            while isDigit(position) { position += 1 }
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") { position += 1 }
            guard isDigit(position) else { throw malformed("a digit in the exponent") }
            while isDigit(position) { position += 1 }
        }
    }

    /// Reads the string at `position` (its opening quote), appending its unescaped bytes to
    /// `output` unless nil.
    private mutating func readString(_ output: inout [UInt8]?) throws {
        position += 1
        while true {
            let runStart = position
            while position < bytes.count {
                let byte = bytes[position]
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 { break }
                position += 1
            }
            if output != nil, position > runStart {
                output?.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[runStart..<position]))
            }
            guard position < bytes.count else { throw malformed("'\"' closing the string") }
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                position += 1
                return
            }
            guard byte == UInt8(ascii: "\\") else { throw malformed("no control character inside a string") }
            position += 1
            guard position < bytes.count else { throw malformed("an escape") }
            let escape = bytes[position]
            position += 1
            let simple: UInt8?
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): simple = escape
            case UInt8(ascii: "b"): simple = 0x08
            case UInt8(ascii: "f"): simple = 0x0C
            case UInt8(ascii: "n"): simple = 0x0A
            case UInt8(ascii: "r"): simple = 0x0D
            case UInt8(ascii: "t"): simple = 0x09
            case UInt8(ascii: "u"): simple = nil
            default: throw malformed("an escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)")
            }
            if let simple {
                output?.append(simple)
                continue
            }
            var scalar = try hexQuad()
            if (0xD800...0xDBFF).contains(scalar), matches("\\u") {
                let saved = position
                position += 2
                let low = try hexQuad()
                if (0xDC00...0xDFFF).contains(low) {
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else {
                    position = saved
                }
            }
            if output != nil {
                let decoded = Unicode.Scalar(scalar) ?? "\u{FFFD}"
                output?.append(contentsOf: String(decoded).utf8)
            }
        }
    }

    private mutating func hexQuad() throws -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard position < bytes.count else { throw malformed("four hex digits") }
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - 0x30
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - 0x61 + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - 0x41 + 10
            default: throw malformed("four hex digits")
            }
            value = value << 4 | UInt32(digit)
            position += 1
        }
        return value
    }
}
