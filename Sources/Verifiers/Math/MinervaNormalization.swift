import Foundation

/// `normalize_final_answer` of Minerva (Lewkowycz et al. 2022, appendix D) as lm-eval's `minerva_math`
/// and open-instruct implement it (the classic version), quirks included: substring replacements
/// anywhere ("ft" is removed from `\left`, so it becomes `\le`), "a "/"an " eaten anywhere, tuples of
/// digits fused by the comma rule, only the part after the last "=" kept.
public enum MinervaNormalization {
    static let substitutions: [(String, String)] = [
        ("an ", ""), ("a ", ""), (".$", "$"), ("\\$", ""), ("\\ ", ""), (" ", ""), ("mbox", "text"),
        (",\\text{and}", ","), ("\\text{and}", ","), ("\\text{m}", "\\text{}"),
    ]

    static let removedExpressions = [
        "square", "ways", "integers", "dollars", "mph", "inches", "ft", "hours", "km", "units", "\\ldots", "sue", "points",
        "feet", "minutes", "digits", "cents", "degrees", "cm", "gm", "pounds", "meters", "meals", "edges", "students",
        "childrentickets", "multiples", "\\text{s}", "\\text{.}", "\\text{\ns}", "\\text{}^2", "\\text{}^3", "\\text{\n}",
        "\\text{}", "\\mathrm{th}", "^\\circ", "^{\\circ}", "\\;", ",\\!", "{,}", "\"", "\\dots",
    ]

    public static func normalize(_ answer: String) -> String {
        var s = answer.components(separatedBy: "=").last ?? answer
        for (before, after) in substitutions { s = s.replacingOccurrences(of: before, with: after) }
        for expression in removedExpressions { s = s.replacingOccurrences(of: expression, with: "") }
        s = sub(#"(.*?)(\$)(.*?)(\$)(.*)"#, s) { "$" + $0[3] + "$" }
        s = sub(#"(\\text\{)(.*?)(\})"#, s) { $0[2] }
        s = sub(#"(\\textbf\{)(.*?)(\})"#, s) { $0[2] }
        s = sub(#"(\\overline\{)(.*?)(\})"#, s) { $0[2] }
        s = sub(#"(\\boxed\{)(.*)(\})"#, s) { $0[2] }
        s = sub(#"(frac)([^{])(.)"#, s) { "frac{" + $0[2] + "}{" + $0[3] + "}" }
        s = sub(#"(sqrt)([^{])"#, s) { "sqrt{" + $0[2] + "}" }
        s = s.replacingOccurrences(of: "$", with: "")
        if PythonString.isDigit(s.replacingOccurrences(of: ",", with: "")) { s = s.replacingOccurrences(of: ",", with: "") }
        return s
    }

    static func sub(_ pattern: String, _ text: String, _ replacement: ([String]) -> String) -> String {
        guard let compiled = try? TextPatternsBridge.pattern(pattern) else { return text }
        return (try? compiled.replacing(in: text, replacement)) ?? text
    }
}

/// Python `str` predicates the references rely on.
enum PythonString {
    /// `str.isdigit()`: non-empty and every character has a decimal or digit property (ASCII and
    /// other decimal digits, superscripts …).
    static func isDigit(_ s: String) -> Bool {
        !s.isEmpty && s.unicodeScalars.allSatisfy { scalar in
            scalar.properties.numericType == .decimal || scalar.properties.numericType == .digit
        }
    }
}
