import Foundation
import TextPatterns

/// Python `re` calls the IFEval checks use, over PCRE2 in UTF + UCP mode (so `\w`, `\b`, `\s` are
/// Unicode-aware as in Python 3; `.` excludes only `\n`; `^`/`$` with multiline break only at `\n`).
/// A pattern from the data that does not compile (Python would raise) is matched literally.
enum PythonRegex {
    static func compile(_ pattern: String, caseless: Bool = false, multiline: Bool = false) -> PCRE2Pattern? {
        if let compiled = try? TextPatternsBridge.pattern(pattern, caseless: caseless, multiline: multiline) { return compiled }
        return try? TextPatternsBridge.pattern(NSRegularExpression.escapedPattern(for: pattern), caseless: caseless, multiline: multiline)
    }

    /// `re.search(pattern, text, flags) is not None`
    static func search(_ pattern: String, _ text: String, caseless: Bool = false, multiline: Bool = false) -> Bool {
        guard let compiled = compile(pattern, caseless: caseless, multiline: multiline) else { return false }
        let bytes = Array(text.utf8)
        return ((try? bytes.withUnsafeBufferPointer { try compiled.firstMatch(in: $0) }) ?? nil) != nil
    }

    /// `re.findall(pattern, text, flags)` as the matched strings (group 0).
    static func findAll(_ pattern: String, _ text: String, caseless: Bool = false, multiline: Bool = false) -> [String] {
        guard let compiled = compile(pattern, caseless: caseless, multiline: multiline) else { return [] }
        return ((try? compiled.matches(in: text)) ?? []).map(String.init)
    }

    /// `re.split(pattern, text)` for patterns without groups.
    static func split(_ pattern: String, _ text: String) -> [String] {
        guard let compiled = compile(pattern) else { return [text] }
        let bytes = Array(text.utf8)
        let ranges = (try? bytes.withUnsafeBufferPointer { try compiled.matches(in: $0) }) ?? []
        var parts: [String] = []
        var cursor = 0
        for range in ranges {
            parts.append(String(decoding: bytes[cursor..<range.lowerBound], as: UTF8.self))
            cursor = range.upperBound
        }
        parts.append(String(decoding: bytes[cursor...], as: UTF8.self))
        return parts
    }

    static func escape(_ text: String) -> String { NSRegularExpression.escapedPattern(for: text) }
}
