import CPCRE2

/// A compiled PCRE2 regular expression over UTF-8 bytes, with Unicode properties (`UTF | UCP`) and
/// bounded matching: a match and depth limit make every search finish quickly, whatever the input
/// (no catastrophic backtracking on hostile text). Any byte string can be searched: the subject is
/// validated once, matching runs within each maximal valid UTF-8 run (invalid bytes never match and
/// act as boundaries), and PCRE2 is told not to re-check (`NO_UTF_CHECK`), so a search over n bytes
/// costs O(n), not O(n) per match.
public final class PCRE2Pattern: @unchecked Sendable {
    public struct CompileError: Error, CustomStringConvertible {
        public let pattern: String
        public let offset: Int
        public let message: String
        public var description: String { "invalid regular expression \"\(pattern)\" at offset \(offset): \(message)" }
    }

    /// The limit hit by a search: the result is "no match" and the caller decides what that means.
    public struct LimitExceeded: Error, CustomStringConvertible {
        public let pattern: String
        public var description: String { "the regular expression \"\(pattern)\" hit its match limit" }
    }

    public let pattern: String
    private let code: OpaquePointer
    private let context: OpaquePointer

    /// PCRE2's default match limit is 10 000 000; ours keeps a search within milliseconds.
    public static let defaultMatchLimit: UInt32 = 1_000_000
    public static let defaultDepthLimit: UInt32 = 10_000

    public init(_ pattern: String, caseless: Bool = false, multiline: Bool = false, dotAll: Bool = false,
                matchLimit: UInt32 = defaultMatchLimit, depthLimit: UInt32 = defaultDepthLimit) throws {
        self.pattern = pattern
        var options = UInt32(PCRE2_UTF | PCRE2_UCP)
        if caseless { options |= UInt32(PCRE2_CASELESS) }
        if multiline { options |= UInt32(PCRE2_MULTILINE) }
        if dotAll { options |= UInt32(PCRE2_DOTALL) }
        var errorCode: Int32 = 0
        var errorOffset: Int = 0
        let bytes = Array(pattern.utf8)
        guard let compiled = bytes.withUnsafeBufferPointer({ buffer in
            pcre2_compile_8(buffer.baseAddress, buffer.count, options, &errorCode, &errorOffset, nil)
        }) else {
            var message = [UInt8](repeating: 0, count: 256)
            let length = pcre2_get_error_message_8(errorCode, &message, message.count)
            throw CompileError(pattern: pattern, offset: errorOffset,
                               message: String(decoding: message.prefix(max(0, Int(length))), as: UTF8.self))
        }
        code = compiled
        guard let matchContext = pcre2_match_context_create_8(nil) else {
            pcre2_code_free_8(compiled)
            fatalError("out of memory creating a PCRE2 match context")
        }
        pcre2_set_match_limit_8(matchContext, matchLimit)
        pcre2_set_depth_limit_8(matchContext, depthLimit)
        context = matchContext
    }

    deinit {
        pcre2_match_context_free_8(context)
        pcre2_code_free_8(code)
    }

    /// Byte ranges of successive non-overlapping matches in `subject`.
    /// An empty match advances by one character so the search always ends.
    public func matches(in subject: UnsafeBufferPointer<UInt8>) throws -> [Range<Int>] {
        try allMatches(in: subject).compactMap { $0.first ?? nil }
    }

    /// The first match, with its capture groups (nil for unset groups).
    public func firstMatch(in subject: UnsafeBufferPointer<UInt8>) throws -> [Range<Int>?]? {
        guard let data = pcre2_match_data_create_from_pattern_8(code, nil) else {
            fatalError("out of memory creating PCRE2 match data")
        }
        defer { pcre2_match_data_free_8(data) }
        for run in UTF8Validation.validRuns(subject) {
            let base = (subject.baseAddress ?? UnsafePointer(bitPattern: 1)!) + run.lowerBound
            let result = pcre2_match_8(code, base, run.count, 0, UInt32(PCRE2_NO_UTF_CHECK), data, context)
            if result == PCRE2_ERROR_NOMATCH { continue }
            if result == PCRE2_ERROR_MATCHLIMIT || result == PCRE2_ERROR_DEPTHLIMIT { throw LimitExceeded(pattern: pattern) }
            guard result >= 0 else { continue }
            let pairs = Int(pcre2_get_ovector_count_8(data))
            let vector = pcre2_get_ovector_pointer_8(data)!
            return (0..<pairs).map { i in
                vector[2 * i] == Self.unset ? nil : (run.lowerBound + vector[2 * i])..<(run.lowerBound + vector[2 * i + 1])
            }
        }
        return nil
    }

    /// Every match with its groups (as `firstMatch` returns them), left to right, non-overlapping.
    public func allMatches(in subject: UnsafeBufferPointer<UInt8>) throws -> [[Range<Int>?]] {
        guard let data = pcre2_match_data_create_from_pattern_8(code, nil) else {
            fatalError("out of memory creating PCRE2 match data")
        }
        defer { pcre2_match_data_free_8(data) }
        var found: [[Range<Int>?]] = []
        for run in UTF8Validation.validRuns(subject) {
            let base = (subject.baseAddress ?? UnsafePointer(bitPattern: 1)!) + run.lowerBound
            var offset = 0
            while offset <= run.count {
                let result = pcre2_match_8(code, base, run.count, offset, UInt32(PCRE2_NO_UTF_CHECK), data, context)
                if result == PCRE2_ERROR_NOMATCH { break }
                if result == PCRE2_ERROR_MATCHLIMIT || result == PCRE2_ERROR_DEPTHLIMIT { throw LimitExceeded(pattern: pattern) }
                guard result >= 0 else { break }
                let pairs = Int(pcre2_get_ovector_count_8(data))
                let vector = pcre2_get_ovector_pointer_8(data)!
                found.append((0..<pairs).map { i in
                    vector[2 * i] == Self.unset ? nil : (run.lowerBound + vector[2 * i])..<(run.lowerBound + vector[2 * i + 1])
                })
                let lower = vector[0], upper = vector[1]
                offset = upper > lower ? upper : Self.nextCharacter(after: upper, in: UnsafeBufferPointer(start: base, count: run.count))
            }
        }
        return found
    }

    /// Python `re.sub`: every non-overlapping match replaced by `replacement(groups)`, where
    /// `groups[0]` is the whole match and unset groups are empty strings.
    public func replacing(in text: String, _ replacement: ([String]) -> String) throws -> String {
        let bytes = Array(text.utf8)
        let matches = try bytes.withUnsafeBufferPointer { try allMatches(in: $0) }
        guard !matches.isEmpty else { return text }
        var out: [UInt8] = []
        var cursor = 0
        for groups in matches {
            guard let whole = groups[0] else { continue }
            out += bytes[cursor..<whole.lowerBound]
            let strings = groups.map { $0.map { String(decoding: bytes[$0], as: UTF8.self) } ?? "" }
            out += Array(replacement(strings).utf8)
            cursor = whole.upperBound
        }
        out += bytes[cursor...]
        return String(decoding: out, as: UTF8.self)
    }

    /// Groups of every match as strings (Python `re.findall` with groups: unset groups are "").
    public func captures(in text: String) throws -> [[String]] {
        let bytes = Array(text.utf8)
        return try bytes.withUnsafeBufferPointer { try allMatches(in: $0) }.map { groups in
            groups.map { $0.map { String(decoding: bytes[$0], as: UTF8.self) } ?? "" }
        }
    }

    /// Convenience over a String.
    public func matches(in text: String) throws -> [Substring] {
        let bytes = Array(text.utf8)
        let ranges = try bytes.withUnsafeBufferPointer { try matches(in: $0) }
        return ranges.map { Substring(decoding: bytes[$0], as: UTF8.self) }
    }

    /// PCRE2_UNSET (~(size_t)0) as Swift sees a PCRE2_SIZE.
    static let unset = Int(bitPattern: UInt.max)

    /// The byte after the UTF-8 character starting at `offset` (or offset + 1 on invalid bytes).
    static func nextCharacter(after offset: Int, in subject: UnsafeBufferPointer<UInt8>) -> Int {
        guard offset < subject.count else { return offset + 1 }
        var next = offset + 1
        while next < subject.count, subject[next] & 0xC0 == 0x80, next - offset < 4 { next += 1 }
        return next
    }
}
