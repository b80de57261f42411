/// The words that contamination is counted in, close to what Elasticsearch's standard analyzer gives
/// open-instruct's decontamination (Unicode word segmentation, lower case, punctuation dropped):
///
/// - a word character is a Unicode letter or number (general categories L* and N*) or `_`;
/// - a token is a maximal run of word characters, where a single `'`, `’` or `.` between two word
///   characters, or a `,` between two ASCII digits, joins the runs (`don't`, `3.5`, `1,000`, `u.s.a`);
/// - tokens are lower-cased (full Unicode lower-case mapping, scalar by scalar).
///
/// In a regular expression (Python `re`): `\w+(?:(?:['’.]|(?<=[0-9]),(?=[0-9]))\w+)*` then `.lower()`.
/// Differences from the standard analyzer: no splitting of ideographs into one token each, and no
/// final-sigma rule when lower-casing.
public enum WordTokens {
    /// Calls `body` with the lower-cased UTF-8 bytes of each token of the UTF-8 `text`, in order.
    /// Bytes that are not valid UTF-8 count as non-word characters.
    public static func forEach(in text: UnsafeRawBufferPointer, scratch: inout [UInt8], _ body: (UnsafeRawBufferPointer) -> Void) {
        let count = text.count
        var position = 0
        while position < count {
            let (first, firstLength) = decode(text, at: position)
            guard isWord(first) else {
                position += firstLength
                continue
            }
            scratch.removeAll(keepingCapacity: true)
            appendLowercased(first, to: &scratch)
            var previousIsDigit = isASCIIDigit(first)
            position += firstLength
            while position < count {
                let (scalar, length) = decode(text, at: position)
                if isWord(scalar) {
                    appendLowercased(scalar, to: &scratch)
                    previousIsDigit = isASCIIDigit(scalar)
                    position += length
                    continue
                }
                let isJoiner = scalar == 0x27 || scalar == 0x2019 || scalar == 0x2E
                let isDigitComma = scalar == 0x2C && previousIsDigit
                guard isJoiner || isDigitComma, position + length < count else { break }
                let (next, _) = decode(text, at: position + length)
                guard isDigitComma ? isASCIIDigit(next) : isWord(next) else { break }
                appendLowercased(scalar, to: &scratch)
                position += length
            }
            scratch.withUnsafeBytes(body)
        }
    }

    /// The tokens of `text` as strings (for tests and small inputs).
    public static func tokens(_ text: String) -> [String] {
        var tokens: [String] = [], scratch: [UInt8] = []
        let utf8 = Array(text.utf8)
        utf8.withUnsafeBytes { bytes in
            forEach(in: bytes, scratch: &scratch) { tokens.append(String(decoding: $0, as: UTF8.self)) }
        }
        return tokens
    }

    // MARK: - Characters

    private static let replacement: UInt32 = 0xFFFD

    /// The scalar starting at `position` and its length in bytes; an invalid sequence is one byte of U+FFFD.
    @inline(__always)
    static func decode(_ text: UnsafeRawBufferPointer, at position: Int) -> (UInt32, Int) {
        let lead = text[position]
        if lead < 0x80 { return (UInt32(lead), 1) }
        let length: Int, initial: UInt32, minimum: UInt32
        switch lead {
        case 0xC2...0xDF: length = 2; initial = UInt32(lead & 0x1F); minimum = 0x80
        case 0xE0...0xEF: length = 3; initial = UInt32(lead & 0x0F); minimum = 0x800
        case 0xF0...0xF4: length = 4; initial = UInt32(lead & 0x07); minimum = 0x10000
        default: return (replacement, 1)
        }
        guard position + length <= text.count else { return (replacement, 1) }
        var scalar = initial
        for offset in 1..<length {
            let byte = text[position + offset]
            guard byte & 0xC0 == 0x80 else { return (replacement, 1) }
            scalar = scalar << 6 | UInt32(byte & 0x3F)
        }
        guard scalar >= minimum, scalar <= 0x10FFFF, !(0xD800...0xDFFF).contains(scalar) else { return (replacement, 1) }
        return (scalar, length)
    }

    @inline(__always)
    static func isASCIIDigit(_ scalar: UInt32) -> Bool { scalar >= 0x30 && scalar <= 0x39 }

    @inline(__always)
    static func isWord(_ scalar: UInt32) -> Bool {
        if scalar < 0x80 {
            return (scalar >= 0x30 && scalar <= 0x39) || (scalar | 0x20 >= 0x61 && scalar | 0x20 <= 0x7A) || scalar == 0x5F
        }
        guard let unicode = Unicode.Scalar(scalar) else { return false }
        switch unicode.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .decimalNumber, .letterNumber, .otherNumber:
            return true
        default:
            return false
        }
    }

    @inline(__always)
    static func appendLowercased(_ scalar: UInt32, to output: inout [UInt8]) {
        if scalar < 0x80 {
            output.append(scalar >= 0x41 && scalar <= 0x5A ? UInt8(scalar | 0x20) : UInt8(scalar))
        } else if let unicode = Unicode.Scalar(scalar) {
            output.append(contentsOf: unicode.properties.lowercaseMapping.utf8)
        }
    }
}
