import Foundation

/// `strip_string` / `is_equiv` of the MATH paper (Hendrycks et al. 2021) as lm-eval's
/// `hendrycks_math`, verl and open-instruct use it. Where the Python code raises (an empty `\sqrt`
/// or `\frac` tail, two `\text{ ` units), `isEquivalent` falls back to raw string equality, as the
/// reference's `except` does.
public enum HendrycksNormalization {
    struct Failure: Error {}

    public static func isEquivalent(_ a: String?, _ b: String?) -> Bool {
        guard let a, let b else { return a == nil && b == nil }
        guard let x = try? strip(a), let y = try? strip(b) else { return a == b }
        return x == y
    }

    public static func strip(_ input: String) throws -> String {
        var s = input.replacingOccurrences(of: "\n", with: "")
        s = s.replacingOccurrences(of: "\\!", with: "")
        s = s.replacingOccurrences(of: "\\\\", with: "\\")
        s = s.replacingOccurrences(of: "tfrac", with: "frac")
        s = s.replacingOccurrences(of: "dfrac", with: "frac")
        s = s.replacingOccurrences(of: "\\left", with: "")
        s = s.replacingOccurrences(of: "\\right", with: "")
        s = s.replacingOccurrences(of: "^{\\circ}", with: "")
        s = s.replacingOccurrences(of: "^\\circ", with: "")
        s = s.replacingOccurrences(of: "\\$", with: "")
        s = try removeRightUnits(s)
        s = s.replacingOccurrences(of: "\\%", with: "")
        s = s.replacingOccurrences(of: " .", with: " 0.")
        s = s.replacingOccurrences(of: "{.", with: "{0.")
        if s.isEmpty { return s }
        if s.hasPrefix(".") { s = "0" + s }
        let sides = s.components(separatedBy: "=")
        if sides.count == 2, sides[0].count <= 2 { s = sides[1] }
        s = try fixSqrt(s)
        s = s.replacingOccurrences(of: " ", with: "")
        s = try fixFracs(s)
        if s == "0.5" { s = "\\frac{1}{2}" }
        return try fixSlash(s)
    }

    /// "x \text{ cm}" → "x " (exactly one `\text{ ` allowed, as the reference asserts).
    static func removeRightUnits(_ s: String) throws -> String {
        guard s.contains("\\text{ ") else { return s }
        let parts = s.components(separatedBy: "\\text{ ")
        guard parts.count == 2 else { throw Failure() }
        return parts[0]
    }

    /// `\sqrt3` → `\sqrt{3}` (the first character after each `\sqrt`).
    static func fixSqrt(_ s: String) throws -> String {
        guard s.contains("\\sqrt") else { return s }
        let parts = s.components(separatedBy: "\\sqrt")
        var out = parts[0]
        for part in parts.dropFirst() {
            guard let first = part.first else { throw Failure() }
            out += first == "{" ? "\\sqrt" + part : "\\sqrt{\(first)}" + part.dropFirst()
        }
        return out
    }

    /// `\frac12` → `\frac{1}{2}`, `\frac1{2}` → `\frac{1}{2}`.
    static func fixFracs(_ s: String) throws -> String {
        let parts = s.components(separatedBy: "\\frac")
        var out = parts[0]
        for part in parts.dropFirst() {
            out += "\\frac"
            guard let first = part.first else { throw Failure() }
            if first == "{" {
                out += part
                continue
            }
            let characters = Array(part)
            guard characters.count >= 2 else { return s }
            let a = characters[0], b = characters[1]
            let rest = String(characters.dropFirst(2))
            out += b != "{" ? "{\(a)}{\(b)}" + rest : "{\(a)}\(b)" + rest
        }
        return out
    }

    /// "3/4" → `\frac{3}{4}` when both sides are integers written canonically. Like the reference,
    /// a side that is not an integer at all ("x/2") is an error (its `int()` raises and only the
    /// round-trip assertion is caught), which sends `isEquivalent` to raw string equality.
    static func fixSlash(_ s: String) throws -> String {
        let parts = s.components(separatedBy: "/")
        guard parts.count == 2 else { return s }
        guard let a = pythonInt(parts[0]), let b = pythonInt(parts[1]) else { throw Failure() }
        guard s == "\(a)/\(b)" else { return s }
        return "\\frac{\(a)}{\(b)}"
    }

    /// Python `int(text)` for the forms that can pass the reference's round-trip check.
    static func pythonInt(_ text: String) -> Int? {
        Int(text.trimmingCharacters(in: .whitespaces))
    }
}
