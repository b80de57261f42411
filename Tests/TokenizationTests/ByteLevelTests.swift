import Testing
import Tokenization

@Suite struct ByteLevelTests {
    @Test func gpt2AlphabetLandmarks() {
        // From OpenAI's bytes_to_unicode: printable ASCII maps to itself, space to "Ġ" (U+0120),
        // newline to "Ċ" (U+010A), byte 0 to "Ā" (U+0100), byte 255 to "ÿ".
        #expect(ByteLevel.characterOfByte[Int(UInt8(ascii: "a"))] == "a")
        #expect(ByteLevel.characterOfByte[32] == "Ġ")
        #expect(ByteLevel.characterOfByte[10] == "Ċ")
        #expect(ByteLevel.characterOfByte[0] == "Ā")
        #expect(ByteLevel.characterOfByte[255] == "ÿ")
        #expect(Set(ByteLevel.characterOfByte).count == 256)
    }

    @Test func everyByteSequenceRoundTrips() {
        let bytes = (0..<256).map { UInt8($0) } + Array("héllo ✓ 北京\n".utf8)
        #expect(ByteLevel.bytes(of: ByteLevel.token(for: bytes)) == bytes)
        #expect(ByteLevel.bytes(of: "<|im_start|>") == Array("<|im_start|>".utf8))   // printable ASCII stands for itself
        #expect(ByteLevel.bytes(of: "a→b") == nil)   // "→" is outside the byte alphabet
    }

    @Test func vocabularyText() {
        let vocabulary = TokenVocabulary(tokens: ["<|endoftext|>", "Ġcapital", "Ġ", "âĢ", "ľ"])
        #expect(vocabulary.text(of: 0) == "<|endoftext|>")
        #expect(vocabulary.text(of: 1) == " capital")
        #expect(vocabulary.text(of: 9) == "<9?>")
        // "“" (E2 80 9C) split over two tokens decodes whole when joined.
        #expect(vocabulary.text(of: [2, 3, 4]) == " “")
        #expect(vocabulary.text(of: 3) == "\u{FFFD}")
    }
}
