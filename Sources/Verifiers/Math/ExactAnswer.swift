import Foundation

/// A MATH answer read as an exact number r·√s·π^k (r rational, s a square-free positive integer, k an
/// integer), for the comparisons string normalisation misses: 0.75 = 3/4 = \frac{6}{8}, 75\% = 75
/// (percent signs are dropped, as the references do), 1/√2 = √2/2, 1,000 = 1000, -\frac{1}{2} = -0.5,
/// (2)^{1/2} = \sqrt{2}, 6(2)^{1/2} = 6\sqrt{2}, 8^{3/2} = 16\sqrt{2}, 20000/\pi = \frac{20000}{\pi},
/// 2^{-1} = 0.5.
public struct ExactAnswer: Equatable, Sendable {
    /// r = numerator / denominator, reduced, denominator > 0.
    public var numerator: Int
    public var denominator: Int
    /// The square-free radicand s (1 when there is no surd).
    public var radicand: Int
    /// The power of π.
    public var piPower: Int = 0

    public init?(numerator: Int, denominator: Int, radicand: Int = 1, piPower: Int = 0) {
        guard denominator != 0, radicand >= 1 else { return nil }
        var n = numerator, d = denominator, s = radicand
        // pull square factors out of the radicand
        var f = 2
        while f * f <= s {
            while s % (f * f) == 0 {
                s /= f * f
                let (p, overflow) = n.multipliedReportingOverflow(by: f)
                if overflow { return nil }
                n = p
            }
            f += 1
        }
        if d < 0 { n = -n; d = -d }
        let g = Self.gcd(abs(n), d)
        if g > 1 { n /= g; d /= g }
        if n == 0 { s = 1; d = 1 }
        guard abs(piPower) <= 64 else { return nil }
        self.numerator = n
        self.denominator = d
        self.radicand = s
        self.piPower = n == 0 ? 0 : piPower
    }

    static func gcd(_ a: Int, _ b: Int) -> Int {
        var (x, y) = (a, b)
        while y != 0 { (x, y) = (y, x % y) }
        return max(x, 1)
    }

    /// Parses a plain number (signs, thousands separators, decimals, percent, `\frac`, `\dfrac`,
    /// `a/b`, `\sqrt{n}`, products like `2\sqrt{3}`, quotients of those). Nil for anything else.
    public static func parse(_ text: String) -> ExactAnswer? {
        // Answers are short; a bound keeps the recursive reader shallow on hostile input.
        guard text.utf8.count <= 256 else { return nil }
        var s = text
        for (from, to) in [("\\dfrac", "\\frac"), ("\\tfrac", "\\frac"), ("\\left", ""), ("\\right", ""), ("\\!", ""),
                           ("\\%", ""), ("%", ""), ("\\$", ""), ("$", ""), (" ", ""), ("{,}", ""), ("\\,", ""), ("−", "-")] {
            s = s.replacingOccurrences(of: from, with: to)
        }
        if s.hasSuffix(".") { s.removeLast() }
        var parser = Parser(Array(s))
        guard let value = parser.expression(), parser.atEnd else { return nil }
        return value
    }

    static func * (a: ExactAnswer, b: ExactAnswer) -> ExactAnswer? {
        let (n, o1) = a.numerator.multipliedReportingOverflow(by: b.numerator)
        let (d, o2) = a.denominator.multipliedReportingOverflow(by: b.denominator)
        let (s, o3) = a.radicand.multipliedReportingOverflow(by: b.radicand)
        guard !o1, !o2, !o3 else { return nil }
        return ExactAnswer(numerator: n, denominator: d, radicand: s, piPower: a.piPower + b.piPower)
    }

    static func / (a: ExactAnswer, b: ExactAnswer) -> ExactAnswer? {
        guard b.numerator != 0 else { return nil }
        // (r1√s1)/(r2√s2) = r1/(r2·s2) · √(s1·s2)
        let (d1, o1) = b.numerator.multipliedReportingOverflow(by: b.radicand)
        let (n, o2) = a.numerator.multipliedReportingOverflow(by: b.denominator)
        let (d, o3) = a.denominator.multipliedReportingOverflow(by: d1)
        let (s, o4) = a.radicand.multipliedReportingOverflow(by: b.radicand)
        guard !o1, !o2, !o3, !o4 else { return nil }
        return ExactAnswer(numerator: n, denominator: d, radicand: s, piPower: a.piPower - b.piPower)
    }

    /// `self` to the power `exponent`, for exponents that keep the value of this form: an integer
    /// (|k| ≤ 64), or a half-integer of a non-negative rational without surd or π
    /// ((n/d)^{p/2} = (√(n·d)/d)^p).
    func raised(to exponent: ExactAnswer) -> ExactAnswer? {
        guard exponent.radicand == 1, exponent.piPower == 0, abs(exponent.numerator) <= 64 else { return nil }
        var base = self, power = exponent.numerator
        if exponent.denominator == 2 {
            guard radicand == 1, piPower == 0, numerator >= 0 else { return nil }
            let (nd, overflow) = numerator.multipliedReportingOverflow(by: denominator)
            guard !overflow, let root = ExactAnswer(numerator: 1, denominator: denominator, radicand: max(nd, 1)) else { return nil }
            base = numerator == 0 ? ExactAnswer(numerator: 0, denominator: 1)! : root
        } else if exponent.denominator != 1 {
            return nil
        }
        if power < 0 {
            guard let inverse = ExactAnswer(numerator: 1, denominator: 1)! / base else { return nil }
            base = inverse
            power = -power
        }
        var result = ExactAnswer(numerator: 1, denominator: 1)!
        for _ in 0..<power {
            guard let product = result * base else { return nil }
            result = product
        }
        return result
    }

    /// A tiny recursive-descent reader: expression := ['-'|'+'] term (('/') term)?
    /// term := power power* ; power := factor ('^' (d | {e}))? ;
    /// factor := number | \frac{e}{e} | \sqrt{e} | \sqrt d | \pi | π | {e} | (e)
    struct Parser {
        let c: [Character]
        var i = 0
        init(_ c: [Character]) { self.c = c }
        var atEnd: Bool { i == c.count }

        mutating func eat(_ s: String) -> Bool {
            let t = Array(s)
            guard i + t.count <= c.count, Array(c[i..<(i + t.count)]) == t else { return false }
            i += t.count
            return true
        }

        mutating func expression() -> ExactAnswer? {
            var negative = false
            if eat("-") { negative = true } else { _ = eat("+") }
            guard var value = term() else { return nil }
            if eat("/") {
                guard let divisor = term(), let q = value / divisor else { return nil }
                value = q
            }
            if negative { value.numerator = -value.numerator }
            return value
        }

        mutating func term() -> ExactAnswer? {
            guard var value = power() else { return nil }
            while i < c.count, c[i] != "/", c[i] != "}", c[i] != ")" {
                _ = eat("\\cdot") || eat("\\times") || eat("*")
                guard let next = power(), let product = value * next else { return nil }
                value = product
            }
            return value
        }

        mutating func power() -> ExactAnswer? {
            guard let base = factor() else { return nil }
            guard eat("^") else { return base }
            let exponent: ExactAnswer?
            if i < c.count, c[i] == "{" {
                exponent = braced()
            } else if eat("-") {
                exponent = singleDigit().map { ExactAnswer(numerator: -$0.numerator, denominator: 1)! }
            } else {
                exponent = singleDigit()
            }
            guard let exponent else { return nil }
            return base.raised(to: exponent)
        }

        mutating func singleDigit() -> ExactAnswer? {
            guard i < c.count, c[i].isASCII, let digit = c[i].wholeNumberValue else { return nil }
            i += 1
            return ExactAnswer(numerator: digit, denominator: 1)
        }

        mutating func braced() -> ExactAnswer? {
            guard eat("{"), let inner = expression(), eat("}") else { return nil }
            return inner
        }

        mutating func factor() -> ExactAnswer? {
            if eat("\\frac") {
                guard let a = braced(), let b = braced() else { return nil }
                return a / b
            }
            if eat("\\sqrt") {
                if i < c.count, c[i] == "{" {
                    guard let inner = braced(), inner.radicand == 1, inner.denominator == 1, inner.numerator >= 0 else { return nil }
                    return ExactAnswer(numerator: 1, denominator: 1, radicand: max(inner.numerator, 1)).map { inner.numerator == 0 ? ExactAnswer(numerator: 0, denominator: 1)! : $0 }
                }
                guard i < c.count, let digit = c[i].wholeNumberValue else { return nil }
                i += 1
                return ExactAnswer(numerator: 1, denominator: 1, radicand: digit == 0 ? 1 : digit).map { digit == 0 ? ExactAnswer(numerator: 0, denominator: 1)! : $0 }
            }
            if eat("\\pi") || eat("π") { return ExactAnswer(numerator: 1, denominator: 1, piPower: 1) }
            if i < c.count, c[i] == "{" { return braced() }
            if eat("(") {
                guard let inner = expression(), eat(")") else { return nil }
                return inner
            }
            return number()
        }

        /// Digits with optional thousands separators (groups of three) and a decimal part.
        mutating func number() -> ExactAnswer? {
            let start = i
            var digits = ""
            while i < c.count, c[i].isASCII, c[i].isNumber || c[i] == "," {
                digits.append(c[i])
                i += 1
            }
            var fraction = ""
            if i < c.count, c[i] == "." {
                i += 1
                while i < c.count, c[i].isASCII, c[i].isNumber { fraction.append(c[i]); i += 1 }
            }
            if digits.isEmpty && fraction.isEmpty { i = start; return nil }
            if digits.contains(",") {
                let groups = digits.split(separator: ",", omittingEmptySubsequences: false)
                guard groups.first.map({ (1...3).contains($0.count) }) == true, groups.dropFirst().allSatisfy({ $0.count == 3 }) else {
                    i = start
                    return nil
                }
                digits = digits.replacingOccurrences(of: ",", with: "")
            }
            guard fraction.count <= 15, digits.count <= 15, let whole = Int(digits.isEmpty ? "0" : digits) else { return nil }
            var scale = 1
            for _ in 0..<fraction.count { scale *= 10 }
            let part = fraction.isEmpty ? 0 : Int(fraction)!
            let (n, overflow) = whole.multipliedReportingOverflow(by: scale)
            guard !overflow else { return nil }
            return ExactAnswer(numerator: n + part, denominator: scale)
        }
    }
}
