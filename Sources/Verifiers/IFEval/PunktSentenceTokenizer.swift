import Foundation
import TextPatterns

// A port of NLTK 3.10.4 `nltk/tokenize/punkt.py` (Kiss & Strunk 2006, "Unsupervised Multilingual
// Sentence Boundary Detection"): the *tokenizing* half only (`PunktSentenceTokenizer.tokenize` with
// `realign_boundaries=True`) over pretrained parameters; training is not ported.
//
// Python semantics that matter and how they are kept:
// * strings are compared and indexed by code point (`[Unicode.Scalar]`), never by `Character`
//   (Swift's `String ==` is canonical equivalence: "\u{37E}" == ";" would be true);
// * the NLTK regular expressions run under the third-party `regex` engine, whose `\s` is Unicode
//   White_Space and whose `\w` is Alphabetic + Mark + Nd + Pc + Join_Control; they are written
//   here with those explicit classes for PCRE2 (whose own `\s`/`\w` differ);
// * `str.lower()`, `str.isupper()`, `str.strip()` follow CPython (`PunktPython`).
// Sentence boundaries are computed as UTF-8 byte offsets, which map one-to-one onto Python's
// code point offsets because every slice starts and ends on a code point.

/// The pretrained tables of a Punkt model (NLTK `PunktParameters`): abbreviation types,
/// collocations, frequent sentence starters and orthographic contexts.
public struct PunktParameters: Sendable {
    /// A word type as Python compares it: code point by code point.
    typealias WordType = [Unicode.Scalar]

    struct Collocation: Hashable, Sendable {
        let first: WordType
        let second: WordType
    }

    /// Orthographic context flags (`_ORTHO_*`): where a type was seen (sentence beginning, middle,
    /// unknown position) with which case of its first letter.
    enum Ortho {
        static let begUC = 1 << 1, midUC = 1 << 2, unkUC = 1 << 3
        static let begLC = 1 << 4, midLC = 1 << 5, unkLC = 1 << 6
        static let upperCase = begUC | midUC | unkUC
        static let lowerCase = begLC | midLC | unkLC
        static let byName = ["BEG_UC": begUC, "MID_UC": midUC, "UNK_UC": unkUC,
                             "BEG_LC": begLC, "MID_LC": midLC, "UNK_LC": unkLC]
    }

    let abbreviationTypes: Set<WordType>
    let collocations: Set<Collocation>
    let sentenceStarters: Set<WordType>
    let orthographicContext: [WordType: Int]

    /// Tables as NLTK's `load_punkt_params` reads them from `punkt_tab` (types are lower case;
    /// `orthographicContext` values are sums of the `_ORTHO_*` flags).
    public init(abbreviationTypes: [String], collocations: [(String, String)], sentenceStarters: [String],
                orthographicContext: [String: Int]) {
        self.abbreviationTypes = Set(abbreviationTypes.map { Array($0.unicodeScalars) })
        self.collocations = Set(collocations.map {
            Collocation(first: Array($0.0.unicodeScalars), second: Array($0.1.unicodeScalars))
        })
        self.sentenceStarters = Set(sentenceStarters.map { Array($0.unicodeScalars) })
        var context: [WordType: Int] = [:]
        for (type, flags) in orthographicContext { context[Array(type.unicodeScalars), default: 0] |= flags }
        self.orthographicContext = context
    }

    public struct FormatError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Reads the JSON export of a model: `abbrev_types` [str], `collocations` [[str, str]],
    /// `sent_starters` [str], `ortho_context` {type: flags} and `ortho_flags` {name: bit}, which
    /// must name NLTK's bits.
    public init(json data: Data) throws {
        struct File: Decodable {
            let abbrev_types: [String]
            let collocations: [[String]]
            let sent_starters: [String]
            let ortho_context: [String: Int]
            let ortho_flags: [String: Int]
        }
        let file = try JSONDecoder().decode(File.self, from: data)
        guard file.ortho_flags == Ortho.byName else {
            throw FormatError(description: "ortho_flags \(file.ortho_flags) are not NLTK's \(Ortho.byName)")
        }
        let pairs = try file.collocations.map { pair -> (String, String) in
            guard pair.count == 2 else { throw FormatError(description: "collocation \(pair) is not a pair") }
            return (pair[0], pair[1])
        }
        self.init(abbreviationTypes: file.abbrev_types, collocations: pairs, sentenceStarters: file.sent_starters,
                  orthographicContext: file.ortho_context)
    }

    /// NLTK's pretrained English model (`punkt_tab/english`), shipped as the module resource
    /// `Resources/punkt_english.json`.
    public static let english: PunktParameters = {
        guard let url = Bundle.module.url(forResource: "punkt_english", withExtension: "json", subdirectory: "Resources") else {
            fatalError("the Verifiers bundle has no Resources/punkt_english.json")
        }
        do {
            return try PunktParameters(json: Data(contentsOf: url))
        } catch {
            fatalError("cannot read \(url.path): \(error)")
        }
    }()

    func orthography(of type: WordType) -> Int { orthographicContext[type] ?? 0 }
}

/// NLTK's Punkt sentence tokenizer (`PunktSentenceTokenizer.tokenize(text)`, boundaries realigned),
/// as IFEval counts sentences: `PunktSentenceTokenizer.english.sentences(in: text).count`.
///
/// The steps, as in NLTK:
/// 1. every `.`, `?` or `!` followed by non-word punctuation or by whitespace and a token is a
///    candidate (`_match_potential_end_contexts`), with the word before it as context;
/// 2. each candidate's context is split into Punkt word tokens and annotated: first pass by type
///    (sentence-end characters, ellipses, known abbreviations incl. the last hyphenated part),
///    second pass by token pair (collocations, orthographic heuristic, frequent sentence starters,
///    initials and `##number##`); a break after a token that is not the last is a sentence break
///    (`text_contains_sentbreak`, `_slices_from_text`);
/// 3. closing quotes and brackets after a break move back into the sentence they close
///    (`_realign_boundaries`); empty sentences are dropped and whitespace between sentences is not
///    part of either.
public struct PunktSentenceTokenizer: Sendable {
    public let parameters: PunktParameters

    public init(parameters: PunktParameters) {
        self.parameters = parameters
    }

    /// The tokenizer IFEval loads as `nltk:tokenizers/punkt/english.pickle`.
    public static let english = PunktSentenceTokenizer(parameters: .english)

    /// The sentences of `text` (`tokenize(text)`): slices of `text`, in order.
    public func sentences(in text: String) -> [String] {
        let bytes = Array(text.utf8)
        let spans = realignedBoundaries(bytes, slices: sentenceSlices(bytes))
        return spans.map { PunktPython.string(bytes, $0) }
    }

    // MARK: Step 1 — candidate sentence ends and their contexts

    /// A match of the period-context regex: the end character and what follows it.
    struct EndCandidate {
        /// The `.`, `?` or `!` itself.
        let match: Range<Int>
        /// `after_tok`: the punctuation, or the whitespace and next token, after the end character.
        let afterToken: Range<Int>
        /// Where `next_tok` starts, when the end character is followed by whitespace and a token.
        let nextTokenStart: Int?
    }

    /// `_match_potential_end_contexts`: each candidate with the text that decides it (the word
    /// before the end character, found by scanning back to ASCII whitespace, then the end
    /// character and `after_tok`). A candidate whose preceding word overlaps the previous
    /// candidate's supersedes it (`acting!!! I` yields only the last `!`).
    func endContexts(_ text: [UInt8]) -> [(candidate: EndCandidate, context: String)] {
        var found: [(candidate: EndCandidate, context: String)] = []
        var previousSlice = 0..<0
        var previous: EndCandidate?
        func context(_ candidate: EndCandidate, _ word: Range<Int>) -> String {
            PunktPython.string(text, word) + PunktPython.string(text, candidate.match)
                + PunktPython.string(text, candidate.afterToken)
        }
        for candidate in PunktLanguage.endCandidates(in: text) {
            let start = candidate.match.lowerBound
            // `_get_last_whitespace_index` returns 0 both for "none" and for index 0 (kept as is).
            let lastSpace = PunktLanguage.lastASCIISpaceIndex(text, previousSlice.upperBound..<start)
            let wordStart = lastSpace != 0 ? previousSlice.upperBound + lastSpace + 1 : previousSlice.lowerBound
            let wordSlice = wordStart..<max(wordStart, start)
            if let previous, previousSlice.upperBound <= wordSlice.lowerBound {
                found.append((previous, context(previous, previousSlice)))
            }
            previous = candidate
            previousSlice = wordSlice
        }
        if let previous { found.append((previous, context(previous, previousSlice))) }
        return found
    }

    // MARK: Step 2 — deciding breaks

    /// `_slices_from_text`: byte ranges of the sentences before realignment. A sentence ends after
    /// its end character; the next starts at `next_tok` (or right after the end character when
    /// punctuation follows it). The last one ends at the text without trailing whitespace.
    func sentenceSlices(_ text: [UInt8]) -> [Range<Int>] {
        var slices: [Range<Int>] = []
        var lastBreak = 0
        for (candidate, context) in endContexts(text) where containsSentenceBreak(context) {
            slices.append(lastBreak..<max(lastBreak, candidate.match.upperBound))
            lastBreak = candidate.nextTokenStart ?? candidate.match.upperBound
        }
        let end = PunktPython.rstrippedLength(text)
        slices.append(lastBreak..<max(lastBreak, end))
        return slices
    }

    /// `text_contains_sentbreak`: some token other than the last is annotated as a sentence break.
    func containsSentenceBreak(_ context: String) -> Bool {
        let tokens = annotated(PunktLanguage.wordTokens(context))
        return tokens.dropLast().contains { $0.sentenceBreak }
    }

    /// `_annotate_tokens`: the first pass on every token, then the second pass on each pair (the
    /// second pass reads the next token's first-pass annotation and changes only the first).
    func annotated(_ tokens: [PunktToken]) -> [PunktToken] {
        var tokens = tokens.map(annotatedByType)
        for index in tokens.indices.dropLast() {
            annotateByContext(&tokens[index], next: tokens[index + 1])
        }
        return tokens
    }

    /// `_first_pass_annotation`: `.`, `?`, `!` are breaks; runs of two or more periods are
    /// ellipses; a token ending in one period is an abbreviation when the type before that period
    /// (or its last hyphen-separated part: "anti-dr.") is a known abbreviation, else a break.
    func annotatedByType(_ token: PunktToken) -> PunktToken {
        var token = token
        let tok = token.tok
        if tok.count == 1, PunktLanguage.sentenceEndCharacters.contains(tok[0]) {
            token.sentenceBreak = true
        } else if token.isEllipsis {
            token.ellipsis = true
        } else if token.periodFinal, !(tok.count >= 2 && tok[tok.count - 2] == ".") {
            let stem = PunktPython.lower(tok.dropLast())
            let lastPart = Array(stem.split(separator: "-", omittingEmptySubsequences: false).last ?? [])
            if parameters.abbreviationTypes.contains(stem) || parameters.abbreviationTypes.contains(lastPart) {
                token.abbreviation = true
            } else {
                token.sentenceBreak = true
            }
        }
        return token
    }

    /// `_second_pass_annotation` for a period-final token followed by `next`.
    func annotateByContext(_ token: inout PunktToken, next: PunktToken) {
        guard token.periodFinal else { return }
        let type = token.typeNoPeriod
        let nextType = next.typeNoSentencePeriod
        let isInitial = token.isInitial

        // 4.1.2 Collocation heuristic: a known collocation across the period is no break.
        if parameters.collocations.contains(.init(first: type, second: nextType)) {
            token.sentenceBreak = false
            token.abbreviation = true
            return
        }

        // 4.2 An abbreviation or ellipsis may also end a sentence: orthographic evidence (4.1.1)
        // or a capitalised frequent sentence starter (4.1.3) after it.
        if token.abbreviation || token.ellipsis, !isInitial {
            if orthographicEvidence(next) == .startsSentence {
                token.sentenceBreak = true
                return
            }
            if next.firstUpper, parameters.sentenceStarters.contains(nextType) {
                token.sentenceBreak = true
                return
            }
        }

        // 4.3 Initials and ordinal numbers marked as breaks become abbreviations when the next
        // word is known not to start sentences, or (initials) is unknown but always capitalised.
        if isInitial || type == PunktToken.numberType {
            let evidence = orthographicEvidence(next)
            if evidence == .doesNotStartSentence {
                token.sentenceBreak = false
                token.abbreviation = true
                return
            }
            if evidence == .unknown, isInitial, next.firstUpper,
               parameters.orthography(of: nextType) & PunktParameters.Ortho.lowerCase == 0 {
                token.sentenceBreak = false
                token.abbreviation = true
            }
        }
    }

    enum OrthographicEvidence { case startsSentence, doesNotStartSentence, unknown }

    /// `_ortho_heuristic`: whether `token` starts a sentence, from the cases its type was seen with.
    func orthographicEvidence(_ token: PunktToken) -> OrthographicEvidence {
        // Sentences don't start with punctuation marks (`tok in ";:,.!?"`).
        if token.tok.count == 1, PunktLanguage.punctuation.contains(token.tok[0]) { return .doesNotStartSentence }
        let context = parameters.orthography(of: token.typeNoSentencePeriod)
        typealias Ortho = PunktParameters.Ortho
        // Capitalised, seen lower case, never capitalised mid-sentence: a sentence starter.
        if token.firstUpper, context & Ortho.lowerCase != 0, context & Ortho.midUC == 0 {
            return .startsSentence
        }
        // Lower case, and seen capitalised or never seen lower case at a sentence start: not one.
        if token.firstLower, context & Ortho.upperCase != 0 || context & Ortho.begLC == 0 {
            return .doesNotStartSentence
        }
        return .unknown
    }

    // MARK: Step 3 — realignment

    /// `_realign_boundaries`: when a sentence (after the first) starts with closing quotes or
    /// brackets followed by whitespace, `--` or the end, those characters end the previous sentence
    /// instead; empty sentences are dropped.
    func realignedBoundaries(_ text: [UInt8], slices: [Range<Int>]) -> [Range<Int>] {
        var result: [Range<Int>] = []
        var realign = 0
        for (index, slice) in slices.enumerated() {
            let start = slice.lowerBound + realign
            let sentence = start..<max(start, slice.upperBound)
            guard index + 1 < slices.count else {
                if !sentence.isEmpty { result.append(sentence) }
                break
            }
            let next = slices[index + 1]
            if let closing = PunktLanguage.boundaryRealignment(text, next) {
                result.append(sentence.lowerBound..<max(sentence.lowerBound, next.lowerBound + closing.kept))
                realign = closing.consumed
            } else {
                realign = 0
                if !sentence.isEmpty { result.append(sentence) }
            }
        }
        return result
    }
}

/// A Punkt word token with its annotations (NLTK `PunktToken`; the paragraph and line start
/// flags only matter for training and are not kept).
struct PunktToken {
    static let numberType = Array("##number##".unicodeScalars)

    /// The token text.
    let tok: [Unicode.Scalar]
    /// `type`: lower case, with numbers (`^-?[.,]?\d[\d,.-]*\.?$`) replaced by `##number##`.
    let type: [Unicode.Scalar]
    var sentenceBreak = false
    var abbreviation = false
    var ellipsis = false

    init(_ tok: [Unicode.Scalar]) {
        self.tok = tok
        let lower = PunktPython.lower(tok[...])
        type = PunktToken.isNumeric(lower) ? PunktToken.numberType : lower
    }

    var periodFinal: Bool { tok.last == "." }

    /// The type without its final period (if it has more than one code point).
    var typeNoPeriod: [Unicode.Scalar] { type.count > 1 && type.last == "." ? Array(type.dropLast()) : type }

    /// The type without its final period when that period is a sentence break.
    var typeNoSentencePeriod: [Unicode.Scalar] { sentenceBreak ? typeNoPeriod : type }

    /// `tok[0].isupper()` / `tok[0].islower()` (Unicode Uppercase / Lowercase properties).
    var firstUpper: Bool { tok.first?.properties.isUppercase ?? false }
    var firstLower: Bool { tok.first?.properties.isLowercase ?? false }

    /// `\.\.+$` from the start: two or more periods and nothing else.
    var isEllipsis: Bool { tok.count >= 2 && tok.allSatisfy { $0 == "." } }

    /// `[^\W\d]\.$` from the start: one letter-like character and a period.
    var isInitial: Bool {
        tok.count == 2 && tok[1] == "." && PunktPython.isRegexWord(tok[0]) && !PunktPython.isDecimal(tok[0])
    }

    /// `^-?[\.,]?\d[\d,\.-]*\.?$`: the greedy `[\d,.-]*` leaves the final `\.?` nothing to do.
    static func isNumeric(_ s: [Unicode.Scalar]) -> Bool {
        var index = 0
        if index < s.count, s[index] == "-" { index += 1 }
        if index < s.count, s[index] == "." || s[index] == "," { index += 1 }
        guard index < s.count, PunktPython.isDecimal(s[index]) else { return false }
        return s[(index + 1)...].allSatisfy { PunktPython.isDecimal($0) || $0 == "," || $0 == "." || $0 == "-" }
    }
}

/// NLTK's `PunktLanguageVars` (English defaults) and the regular expressions built from them.
enum PunktLanguage {
    static let sentenceEndCharacters: Set<Unicode.Scalar> = [".", "?", "!"]
    /// `PunktSentenceTokenizer.PUNCTUATION`.
    static let punctuation: Set<Unicode.Scalar> = [";", ":", ",", ".", "!", "?"]

    /// The `regex` engine's `\s` (White_Space) and `\S`.
    static let space = #"\p{White_Space}"#
    static let nonSpace = #"\P{White_Space}"#
    /// `_re_non_word_chars`: characters that cannot appear within words (`?` and `!` included).
    static let nonWordCharacter = #"[)";}\]*:@'({\[\x{2018}\x{2019}\x{201C}\x{201D}\x{AB}\x{BB}?!]"#
    /// `_re_multi_char_punct`: dash runs, period runs, spaced ellipses.
    static let multiCharacterPunctuation = #"(?:-{2,}|\.{2,}|(?:\.\#(space)){2,}\.)"#
    /// `_re_word_start`: characters that cannot start a word token.
    static let wordStart = #"[^(\"`{\[:;&#*@)}\]\-,]"#

    /// `_word_tokenize_fmt`: multi-character punctuation, or a word running lazily up to
    /// whitespace, the end, non-word punctuation, multi-character punctuation or a word-final
    /// comma, or any other single non-space character.
    static let wordTokenizer = compile(
        multiCharacterPunctuation + "|"
            + "(?=\(wordStart))\(nonSpace)+?"
            + "(?=\(space)|$|\(nonWordCharacter)|\(multiCharacterPunctuation)"
            + "|,(?=$|\(space)|\(nonWordCharacter)|\(multiCharacterPunctuation)))"
            + "|\(nonSpace)")

    /// `_period_context_fmt`: a sentence-end character followed (in a lookahead) by non-word
    /// punctuation, or by whitespace and the next token; groups `after_tok` (1) and `next_tok` (2).
    static let periodContext = compile(
        "[.?!](?=(\(nonWordCharacter)|\(space)+(\(nonSpace)+)))")

    /// `re_boundary_realignment` characters: closing quotes and brackets.
    static let closingCharacters: Set<Unicode.Scalar> = ["\"", "'", ")", "]", "}",
                                                         "\u{2018}", "\u{2019}", "\u{201C}", "\u{201D}", "\u{AB}", "\u{BB}"]

    /// The fixed patterns are linear in their input, so the match limit only guards the bytes
    /// of one very long token; it is set far above anything real text needs.
    static func compile(_ pattern: String) -> PCRE2Pattern {
        do {
            return try PCRE2Pattern(pattern, matchLimit: 200_000_000)
        } catch {
            fatalError("Punkt pattern does not compile: \(error)")
        }
    }

    /// Every period-context match in `text` (`period_context_re().finditer`).
    static func endCandidates(in text: [UInt8]) -> [PunktSentenceTokenizer.EndCandidate] {
        let matches = (try? text.withUnsafeBufferPointer { try periodContext.allMatches(in: $0) }) ?? []
        return matches.compactMap { groups in
            guard let match = groups[0], let after = groups[1] else { return nil }
            return .init(match: match, afterToken: after, nextTokenStart: groups[2]?.lowerBound)
        }
    }

    /// `_tokenize_words`: each line (split on "\n" only) that is not blank, cut into word tokens.
    static func wordTokens(_ text: String) -> [PunktToken] {
        var tokens: [PunktToken] = []
        let bytes = Array(text.utf8)
        for line in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            let lineBytes = Array(line)
            guard !PunktPython.isBlank(lineBytes) else { continue }
            let ranges = (try? lineBytes.withUnsafeBufferPointer { try wordTokenizer.matches(in: $0) }) ?? []
            for range in ranges {
                tokens.append(PunktToken(Array(PunktPython.string(lineBytes, range).unicodeScalars)))
            }
        }
        return tokens
    }

    /// `_get_last_whitespace_index` on `text[range]`: the offset (in `range`) of the last ASCII
    /// whitespace character (`string.whitespace`), or 0 when there is none.
    static func lastASCIISpaceIndex(_ text: [UInt8], _ range: Range<Int>) -> Int {
        for index in range.reversed() {
            switch text[index] {
            case 0x20, 0x09...0x0D: return index - range.lowerBound
            default: continue
            }
        }
        return 0
    }

    /// `re_boundary_realignment.match(text[sentence])`, i.e.
    /// `["')\]}‘’“”«»]+?(?:\s+|(?=--)|$)` at the sentence start: `kept` is the byte length of the
    /// closing characters (the match without trailing whitespace), `consumed` of the whole match.
    static func boundaryRealignment(_ text: [UInt8], _ sentence: Range<Int>) -> (kept: Int, consumed: Int)? {
        guard !sentence.isEmpty else { return nil }
        let scalars = Array(PunktPython.string(text, sentence).unicodeScalars)
        // The lazy `+?` can only stop where a non-closing character (or the end) follows.
        let closing = scalars.prefix { closingCharacters.contains($0) }.count
        guard closing > 0 else { return nil }
        let kept = scalars[..<closing].reduce(0) { $0 + UTF8.width($1) }
        guard closing < scalars.count else { return (kept, kept) }
        if scalars[closing].properties.isWhitespace {
            let spaces = scalars[closing...].prefix { $0.properties.isWhitespace }
            return (kept, kept + spaces.reduce(0) { $0 + UTF8.width($1) })
        }
        if closing + 1 < scalars.count, scalars[closing] == "-", scalars[closing + 1] == "-" { return (kept, kept) }
        return nil
    }
}

/// The CPython `str` behaviours Punkt and the Treebank word tokenizer rely on.
enum PunktPython {
    /// `str.isspace()`: Unicode White_Space plus the separators U+001C–U+001F.
    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isWhitespace || (0x1C...0x1F).contains(scalar.value)
    }

    /// `\d` (of `re` and `regex`): decimal digits, general category Nd.
    static func isDecimal(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.generalCategory == .decimalNumber
    }

    /// The `regex` engine's `\w`: Alphabetic, marks, Nd, connector punctuation, ZWNJ/ZWJ.
    static func isRegexWord(_ scalar: Unicode.Scalar) -> Bool {
        let properties = scalar.properties
        switch properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .connectorPunctuation: return true
        default: return properties.isAlphabetic || properties.isJoinControl
        }
    }

    /// `line.strip()` is empty.
    static func isBlank(_ bytes: [UInt8]) -> Bool {
        String(decoding: bytes, as: UTF8.self).unicodeScalars.allSatisfy(isSpace)
    }

    /// The UTF-8 length of `text.rstrip()`.
    static func rstrippedLength(_ text: [UInt8]) -> Int {
        let scalars = String(decoding: text, as: UTF8.self).unicodeScalars
        let trailing = scalars.reversed().prefix(while: isSpace).reduce(0) { $0 + UTF8.width($1) }
        return text.count - trailing
    }

    /// `text[range]` for a byte range on code point boundaries.
    static func string(_ text: [UInt8], _ range: Range<Int>) -> String {
        range.isEmpty ? "" : String(decoding: text[range], as: UTF8.self)
    }

    /// `str.lower()`: full lower-case mapping per code point, with the final-sigma rule for Σ.
    static func lower(_ s: ArraySlice<Unicode.Scalar>) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(s.count)
        for index in s.indices {
            let scalar = s[index]
            if scalar.isASCII {
                out.append(scalar.value >= 0x41 && scalar.value <= 0x5A ? Unicode.Scalar(scalar.value + 0x20)! : scalar)
            } else if scalar == "\u{3A3}" {
                out.append(isFinalSigma(s, at: index) ? "\u{3C2}" : "\u{3C3}")
            } else {
                out.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
            }
        }
        return out
    }

    /// CPython's `handle_capital_sigma`: a cased letter before (skipping case-ignorables) and
    /// none after.
    static func isFinalSigma(_ s: ArraySlice<Unicode.Scalar>, at index: Int) -> Bool {
        let before = s[..<index].reversed().first { !$0.properties.isCaseIgnorable }
        guard let before, before.properties.isCased else { return false }
        let after = s[(index + 1)...].first { !$0.properties.isCaseIgnorable }
        return after.map { !$0.properties.isCased } ?? true
    }
}
