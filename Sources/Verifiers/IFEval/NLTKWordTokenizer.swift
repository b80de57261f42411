import Foundation
import TextPatterns

/// `nltk.word_tokenize(text)` (NLTK 3.10.4, `language="english"`, `preserve_line=False`), as
/// IFEval's `capital_word_frequency` uses it: the text is split into sentences by Punkt
/// (`PunktSentenceTokenizer.english`), then each sentence is cut by NLTK's improved Treebank word
/// tokenizer (`nltk/tokenize/destructive.py`, `NLTKWordTokenizer.tokenize`), a cascade of regular
/// expression substitutions that pads tokens with spaces before a whitespace split:
/// 1. starting quotes (`"` at the start → ``` `` ```, curly and guillemet openers, `'` before a word);
/// 2. punctuation (the sentence-final period, `,` and `:` not before a digit, ellipses,
///    `; @ # $ % &`, figure/en/em dashes, `? !`, `'` before a space, `*`);
/// 3. parentheses, brackets, braces and angle brackets; 4. double dashes `--`;
/// 5. ending quotes (`"` and `''` → `''`, closers) and clitics (`'s 'm 'd 'll 're 've n't`);
/// 6. contractions `cannot`, `d'ye`, `gimme`, `gonna`, `gotta`, `lemme`, `more'n`, `wanna`,
///    `'tis`, `'twas` split in two.
///
/// The patterns are NLTK's, with the classes of the engines NLTK runs them on written out for
/// PCRE2: the third-party `regex` engine (`\s` = White_Space, `\w` = Alphabetic + marks + Nd + Pc +
/// join controls) for all but the contractions, which use Python's `re` (`\w` = letters, numbers, `_`;
/// `\s` = `str.isspace`). `$` without MULTILINE matches at the end or before a final newline in all
/// three engines.
public enum NLTKWordTokenizer: Sendable {
    /// `nltk.word_tokenize(text)`: the Treebank tokens of each Punkt sentence, in order.
    public static func tokenize(_ text: String) -> [String] {
        PunktSentenceTokenizer.english.sentences(in: text).flatMap(tokenize(sentence:))
    }

    /// `NLTKWordTokenizer().tokenize(sentence)` (no parenthesis conversion): the tokens of text
    /// already split into sentences.
    public static func tokenize(sentence: String) -> [String] {
        var text = sentence
        text = TreebankRules.startingQuotes.apply(to: text)
        text = TreebankRules.punctuation.apply(to: text)
        text = TreebankRules.parensAndBrackets.apply(to: text)
        text = TreebankRules.doubleDashes.apply(to: text)
        // "add extra space to make things easier"
        text = " " + text + " "
        text = TreebankRules.endingQuotes.apply(to: text)
        text = TreebankRules.contractions.apply(to: text)
        return PunktPython.splitOnWhitespace(text)
    }
}

/// One `re.sub(pattern, replacement, text)` step; the replacement is a template with `\1`–`\9` and
/// `\g<0>` group references, as in NLTK's source.
struct TreebankSubstitution: Sendable {
    let pattern: PCRE2Pattern
    let template: String

    init(_ pattern: String, _ template: String) {
        do {
            self.pattern = try PCRE2Pattern(pattern, matchLimit: 200_000_000)
        } catch {
            fatalError("Treebank pattern does not compile: \(error)")
        }
        self.template = template
    }

    /// Every match replaced; on the (unreachable for these linear patterns) match limit the text
    /// is left as it is.
    func apply(to text: String) -> String {
        (try? pattern.replacing(in: text) { groups in Self.expand(template, groups) }) ?? text
    }

    /// The template with `\N` and `\g<N>` replaced by group N (unset groups are empty).
    static func expand(_ template: String, _ groups: [String]) -> String {
        var out = ""
        var rest = Substring(template)
        while let slash = rest.firstIndex(of: "\\") {
            out += rest[..<slash]
            rest = rest[rest.index(after: slash)...]
            var digits = rest.prefix { $0.isASCII && $0.isNumber }
            if digits.isEmpty, rest.hasPrefix("g<"), let close = rest.firstIndex(of: ">") {
                digits = rest[rest.index(rest.startIndex, offsetBy: 2)..<close]
                rest = rest[rest.index(after: close)...]
            } else {
                rest = rest.dropFirst(digits.count)
            }
            guard let number = Int(digits) else { out += "\\"; continue }
            out += number < groups.count ? groups[number] : ""
        }
        return out + rest
    }
}

/// Substitutions applied in order.
struct TreebankRuleList: Sendable {
    let substitutions: [TreebankSubstitution]

    func apply(to text: String) -> String {
        substitutions.reduce(text) { $1.apply(to: $0) }
    }
}

/// NLTK's `NLTKWordTokenizer` class attributes, in the order `tokenize` applies them.
enum TreebankRules {
    /// The `regex` engine's `\w` and `\s`.
    static let word = #"[\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\x{200C}\x{200D}]"#
    static let space = #"\p{White_Space}"#
    /// Python `re`'s `\w` and `\s` (`str.isalnum()` or `_`; `str.isspace()`).
    static let reWord = #"[\p{L}\p{N}_]"#
    static let reSpace = #"[\p{White_Space}\x{1C}-\x{1F}]"#
    /// Python `re`'s `\b`.
    static let reBoundary = "(?:(?<=\(reWord))(?!\(reWord))|(?<!\(reWord))(?=\(reWord)))"

    /// `STARTING_QUOTES`.
    static let startingQuotes = TreebankRuleList(substitutions: [
        .init("([\u{AB}\u{201C}\u{2018}\u{201E}]|[`]+)", #" \1 "#),
        .init(#"^\""#, "``"),
        .init("(``)", #" \1 "#),
        .init(#"([ \(\[{<])(\"|\'{2})"#, #"\1 `` "#),
        // A quote before a word that is not a clitic; `\b` after the clitic letters is "no word
        // character follows" (they are word characters themselves).
        .init(#"(?i)(?<!\#(word))(\')(?!(?:re|ve|ll|m|t|s|d|n)(?!\#(word)))(?=\#(word))"#, #"\1 "#),
    ])

    /// `PUNCTUATION`.
    static let punctuation = TreebankRuleList(substitutions: [
        .init(#"([^\.])(\.)([\]\)}>"\'\#u{BB}\#u{201D}\#u{2019} ]*+)\#(space)*$"#, #"\1 \2 \3 "#),
        .init(#"([:,])([^\p{Nd}])"#, #" \1 \2"#),
        .init(#"([:,])$"#, #" \1 "#),
        .init(#"\.{2,}"#, #" \g<0> "#),
        .init(#"[;@#$%&]"#, #" \g<0> "#),
        .init(#"[\x{2012}-\x{2015}]"#, #" \g<0> "#),
        .init(#"([^\.])(\.)([\]\)}>"\']*)\#(space)*$"#, #"\1 \2\3 "#),
        .init(#"[?!]"#, #" \g<0> "#),
        .init(#"([^'])' "#, #"\1 ' "#),
        .init(#"[*]"#, #" \g<0> "#),
    ])

    /// `PARENS_BRACKETS`.
    static let parensAndBrackets = TreebankRuleList(substitutions: [
        .init(#"[\]\[\(\)\{\}\<\>]"#, #" \g<0> "#),
    ])

    /// `DOUBLE_DASHES`.
    static let doubleDashes = TreebankRuleList(substitutions: [
        .init("--", " -- "),
    ])

    /// `ENDING_QUOTES`.
    static let endingQuotes = TreebankRuleList(substitutions: [
        .init("([\u{BB}\u{201D}\u{2019}])", #" \1 "#),
        .init("''", " '' "),
        .init("\"", " '' "),
        .init("\(space)+", " "),
        .init(#"([^' ])('[sS]|'[mM]|'[dD]|') "#, #"\1 \2 "#),
        .init(#"([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) "#, #"\1 \2 "#),
    ])

    /// `CONTRACTIONS2` then `CONTRACTIONS3` (MacIntyre's list), compiled by Python's `re`.
    static let contractions = TreebankRuleList(substitutions: [
        .init(#"(?i)\#(reBoundary)(can)(not)\#(reBoundary)"#, #" \1 \2 "#),
        .init(#"(?i)\#(reBoundary)(d)('ye)\#(reBoundary)"#, #" \1 \2 "#),
        .init(#"(?i)\#(reBoundary)(gim)(me)\#(reBoundary)"#, #" \1 \2 "#),
        .init(#"(?i)\#(reBoundary)(gon)(na)\#(reBoundary)"#, #" \1 \2 "#),
        .init(#"(?i)\#(reBoundary)(got)(ta)\#(reBoundary)"#, #" \1 \2 "#),
        .init(#"(?i)\#(reBoundary)(lem)(me)\#(reBoundary)"#, #" \1 \2 "#),
        .init(#"(?i)\#(reBoundary)(more)('n)\#(reBoundary)"#, #" \1 \2 "#),
        .init(#"(?i)\#(reBoundary)(wan)(na)(?=\#(reSpace))"#, #" \1 \2 "#),
        .init(#"(?i) ('t)(is)\#(reBoundary)"#, #" \1 \2 "#),
        .init(#"(?i) ('t)(was)\#(reBoundary)"#, #" \1 \2 "#),
    ])
}

extension PunktPython {
    /// `str.split()`: runs of `str.isspace()` characters separate; no empty parts.
    static func splitOnWhitespace(_ text: String) -> [String] {
        var parts: [String] = []
        var current = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if isSpace(scalar) {
                if !current.isEmpty { parts.append(String(current)) }
                current = String.UnicodeScalarView()
            } else {
                current.append(scalar)
            }
        }
        if !current.isEmpty { parts.append(String(current)) }
        return parts
    }
}
