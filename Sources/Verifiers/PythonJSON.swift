/// Whether Python's `json.loads(text)` (CPython's default decoder, strict mode) accepts `text` — the
/// test IFEval's `detectable_format:json_format` and Tulu's `validate_json_format` make.
///
/// Exactly its grammar, on code points: whitespace is only space, tab, newline and carriage return;
/// no trailing commas, comments or single quotes; `NaN`, `Infinity` and `-Infinity` are accepted
/// (Python's extension); strings reject control characters below U+0020 and accept `\uXXXX` escapes
/// with lone surrogates; numbers are `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?` with ASCII
/// digits; duplicate keys are fine; a byte-order mark is not. Nesting deeper than 990 levels counts
/// as not JSON: CPython raises RecursionError near its limit of 1000 (the exact level depends on the
/// caller's stack), which the references do not catch as a ValueError.
enum PythonJSON {
    static let maximumDepth = 990

    static func isValid(_ text: String) -> Bool {
        var parser = Parser(Array(text.unicodeScalars))
        return parser.document()
    }

    private struct Parser {
        let s: [Unicode.Scalar]
        var i = 0

        init(_ scalars: [Unicode.Scalar]) { s = scalars }

        var atEnd: Bool { i >= s.count }
        func peek(_ offset: Int = 0) -> Unicode.Scalar? { i + offset < s.count ? s[i + offset] : nil }

        mutating func skipWhitespace() {
            while let c = peek(), c == " " || c == "\t" || c == "\n" || c == "\r" { i += 1 }
        }

        mutating func literal(_ word: String) -> Bool {
            let scalars = Array(word.unicodeScalars)
            guard i + scalars.count <= s.count, Array(s[i..<(i + scalars.count)]) == scalars else { return false }
            i += scalars.count
            return true
        }

        static func isDigit(_ c: Unicode.Scalar?) -> Bool { c.map { $0.value >= 0x30 && $0.value <= 0x39 } ?? false }
        static func isHex(_ c: Unicode.Scalar?) -> Bool {
            guard let v = c?.value else { return false }
            return (0x30...0x39).contains(v) || (0x41...0x46).contains(v) || (0x61...0x66).contains(v)
        }

        mutating func number() -> Bool {
            if peek() == "-" { i += 1 }
            if peek() == "0" {
                i += 1
            } else if Self.isDigit(peek()) {
                while Self.isDigit(peek()) { i += 1 }
            } else {
                return false
            }
            if peek() == ".", Self.isDigit(peek(1)) {
                i += 1
                while Self.isDigit(peek()) { i += 1 }
            }
            if peek() == "e" || peek() == "E" {
                var j = 1
                if peek(j) == "+" || peek(j) == "-" { j += 1 }
                if Self.isDigit(peek(j)) {
                    i += j
                    while Self.isDigit(peek()) { i += 1 }
                }
            }
            return true
        }

        /// A string starting at the opening quote.
        mutating func string() -> Bool {
            i += 1
            while let c = peek() {
                i += 1
                switch c {
                case "\"": return true
                case "\\":
                    guard let e = peek() else { return false }
                    i += 1
                    switch e {
                    case "\"", "\\", "/", "b", "f", "n", "r", "t": continue
                    case "u":
                        for _ in 0..<4 {
                            guard Self.isHex(peek()) else { return false }
                            i += 1
                        }
                    default: return false
                    }
                default:
                    if c.value < 0x20 { return false }
                }
            }
            return false
        }

        /// One scalar value (not a container); false when none starts here.
        mutating func scalar() -> Bool {
            switch peek() {
            case "\""?: return string()
            case "n"?: return literal("null")
            case "t"?: return literal("true")
            case "f"?: return literal("false")
            case "N"?: return literal("NaN")
            case "I"?: return literal("Infinity")
            case "-"? where peek(1) == "I": return literal("-Infinity")
            default: return number()
            }
        }

        enum Container { case array, object }

        /// The whole text is one value between optional whitespace. Containers are tracked on an
        /// explicit stack, so no input is too deep for this parser itself.
        mutating func document() -> Bool {
            var stack: [Container] = []
            value: while true {
                // the start of a value
                skipWhitespace()
                if peek() == "[" || peek() == "{" {
                    let opened: Container = peek() == "[" ? .array : .object
                    i += 1
                    stack.append(opened)
                    if stack.count > PythonJSON.maximumDepth { return false }
                    skipWhitespace()
                    if peek() == (opened == .array ? "]" : "}") {
                        i += 1
                        stack.removeLast()
                    } else if opened == .array {
                        continue value
                    } else {
                        guard memberKey() else { return false }
                        continue value
                    }
                } else {
                    guard scalar() else { return false }
                }
                // a value is complete: the next item, a closing bracket (itself a complete value) or the end
                while true {
                    skipWhitespace()
                    guard let top = stack.last else { return atEnd }
                    if peek() == "," {
                        i += 1
                        if top == .object {
                            skipWhitespace()
                            guard memberKey() else { return false }
                        }
                        continue value
                    }
                    guard peek() == (top == .array ? "]" : "}") else { return false }
                    i += 1
                    stack.removeLast()
                }
            }
        }

        /// `"key" :` of an object member (the value follows).
        mutating func memberKey() -> Bool {
            guard peek() == "\"", string() else { return false }
            skipWhitespace()
            guard peek() == ":" else { return false }
            i += 1
            return true
        }
    }
}
