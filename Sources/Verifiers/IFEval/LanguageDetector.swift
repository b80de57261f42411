import Foundation

/// A port of Python `langdetect` 1.0.9's `detect(text)` (itself a port of Cybozu's
/// language-detection), as IFEval uses it for `language:response_language`,
/// `change_case:english_capital` and `change_case:english_lowercase`.
///
/// Everything langdetect does is reproduced: URL and e-mail removal, Vietnamese composition, the
/// 10 000-character cut, the Latin-removal rule for mostly non-Latin text, `NGram.normalize`
/// (Latin, Arabic, kana, Bopomofo, Hangul and the 126 Kanji classes), the ALL-CAPS word rule, the
/// 1-3-gram extraction and the naive-Bayes sampling loop (7 trials, alpha 0.5 + N(0,1)·0.05,
/// up to 1000 n-grams drawn per trial, convergence at 0.99999, threshold 0.1). The "random"
/// draws come from a re-implementation of Python's `random.Random` (MT19937, `gauss`, `choice`)
/// seeded like langdetect with `DetectorFactory.seed`, so the detector is deterministic and
/// `detect(text, seed: s)` equals langdetect with `DetectorFactory.seed = s`. The default, seed
/// 0, is what the test fixtures use; IFEval itself runs langdetect unseeded, so only texts whose
/// answer does not depend on the seed have a reproducible reference answer.
///
/// Where it can differ from langdetect with the same seed:
/// * Float sums over the 55 languages run in sorted-name order; langdetect sums in `os.listdir`
///   order (file-system dependent). This moves the normalised probabilities by an ulp or so, which
///   could only matter when a trial sits exactly on the 0.99999 convergence threshold or two
///   languages tie (langdetect itself with the two orders: 0 differences in 24 459 runs).
/// * Python >= 3.12 sums floats with compensated summation; this port sums like Python 3.11
///   (plain left-to-right), the version the fixtures were made with.
/// * Upper-case tests use Swift's Unicode tables (`Unicode.Scalar.Properties.isUppercase`), Python
///   its own (Unicode 14 for 3.11); they differ only for characters added since.
/// * Ties in the final ranking go to the language first in sorted order (langdetect: first in
///   `os.listdir` order).
/// * `gauss` uses the platform's `log`, `sin` and `cos` (glibc on Linux, like CPython there); a
///   libm that rounds differently shifts alpha by an ulp, which again matters only at a threshold.
///
/// Checked against langdetect 1.0.9 on Python 3.11: every row and every seed 0-9 of
/// `Tests/VerifiersTests/Fixtures/ifeval/langdetect_cases.jsonl`, and (outside the test suite)
/// 18 553 further runs on GPT-4 responses, snippets, upper/lower-cased and mixed-language text,
/// URL/e-mail edge cases, decomposed Vietnamese and random text from 15 Unicode blocks: no
/// difference.
///
/// Profiles: `Resources/langdetect_profiles.json`, made by `scripts/make_langdetect_profiles.py`
/// from the langdetect 1.0.9 wheel (Apache-2.0, see `Resources/LANGDETECT-NOTICE.txt`).
public final class LanguageDetector: Sendable {
    /// The detector over the bundled profiles (loaded on first use).
    public static let shared: LanguageDetector = {
        do {
            return try LanguageDetector.bundled()
        } catch {
            fatalError("LanguageDetector: cannot load the bundled langdetect profiles: \(error)")
        }
    }()

    /// The 55 language codes, sorted ("af" … "zh-tw"), as langdetect names them.
    public let languages: [String]

    /// What langdetect's `detect` returns when no language reaches probability 0.1.
    public static let unknownLanguage = "unknown"

    public struct ProfileError: Error, CustomStringConvertible {
        public let description: String
    }

    // n-gram (packed code points, see `key`) -> row; row r's languages and probabilities are
    // entryLanguage/entryProbability[rowStart[r] ..< rowStart[r + 1]].
    private let rows: [UInt64: Int32]
    private let rowStart: [Int32]
    private let entryLanguage: [UInt8]
    private let entryProbability: [Double]
    // NGram.normalize / normalize_vi tables.
    private let latin1Excluded: Set<UInt32>
    private let cjkMap: [UInt32: UInt32]
    private let viLetters: [UInt32: Int]
    private let viMarks: [UInt32: Int]
    private let viComposed: [[UInt32]]

    /// Loads `langdetect_profiles.json` from the Verifiers resource bundle.
    public static func bundled() throws -> LanguageDetector {
        guard let url = Bundle.module.url(forResource: "langdetect_profiles", withExtension: "json", subdirectory: "Resources")
            ?? Bundle.module.url(forResource: "langdetect_profiles", withExtension: "json")
        else {
            throw ProfileError(description: "langdetect_profiles.json is missing from the Verifiers bundle")
        }
        return try LanguageDetector(profilesAt: url)
    }

    /// Loads profiles in the format written by `scripts/make_langdetect_profiles.py`.
    public convenience init(profilesAt url: URL) throws {
        try self.init(profileData: try Data(contentsOf: url))
    }

    private struct ProfileFile: Decodable {
        let format: String
        let languages: [String]
        let n_words: [[Int]]
        let ngrams: [[String]]
        let freq: [[[Int]]]
        let latin1_excluded: String
        let cjk_classes: [String]
        let vi_letters: String
        let vi_marks: String
        let vi_composed: [String]
    }

    public init(profileData: Data) throws {
        let file = try JSONDecoder().decode(ProfileFile.self, from: profileData)
        guard file.format == "langdetect-profiles/1" else {
            throw ProfileError(description: "unknown profile format \(file.format)")
        }
        let count = file.languages.count
        guard count > 1, count <= Int(UInt8.max), file.n_words.count == count, file.ngrams.count == count, file.freq.count == count else {
            throw ProfileError(description: "profile tables disagree on the number of languages")
        }
        // Gather (language, probability) per n-gram, languages in order.
        var rowOf: [UInt64: Int32] = [:]
        var perRow: [[(UInt8, Double)]] = []
        for language in 0..<count {
            let nWords = file.n_words[language]
            guard nWords.count == 3, file.ngrams[language].count == 3, file.freq[language].count == 3 else {
                throw ProfileError(description: "\(file.languages[language]): expected 1-, 2- and 3-gram tables")
            }
            for n in 1...3 {
                let scalars = file.ngrams[language][n - 1].unicodeScalars.map(\.value)
                let deltas = file.freq[language][n - 1]
                guard scalars.count == n * deltas.count else {
                    throw ProfileError(description: "\(file.languages[language]): \(n)-gram string does not match its counts")
                }
                guard deltas.isEmpty || nWords[n - 1] > 0 else {
                    throw ProfileError(description: "\(file.languages[language]): n_words[\(n - 1)] is zero")
                }
                var frequency = 0
                for i in 0..<deltas.count {
                    frequency = i == 0 ? deltas[0] : frequency - deltas[i]
                    guard frequency > 0 else {
                        throw ProfileError(description: "\(file.languages[language]): non-positive count")
                    }
                    let key = Self.key(scalars[(i * n)..<(i * n + n)])
                    // langdetect: 1.0 * freq / n_words[len - 1]
                    let probability = Double(frequency) / Double(nWords[n - 1])
                    if let row = rowOf[key] {
                        perRow[Int(row)].append((UInt8(language), probability))
                    } else {
                        rowOf[key] = Int32(perRow.count)
                        perRow.append([(UInt8(language), probability)])
                    }
                }
            }
        }
        var starts: [Int32] = [0]
        var languagesFlat: [UInt8] = []
        var probabilities: [Double] = []
        starts.reserveCapacity(perRow.count + 1)
        for entries in perRow {
            for (language, probability) in entries {
                languagesFlat.append(language)
                probabilities.append(probability)
            }
            starts.append(Int32(languagesFlat.count))
        }
        languages = file.languages
        rows = rowOf
        rowStart = starts
        entryLanguage = languagesFlat
        entryProbability = probabilities

        latin1Excluded = Set(file.latin1_excluded.unicodeScalars.map(\.value))
        var cjk: [UInt32: UInt32] = [:]
        for cls in file.cjk_classes {
            let members = cls.unicodeScalars.map(\.value)
            guard let representative = members.first else { continue }
            for member in members { cjk[member] = representative }
        }
        cjkMap = cjk
        let letters = file.vi_letters.unicodeScalars.map(\.value)
        let marks = file.vi_marks.unicodeScalars.map(\.value)
        let composed = file.vi_composed.map { $0.unicodeScalars.map(\.value) }
        guard composed.count == marks.count, composed.allSatisfy({ $0.count == letters.count }) else {
            throw ProfileError(description: "Vietnamese normalisation tables have inconsistent sizes")
        }
        var letterIndex: [UInt32: Int] = [:]
        for (i, letter) in letters.enumerated() where letterIndex[letter] == nil { letterIndex[letter] = i }
        var markIndex: [UInt32: Int] = [:]
        for (i, mark) in marks.enumerated() where markIndex[mark] == nil { markIndex[mark] = i }
        viLetters = letterIndex
        viMarks = markIndex
        viComposed = composed
    }

    // MARK: - Public API

    /// langdetect's `detect(text)` with `DetectorFactory.seed = 0`: an ISO code such as "en" or
    /// "zh-cn", "unknown" when no language reaches probability 0.1, and nil where langdetect raises
    /// `LangDetectException` (no usable n-gram: empty text, digits, punctuation, emoji, a bare URL),
    /// which IFEval counts as the instruction followed.
    public func detect(_ text: String) -> String? {
        detect(text, seed: 0)
    }

    /// langdetect's `detect(text)` with `DetectorFactory.seed = seed`.
    public func detect(_ text: String, seed: UInt32) -> String? {
        guard let ranked = probabilities(text, seed: seed) else { return nil }
        return ranked.first?.language ?? Self.unknownLanguage
    }

    /// langdetect's `detect_langs(text)` with `DetectorFactory.seed = seed`: the languages with
    /// probability above 0.1, most probable first; nil where langdetect raises.
    public func probabilities(_ text: String, seed: UInt32 = 0) -> [(language: String, probability: Double)]? {
        let ngrams = extractNGrams(cleanedText(text))
        if ngrams.isEmpty { return nil }
        let probability = sample(ngrams, seed: seed)
        var ranked: [(language: String, probability: Double)] = []
        for (i, p) in probability.enumerated() where p > 0.1 {
            ranked.append((languages[i], p))
        }
        // Python's list.sort(reverse=True) is stable: equal probabilities keep list order.
        let indexed = ranked.enumerated().sorted { a, b in
            a.element.probability != b.element.probability ? a.element.probability > b.element.probability : a.offset < b.offset
        }
        return indexed.map(\.element)
    }

    // MARK: - Text preparation (Detector.append, cleaning_text)

    private static let space: UInt32 = 0x20
    private static let maxTextLength = 10_000

    private func cleanedText(_ text: String) -> [UInt32] {
        var scalars = text.unicodeScalars.map(\.value)
        scalars = Self.replaceURLs(scalars)
        scalars = Self.replaceMails(scalars)
        scalars = normalizeVietnamese(scalars)
        // Detector.append: first 10 000 code points, runs of spaces collapsed.
        var kept: [UInt32] = []
        kept.reserveCapacity(min(scalars.count, Self.maxTextLength))
        var previous: UInt32 = 0
        for ch in scalars.prefix(Self.maxTextLength) {
            if ch != Self.space || previous != Self.space { kept.append(ch) }
            previous = ch
        }
        // Detector.cleaning_text: drop 'A'...'z' when non-Latin letters dominate.
        var latin = 0
        var nonLatin = 0
        for ch in kept {
            if ch >= 0x41 && ch <= 0x7A {
                latin += 1
            } else if ch >= 0x300 && !(0x1E00...0x1EFF).contains(ch) {
                nonLatin += 1
            }
        }
        if latin * 2 < nonLatin {
            kept.removeAll { $0 >= 0x41 && $0 <= 0x7A }
        }
        return kept
    }

    private static func isURLChar(_ c: UInt32) -> Bool {
        // [-_.?&~;+=/#0-9A-Za-z]
        switch c {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return true
        case 0x2D, 0x5F, 0x2E, 0x3F, 0x26, 0x7E, 0x3B, 0x2B, 0x3D, 0x2F, 0x23: return true
        default: return false
        }
    }

    private static func isDomainChar(_ c: UInt32) -> Bool {
        // [-_0-9A-Za-z]
        switch c {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x2D, 0x5F: return true
        default: return false
        }
    }

    private static func isLocalChar(_ c: UInt32) -> Bool {
        // [-_.0-9A-Za-z]
        c == 0x2E || isDomainChar(c)
    }

    /// `re.sub(r'https?://[-_.?&~;+=/#0-9A-Za-z]{1,2076}', ' ', text)`
    static func replaceURLs(_ s: [UInt32]) -> [UInt32] {
        let http: [UInt32] = Array("http".unicodeScalars.map(\.value))
        var out: [UInt32] = []
        out.reserveCapacity(s.count)
        var i = 0
        while i < s.count {
            if s[i] == 0x68, i + 4 <= s.count, Array(s[i..<(i + 4)]) == http {
                var j = i + 4
                if j < s.count && s[j] == 0x73 { j += 1 }  // "s"
                if j + 3 <= s.count && s[j] == 0x3A && s[j + 1] == 0x2F && s[j + 2] == 0x2F {
                    var k = j + 3
                    while k < s.count && k - (j + 3) < 2076 && isURLChar(s[k]) { k += 1 }
                    if k > j + 3 {
                        out.append(space)
                        i = k
                        continue
                    }
                }
            }
            out.append(s[i])
            i += 1
        }
        return out
    }

    /// `re.sub(r'[-_.0-9A-Za-z]{1,64}@[-_0-9A-Za-z]{1,255}[-_.0-9A-Za-z]{1,255}', ' ', text)`
    static func replaceMails(_ s: [UInt32]) -> [UInt32] {
        var out: [UInt32] = []
        out.reserveCapacity(s.count)
        var i = 0
        while i < s.count {
            if let end = mailMatch(s, at: i) {
                out.append(space)
                i = end
            } else {
                out.append(s[i])
                i += 1
            }
        }
        return out
    }

    /// End of the regex match starting exactly at `p`, with Python's greedy backtracking.
    private static func mailMatch(_ s: [UInt32], at p: Int) -> Int? {
        // Local part: the whole run of local characters must be 1...64 long and end at '@'
        // (a longer run cannot back off onto an '@').
        var k = p
        while k < s.count && k - p <= 64 && isLocalChar(s[k]) { k += 1 }
        let local = k - p
        guard local >= 1, local <= 64, k < s.count, s[k] == 0x40 else { return nil }
        let start = k + 1
        // [-_0-9A-Za-z]{1,255} greedy, then [-_.0-9A-Za-z]{1,255} greedy, backing off the first.
        var a = 0
        while start + a < s.count && a < 255 && isDomainChar(s[start + a]) { a += 1 }
        guard a >= 1 else { return nil }
        var b = 0
        while start + a + b < s.count && b < 255 && isLocalChar(s[start + a + b]) { b += 1 }
        if b >= 1 { return start + a + b }
        // The next character after the first run takes no second-class character: give one back.
        guard a >= 2 else { return nil }
        return start + a
    }

    /// `NGram.normalize_vi`: letter + combining mark -> precomposed letter.
    private func normalizeVietnamese(_ s: [UInt32]) -> [UInt32] {
        var out: [UInt32] = []
        out.reserveCapacity(s.count)
        var i = 0
        while i < s.count {
            if i + 1 < s.count, let letter = viLetters[s[i]], let mark = viMarks[s[i + 1]] {
                out.append(viComposed[mark][letter])
                i += 2
            } else {
                out.append(s[i])
                i += 1
            }
        }
        return out
    }

    // MARK: - N-grams (NGram.add_char, NGram.normalize, Detector._extract_ngrams)

    /// `NGram.normalize(ch)`.
    private func normalize(_ ch: UInt32) -> UInt32 {
        switch ch {
        case 0x00...0x7F:  // Basic Latin
            return (0x41...0x5A).contains(ch) || (0x61...0x7A).contains(ch) ? ch : Self.space
        case 0x80...0xFF:  // Latin-1 Supplement
            return latin1Excluded.contains(ch) ? Self.space : ch
        case 0x180...0x24F:  // Latin Extended-B: Romanian comma-below -> cedilla
            if ch == 0x219 { return 0x15F }
            if ch == 0x21B { return 0x163 }
            return ch
        case 0x2000...0x206F:  // General Punctuation
            return Self.space
        case 0x600...0x6FF:  // Arabic: Farsi yeh -> Arabic yeh
            return ch == 0x6CC ? 0x64A : ch
        case 0x1E00...0x1EFF:  // Latin Extended Additional
            return ch >= 0x1EA0 ? 0x1EC3 : ch
        case 0x3040...0x309F: return 0x3042  // Hiragana
        case 0x30A0...0x30FF: return 0x30A2  // Katakana
        case 0x3100...0x312F, 0x31A0...0x31BF: return 0x3105  // Bopomofo (+ Extended)
        case 0x4E00...0x9FFF: return cjkMap[ch] ?? ch  // CJK Unified Ideographs
        case 0xAC00...0xD7AF: return 0xAC00  // Hangul Syllables
        default: return ch
        }
    }

    /// Python's `str.isupper()` on one code point (the Unicode Uppercase property).
    private static func isUpper(_ ch: UInt32) -> Bool {
        guard let scalar = Unicode.Scalar(ch) else { return false }
        return scalar.properties.isUppercase
    }

    /// Packs 1-3 code points (each < 0x110000) into one key; the +1 keeps lengths apart.
    private static func key<C: Collection>(_ gram: C) -> UInt64 where C.Element == UInt32 {
        var k: UInt64 = 0
        for ch in gram { k = (k << 21) | UInt64(ch + 1) }
        return k
    }

    /// Rows of the n-grams langdetect would collect, in its order.
    private func extractNGrams(_ text: [UInt32]) -> [Int32] {
        var result: [Int32] = []
        var grams: [UInt32] = [Self.space]
        var capitalWord = false
        for raw in text {
            // NGram.add_char
            let ch = normalize(raw)
            let last = grams[grams.count - 1]
            if last == Self.space {
                grams = [Self.space]
                capitalWord = false
                if ch == Self.space { continue }
            } else if grams.count >= 3 {
                grams.removeFirst()
            }
            grams.append(ch)
            if Self.isUpper(ch) {
                if Self.isUpper(last) { capitalWord = true }
            } else {
                capitalWord = false
            }
            // Detector._extract_ngrams
            if capitalWord { continue }
            for n in 1...3 {
                if grams.count < n { break }
                let gram = grams[(grams.count - n)...]
                if n == 1 && gram.first == Self.space { continue }
                if let row = rows[Self.key(gram)] { result.append(row) }
            }
        }
        return result
    }

    // MARK: - Sampling (Detector._detect_block)

    private func sample(_ ngrams: [Int32], seed: UInt32) -> [Double] {
        let count = languages.count
        var random = PythonRandom(seed: UInt64(seed))
        var langProbability = [Double](repeating: 0, count: count)
        var factor = [Double](repeating: 0, count: count)
        for _ in 0..<7 {
            var probability = [Double](repeating: 1.0 / Double(count), count: count)
            let alpha = 0.5 + random.gauss() * 0.05
            let weight = alpha / 10000
            var i = 0
            while true {
                // _update_lang_prob: prob[j] *= weight + p[j]
                let row = Int(ngrams[random.below(ngrams.count)])
                for j in 0..<count { factor[j] = weight }
                for e in Int(rowStart[row])..<Int(rowStart[row + 1]) {
                    factor[Int(entryLanguage[e])] = weight + entryProbability[e]
                }
                for j in 0..<count { probability[j] *= factor[j] }
                if i % 5 == 0 {
                    // _normalize_prob (Python 3.11 sum: plain left-to-right)
                    var sum = 0.0
                    for p in probability { sum += p }
                    var maxP = 0.0
                    for j in 0..<count {
                        let p = probability[j] / sum
                        if maxP < p { maxP = p }
                        probability[j] = p
                    }
                    if maxP > 0.99999 || i >= 1000 { break }
                }
                i += 1
            }
            for j in 0..<count { langProbability[j] += probability[j] / 7 }
        }
        return langProbability
    }
}
