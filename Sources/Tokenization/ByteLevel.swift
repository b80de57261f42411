/// GPT-2's reversible map between bytes and printable Unicode characters (`bytes_to_unicode` in
/// OpenAI's encoder.py): printable Latin-1 bytes map to themselves, the other 68 bytes to U+0100….
/// Byte-level BPE vocabularies (SmolLM2's included) store tokens in this alphabet, so a space is
/// "Ġ" and a newline "Ċ".
public enum ByteLevel {
    /// byte → character.
    public static let characterOfByte: [Character] = {
        var printable = Array(33...126) + Array(161...172) + Array(174...255)
        var codes = printable
        var extra = 0
        for byte in 0..<256 where !printable.contains(byte) {
            printable.append(byte)
            codes.append(256 + extra)
            extra += 1
        }
        var table = [Character](repeating: " ", count: 256)
        for (byte, code) in zip(printable, codes) {
            table[byte] = Character(Unicode.Scalar(UInt32(code))!)
        }
        return table
    }()

    /// character → byte, for decoding.
    public static let byteOfCharacter: [Character: UInt8] = {
        Dictionary(uniqueKeysWithValues: characterOfByte.enumerated().map { ($1, UInt8($0)) })
    }()

    /// The bytes a byte-level token string stands for; nil if it holds a character outside the map
    /// (special tokens such as `<|im_start|>` are plain text and decode to their own UTF-8).
    public static func bytes(of token: String) -> [UInt8]? {
        var out: [UInt8] = []
        for character in token {
            guard let byte = byteOfCharacter[character] else { return nil }
            out.append(byte)
        }
        return out
    }

    /// Token string in the byte alphabet for raw bytes.
    public static func token(for bytes: [UInt8]) -> String {
        String(bytes.map { characterOfByte[Int($0)] })
    }
}

/// Token ids ↔ token strings of a vocabulary, with a readable rendering of each token.
public struct TokenVocabulary: Sendable {
    public let tokens: [String]

    public init(tokens: [String]) {
        self.tokens = tokens
    }

    public var count: Int { tokens.count }

    /// The text a token stands for: byte-level tokens decoded to UTF-8 (invalid sequences shown as
    /// U+FFFD), other tokens as they are.
    public func text(of id: Int) -> String {
        guard id >= 0 && id < tokens.count else { return "<\(id)?>" }
        let token = tokens[id]
        guard let bytes = ByteLevel.bytes(of: token) else { return token }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The text of a sequence of tokens (bytes joined before decoding, so multi-byte characters
    /// split across tokens come out whole).
    public func text(of ids: [Int]) -> String {
        var bytes: [UInt8] = []
        for id in ids {
            guard id >= 0 && id < tokens.count else { continue }
            bytes += ByteLevel.bytes(of: tokens[id]) ?? Array(tokens[id].utf8)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
