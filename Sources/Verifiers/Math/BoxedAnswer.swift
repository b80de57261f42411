import Foundation

/// Answer extraction as the MATH references do it (lm-eval minerva/hendrycks, open-instruct, verl:
/// `last_boxed_only_string`, `remove_boxed`, the Minerva "Final Answer" line).
public enum BoxedAnswer {
    /// `last_boxed_only_string`: the space form `\boxed x` wins when it occurs anywhere (up to the next
    /// `$`); else the last `\boxed` (or, failing that, `\fbox`) with its brace-matched argument (braces
    /// counted without regard to escapes); nil when the braces never close (a truncated output).
    public static func lastBoxed(_ text: String) -> String? {
        if let range = text.range(of: "\\boxed ", options: .backwards) {
            let rest = text[range.upperBound...]
            return "\\boxed " + (rest.split(separator: "$", omittingEmptySubsequences: false).first.map(String.init) ?? "")
        }
        let scalars = Array(text.unicodeScalars)
        func lastIndex(of needle: String) -> Int? {
            let n = Array(needle.unicodeScalars)
            guard scalars.count >= n.count else { return nil }
            search: for start in stride(from: scalars.count - n.count, through: 0, by: -1) {
                for k in 0..<n.count where scalars[start + k] != n[k] { continue search }
                return start
            }
            return nil
        }
        guard let start = lastIndex(of: "\\boxed") ?? lastIndex(of: "\\fbox") else { return nil }
        var open = 0
        for i in start..<scalars.count {
            if scalars[i] == "{" { open += 1 }
            if scalars[i] == "}" {
                open -= 1
                if open == 0 {
                    var out = String.UnicodeScalarView()
                    out.append(contentsOf: scalars[start...i])
                    return String(out)
                }
            }
        }
        return nil
    }

    /// `remove_boxed`: the argument of `\boxed{…}` or `\boxed …`. The references reject `\fbox{…}`
    /// (an assertion); with `acceptFbox` it is unwrapped like `\boxed{…}` (the project's fix).
    public static func contents(of boxed: String, acceptFbox: Bool = true) -> String? {
        if boxed.hasPrefix("\\boxed ") { return String(boxed.dropFirst("\\boxed ".count)) }
        for prefix in ["\\boxed{"] + (acceptFbox ? ["\\fbox{"] : []) where boxed.hasPrefix(prefix) && boxed.hasSuffix("}") {
            return String(boxed.dropFirst(prefix.count).dropLast())
        }
        return nil
    }

    /// The answer in Minerva's format: "Final Answer: The final answer is X. I hope it is correct."
    /// (`get_unnormalized_answer`: the dots are unescaped regex dots, the match is lazy).
    public static func minervaFinalAnswer(_ text: String) -> String? {
        let pattern = try! TextPatternsBridge.pattern(#"Final Answer: The final answer is(.*?). I hope it is correct."#)
        guard let groups = (try? pattern.captures(in: text + "I hope it is correct."))?.first, groups.count > 1 else { return nil }
        return groups[1].trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The text between the last two `$` signs, if there are at least two.
    public static func lastDollarMath(_ text: String) -> String? {
        let parts = text.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count >= 3 else { return nil }
        return String(parts[parts.count - 2])
    }
}
