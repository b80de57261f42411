import Foundation
import JSON

/// The 25 instruction checks of Google's IFEval (Zhou et al. 2023; `instructions.py`
/// `check_following`), each exactly as the reference computes it — including its quirks: keywords
/// are unescaped regexes matched as substrings, paragraph and bullet regexes as written, the
/// postscript marker found anywhere, Python `\w` word counts, NLTK Punkt sentence counts.
/// See verifiers.md §1.2 for the rules; each check below cites its line there.
public enum IFEvalInstructions {
    public static let ids: [String] = [
        "keywords:existence", "keywords:frequency", "keywords:forbidden_words", "keywords:letter_frequency",
        "language:response_language", "length_constraints:number_sentences", "length_constraints:number_paragraphs",
        "length_constraints:number_words", "length_constraints:nth_paragraph_first_word",
        "detectable_content:number_placeholders", "detectable_content:postscript",
        "detectable_format:number_bullet_lists", "detectable_format:constrained_response",
        "detectable_format:number_highlighted_sections", "detectable_format:multiple_sections",
        "detectable_format:json_format", "detectable_format:title", "combination:two_responses",
        "combination:repeat_prompt", "startend:end_checker", "startend:quotation",
        "change_case:capital_word_frequency", "change_case:english_capital", "change_case:english_lowercase",
        "punctuation:no_comma",
    ]

    /// A check that cannot run (unknown id, a missing or malformed argument).
    public struct Problem: Error, CustomStringConvertible {
        public let description: String
    }

    /// Instruction arguments, as given in the data row (falsy values dropped as lm-eval does).
    public struct Arguments {
        let values: [String: JSONValue]

        public init(_ values: [String: JSONValue]) {
            self.values = values.filter { entry in
                switch entry.value {
                case .null: return false
                case .string(let s): return !s.isEmpty
                case .number(let n): return n != 0
                case .array(let a): return !a.isEmpty
                case .bool(let b): return b
                case .object(let o): return !o.isEmpty
                }
            }
        }

        func string(_ key: String) throws -> String {
            guard let value = values[key]?.string else { throw Problem(description: "argument \(key) is missing or not a string") }
            return value
        }

        func int(_ key: String) throws -> Int {
            guard let value = values[key]?.int else { throw Problem(description: "argument \(key) is missing or not an integer") }
            return value
        }

        func strings(_ key: String) throws -> [String] {
            guard let list = values[key]?.array?.compactMap(\.string) else { throw Problem(description: "argument \(key) is missing or not a list of strings") }
            return list
        }

        /// "less than" → count < N, "at least" → count ≥ N (anything else: the reference raises).
        func compare(_ count: Int, _ relationKey: String, _ numberKey: String) throws -> Bool {
            let relation = try string(relationKey), n = try int(numberKey)
            switch relation {
            case "less than": return count < n
            case "at least": return count >= n
            default: throw Problem(description: "argument \(relationKey) must be \"less than\" or \"at least\", got \"\(relation)\"")
            }
        }
    }

    /// Whether `value` follows instruction `id`.
    public static func check(_ id: String, _ arguments: Arguments, _ value: String) throws -> Bool {
        let a = arguments
        switch id {
        case "keywords:existence":
            return try a.strings("keywords").allSatisfy { PythonRegex.search($0, value, caseless: true) }
        case "keywords:frequency":
            let keyword = PythonText.strip(try a.string("keyword"))
            return try a.compare(PythonRegex.findAll(keyword, value, caseless: true).count, "relation", "frequency")
        case "keywords:forbidden_words":
            return try !a.strings("forbidden_words").contains { PythonRegex.search("\\b" + $0 + "\\b", value, caseless: true) }
        case "keywords:letter_frequency":
            let letter = PythonText.lower(try a.string("letter"))
            guard letter.unicodeScalars.count == 1, let target = letter.unicodeScalars.first else {
                throw Problem(description: "argument letter must be one letter (the reference picks a random one otherwise)")
            }
            let count = PythonText.lower(value).unicodeScalars.filter { $0 == target }.count
            return try a.compare(count, "let_relation", "let_frequency")
        case "language:response_language":
            guard let detected = LanguageDetector.shared.detect(value) else { return true }
            return detected == (try a.string("language"))
        case "length_constraints:number_sentences":
            return try a.compare(PunktSentenceTokenizer.english.sentences(in: value).count, "relation", "num_sentences")
        case "length_constraints:number_paragraphs":
            let parts = PythonRegex.split(#"\s?\*\*\*\s?"#, value)
            var count = parts.count
            for (index, part) in parts.enumerated() where PythonText.strip(part).isEmpty {
                if index == 0 || index == parts.count - 1 { count -= 1 } else { return false }
            }
            return count == (try a.int("num_paragraphs"))
        case "length_constraints:number_words":
            return try a.compare(PythonRegex.findAll(#"\w+"#, value).count, "relation", "num_words")
        case "length_constraints:nth_paragraph_first_word":
            return try nthParagraphFirstWord(a, value)
        case "detectable_content:number_placeholders":
            return PythonRegex.findAll(#"\[.*?\]"#, value).count >= (try a.int("num_placeholders"))
        case "detectable_content:postscript":
            let marker = try a.string("postscript_marker")
            let pattern: String
            switch marker {
            case "P.P.S": pattern = #"\s*p\.\s?p\.\s?s.*$"#
            case "P.S.": pattern = #"\s*p\.\s?s\..*$"#
            default: pattern = #"\s*"# + PythonText.lower(marker) + ".*$"
            }
            return !PythonRegex.findAll(pattern, PythonText.lower(value), multiline: true).isEmpty
        case "detectable_format:number_bullet_lists":
            let stars = PythonRegex.findAll(#"^\s*\*[^\*].*$"#, value, multiline: true).count
            let dashes = PythonRegex.findAll(#"^\s*-.*$"#, value, multiline: true).count
            return stars + dashes == (try a.int("num_bullets"))
        case "detectable_format:constrained_response":
            let stripped = PythonText.strip(value)
            return ["My answer is yes.", "My answer is no.", "My answer is maybe."].contains { stripped.contains($0) }
        case "detectable_format:number_highlighted_sections":
            let single = PythonRegex.findAll(#"\*[^\n\*]*\*"#, value).filter {
                !PythonText.strip(PythonText.strip($0, characters: ["*"])).isEmpty
            }.count
            let double = PythonRegex.findAll(#"\*\*[^\n\*]*\*\*"#, value).filter {
                var inner = $0
                if inner.hasPrefix("**") { inner.removeFirst(2) }
                if inner.hasSuffix("**") { inner.removeLast(2) }
                return !PythonText.strip(inner).isEmpty
            }.count
            return single + double >= (try a.int("num_highlights"))
        case "detectable_format:multiple_sections":
            let splitter = try a.string("section_spliter")
            return PythonRegex.split(#"\s?"# + splitter + #"\s?\d+\s?"#, value).count - 1 >= (try a.int("num_sections"))
        case "detectable_format:json_format":
            return isJSON(value)
        case "detectable_format:title":
            return PythonRegex.findAll(#"<<[^\n]+>>"#, value).contains {
                !PythonText.strip(PythonText.rstrip(PythonText.lstrip($0, characters: ["<"]), characters: [">"])).isEmpty
            }
        case "combination:two_responses":
            let parts = PythonText.split(value, separator: "******")
            var kept: [String] = []
            for (index, part) in parts.enumerated() {
                if PythonText.strip(part).isEmpty {
                    if index != 0 && index != parts.count - 1 { return false }
                } else {
                    kept.append(part)
                }
            }
            return kept.count == 2 && PythonText.strip(kept[0]) != PythonText.strip(kept[1])
        case "combination:repeat_prompt":
            let prompt = PythonText.lower(PythonText.strip(try a.string("prompt_to_repeat")))
            return PythonText.lower(PythonText.strip(value)).hasPrefixScalars(prompt)
        case "startend:end_checker":
            let phrase = PythonText.lower(PythonText.strip(try a.string("end_phrase")))
            return PythonText.lower(PythonText.strip(PythonText.strip(value), characters: ["\""])).hasSuffixScalars(phrase)
        case "startend:quotation":
            let v = Array(PythonText.strip(value).unicodeScalars)
            return v.count > 1 && v.first == "\"" && v.last == "\""
        case "change_case:capital_word_frequency":
            let count = NLTKWordTokenizer.tokenize(value).filter(PythonText.isUpper).count
            return try a.compare(count, "capital_relation", "capital_frequency")
        case "change_case:english_capital":
            guard PythonText.isUpper(value) else { return false }
            return LanguageDetector.shared.detect(value).map { $0 == "en" } ?? true
        case "change_case:english_lowercase":
            guard PythonText.isLower(value) else { return false }
            return LanguageDetector.shared.detect(value).map { $0 == "en" } ?? true
        case "punctuation:no_comma":
            return !value.contains(",")
        default:
            throw Problem(description: "unknown instruction \"\(id)\"")
        }
    }

    /// Paragraphs split on "\n\n"; the nth (1-based, counted in the raw split) must start with the word.
    static func nthParagraphFirstWord(_ a: Arguments, _ value: String) throws -> Bool {
        let paragraphs = PythonRegex.split("\\n\\n", value)
        let count = paragraphs.filter { !PythonText.strip($0).isEmpty }.count
        let nth = try a.int("nth_paragraph")
        guard nth <= count, nth >= 1, nth <= paragraphs.count else { return false }
        let paragraph = PythonText.strip(paragraphs[nth - 1])
        guard let firstToken = PythonText.split(paragraph).first else { return false }
        var word = PythonText.lstrip(PythonText.lstrip(PythonText.strip(firstToken), characters: ["'"]), characters: ["\""])
        if let cut = word.unicodeScalars.firstIndex(where: { ".,?!'\"".unicodeScalars.contains($0) }) {
            word = String(word.unicodeScalars[..<cut])
        }
        let wantedCount = try a.int("num_paragraphs"), wantedWord = PythonText.lower(try a.string("first_word"))
        return count == wantedCount && PythonText.lower(word) == wantedWord
    }

    /// `json.loads` after stripping Markdown code fences as the reference does.
    static func isJSON(_ value: String) -> Bool {
        var v = PythonText.strip(value)
        for prefix in ["```json", "```Json", "```JSON", "```"] where v.hasPrefix(prefix) {
            v.removeFirst(prefix.count)
        }
        if v.hasSuffix("```") { v.removeLast(3) }
        return PythonJSON.isValid(PythonText.strip(v))
    }
}

extension String {
    /// Prefix test on code points (Python `startswith`; Swift's compares grapheme clusters).
    func hasPrefixScalars(_ prefix: String) -> Bool {
        let a = Array(unicodeScalars), b = Array(prefix.unicodeScalars)
        return b.count <= a.count && Array(a[0..<b.count]) == b
    }

    func hasSuffixScalars(_ suffix: String) -> Bool {
        let a = Array(unicodeScalars), b = Array(suffix.unicodeScalars)
        return b.count <= a.count && Array(a[(a.count - b.count)...]) == b
    }
}
