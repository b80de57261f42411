import Foundation
import Testing
import TextPatterns

@Suite struct PCRE2PatternTests {
    @Test func unicodePropertiesAndGPT2Splitting() throws {
        let words = try PCRE2Pattern(#"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#)
        #expect(try words.matches(in: "Héllo wörld's 北京 42!!  x") == ["Héllo", " wörld", "'s", " 北京", " 42", "!!", " ", " x"])
    }

    @Test func invalidBytesAreBoundariesNotErrors() throws {
        let letters = try PCRE2Pattern(#"\p{L}+"#)
        let bytes: [UInt8] = Array("ab".utf8) + [0xFF] + Array("cd".utf8) + [0xE2, 0x82] + Array("é".utf8)
        let ranges = try bytes.withUnsafeBufferPointer { try letters.matches(in: $0) }
        #expect(ranges == [0..<2, 3..<5, 7..<9])
    }

    @Test func utf8ValidationFollowsTheStandard() {
        #expect(UTF8Validation.isValid(Array("héllo ✓ 🇫🇷".utf8)))
        #expect(!UTF8Validation.isValid([0xC0, 0x80]))          // overlong NUL
        #expect(!UTF8Validation.isValid([0xED, 0xA0, 0x80]))    // surrogate U+D800
        #expect(!UTF8Validation.isValid([0xF4, 0x90, 0x80, 0x80]))  // above U+10FFFF
        #expect(!UTF8Validation.isValid([0xE2, 0x82]))          // truncated
        #expect(UTF8Validation.isValid([]))
        #expect([UInt8]([0x61, 0xFF, 0x62]).withUnsafeBufferPointer { UTF8Validation.validRuns($0) } == [0..<1, 2..<3])
    }

    @Test func catastrophicBacktrackingIsBounded() throws {
        // (a+)+$ on "aaaa…ab" backtracks exponentially without a limit; with one it ends at once.
        let evil = try PCRE2Pattern(#"(a+)+$"#)
        let subject = String(repeating: "a", count: 40) + "b"
        let start = Date()
        #expect(throws: PCRE2Pattern.LimitExceeded.self) { _ = try evil.matches(in: subject) }
        #expect(Date().timeIntervalSince(start) < 2)
    }

    @Test func compileErrorsNameThePattern() {
        #expect(throws: PCRE2Pattern.CompileError.self) { try PCRE2Pattern("(unclosed") }
    }

    @Test func captureGroups() throws {
        let answer = try PCRE2Pattern(#"####\s*(-?[\d,]+)(\.\d+)?"#)
        let text = Array("so #### 1,234".utf8)
        let groups = try text.withUnsafeBufferPointer { try answer.firstMatch(in: $0) }
        #expect(groups?.count == 3)
        #expect(groups?[1].map { String(decoding: text[$0], as: UTF8.self) } == "1,234")
        #expect(groups?[2] == nil)
    }
}
