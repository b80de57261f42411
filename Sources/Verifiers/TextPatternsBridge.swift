import Foundation
import TextPatterns

/// Compiled patterns shared by the verifiers and the evaluation's answer filters (compiling once;
/// PCRE2 patterns are immutable).
public enum TextPatternsBridge {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var cache: [String: PCRE2Pattern] = [:]

    public static func pattern(_ source: String, caseless: Bool = false, multiline: Bool = false, dotAll: Bool = false) throws -> PCRE2Pattern {
        let key = "\(caseless)\(multiline)\(dotAll)\u{0}\(source)"
        lock.lock()
        defer { lock.unlock() }
        if let compiled = cache[key] { return compiled }
        let compiled = try PCRE2Pattern(source, caseless: caseless, multiline: multiline, dotAll: dotAll)
        cache[key] = compiled
        return compiled
    }
}
