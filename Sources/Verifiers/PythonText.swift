import Foundation

/// The Python `str` operations the reference verifiers are written in, with Python's exact
/// semantics (code points, Unicode whitespace including \x1c–\x1f, full case mapping).
public enum PythonText {
    /// `str.isspace()` characters: Unicode White_Space plus the separators \x1c–\x1f.
    public static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isWhitespace || (0x1C...0x1F).contains(scalar.value)
    }

    /// `s.strip()`
    public static func strip(_ s: String) -> String {
        let scalars = s.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isSpace($0) }), let last = scalars.lastIndex(where: { !isSpace($0) }) else { return "" }
        if first == scalars.startIndex && scalars.index(after: last) == scalars.endIndex { return s }
        return String(scalars[first...last])
    }

    /// `not s.strip()`: empty or only whitespace (without building the stripped copy).
    public static func isBlank(_ s: String) -> Bool {
        !s.unicodeScalars.contains { !isSpace($0) }
    }

    /// `s.strip(chars)`
    public static func strip(_ s: String, characters: Set<Unicode.Scalar>) -> String {
        lstrip(rstrip(s, characters: characters), characters: characters)
    }

    public static func lstrip(_ s: String, characters: Set<Unicode.Scalar>) -> String {
        let scalars = Array(s.unicodeScalars)
        let first = scalars.firstIndex { !characters.contains($0) } ?? scalars.count
        var out = String.UnicodeScalarView()
        out.append(contentsOf: scalars[first...])
        return String(out)
    }

    public static func rstrip(_ s: String, characters: Set<Unicode.Scalar>) -> String {
        let scalars = Array(s.unicodeScalars)
        guard let last = scalars.lastIndex(where: { !characters.contains($0) }) else { return "" }
        var out = String.UnicodeScalarView()
        out.append(contentsOf: scalars[...last])
        return String(out)
    }

    /// `s.split()`: runs of whitespace separate, no empty parts.
    public static func split(_ s: String) -> [String] {
        var parts: [String] = []
        var current = String.UnicodeScalarView()
        for scalar in s.unicodeScalars {
            if isSpace(scalar) {
                if !current.isEmpty { parts.append(String(current)); current = String.UnicodeScalarView() }
            } else {
                current.append(scalar)
            }
        }
        if !current.isEmpty { parts.append(String(current)) }
        return parts
    }

    /// `s.split(separator)` with a non-empty separator (empty parts kept).
    public static func split(_ s: String, separator: String) -> [String] {
        s.components(separatedBy: separator)
    }

    /// `s.lower()` (full Unicode lowercase mapping).
    public static func lower(_ s: String) -> String { s.lowercased() }

    /// `s.isupper()`: at least one cased character and none of them lowercase or titlecase.
    public static func isUpper(_ s: String) -> Bool {
        var cased = false
        for scalar in s.unicodeScalars {
            let p = scalar.properties
            if p.isLowercase || p.generalCategory == .titlecaseLetter { return false }
            if p.isUppercase { cased = true }
        }
        return cased
    }

    /// `s.islower()`: at least one cased character and none of them uppercase or titlecase.
    public static func isLower(_ s: String) -> Bool {
        var cased = false
        for scalar in s.unicodeScalars {
            let p = scalar.properties
            if p.isUppercase || p.generalCategory == .titlecaseLetter { return false }
            if p.isLowercase { cased = true }
        }
        return cased
    }

    /// `s.capitalize()`: the first character title-cased, every other one lower-cased.
    public static func capitalize(_ s: String) -> String {
        guard let first = s.unicodeScalars.first else { return s }
        return first.properties.titlecaseMapping + String(s.unicodeScalars.dropFirst()).lowercased()
    }

    /// Number of code points (Python `len`).
    public static func length(_ s: String) -> Int { s.unicodeScalars.count }
}
