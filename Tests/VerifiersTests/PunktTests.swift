import Foundation
import Testing
import Verifiers

/// The Punkt sentence tokenizer and `nltk.word_tokenize` ports against NLTK 3.10.4's own output on
/// the 541 IFEval GPT-4 responses and 60 designed texts (`Fixtures/ifeval/punkt_sentences.jsonl`,
/// `word_tokenize.jsonl`, written by `scripts/make_ifeval_fixtures.py`).
@Suite struct PunktTests {
    static func rows(_ file: String) throws -> [[String: Any]] {
        let folder = try #require(Bundle.module.resourceURL).appendingPathComponent("Fixtures/ifeval")
        let data = try Data(contentsOf: folder.appendingPathComponent(file))
        return try data.split(separator: UInt8(ascii: "\n")).map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
        }
    }

    /// A few mismatches, by fixture row name, with the first differing position.
    static func describe(_ mismatches: [(source: String, expected: [String], actual: [String])]) -> String {
        mismatches.prefix(5).map { mismatch in
            let index = zip(mismatch.expected, mismatch.actual).enumerated()
                .first { !$0.element.0.unicodeScalars.elementsEqual($0.element.1.unicodeScalars) }?.offset
                ?? min(mismatch.expected.count, mismatch.actual.count)
            let expected = index < mismatch.expected.count ? mismatch.expected[index].debugDescription : "(end)"
            let actual = index < mismatch.actual.count ? mismatch.actual[index].debugDescription : "(end)"
            return "\(mismatch.source): \(mismatch.expected.count) expected, \(mismatch.actual.count) found; "
                + "item \(index): expected \(expected), found \(actual)"
        }.joined(separator: "\n")
    }

    @Test func sentencesMatchNLTK() throws {
        let rows = try Self.rows("punkt_sentences.jsonl")
        #expect(rows.count == 601)
        var mismatches: [(source: String, expected: [String], actual: [String])] = []
        for row in rows {
            let source = try #require(row["source"] as? String)
            let text = try #require(row["text"] as? String)
            let expected = try #require(row["sentences"] as? [String])
            let actual = PunktSentenceTokenizer.english.sentences(in: text)
            if !Self.sameCodePoints(actual, expected) { mismatches.append((source, expected, actual)) }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) of \(rows.count) texts split differently:\n\(Self.describe(mismatches))")
    }

    @Test func wordTokensMatchNLTK() throws {
        let rows = try Self.rows("word_tokenize.jsonl")
        #expect(rows.count == 601)
        var mismatches: [(source: String, expected: [String], actual: [String])] = []
        for row in rows {
            let source = try #require(row["source"] as? String)
            let text = try #require(row["text"] as? String)
            let expected = try #require(row["tokens"] as? [String])
            let actual = NLTKWordTokenizer.tokenize(text)
            if !Self.sameCodePoints(actual, expected) { mismatches.append((source, expected, actual)) }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) of \(rows.count) texts tokenized differently:\n\(Self.describe(mismatches))")
    }

    @Test func knownSplits() {
        let punkt = PunktSentenceTokenizer.english
        #expect(punkt.sentences(in: "Dr. Smith went home. He slept.") == ["Dr. Smith went home.", "He slept."])
        #expect(punkt.sentences(in: "(Sent1.) Sent2.") == ["(Sent1.)", "Sent2."])
        #expect(punkt.sentences(in: "Very bad acting!!! I promise.") == ["Very bad acting!!!", "I promise."])
        #expect(punkt.sentences(in: "") == [])
        #expect(punkt.sentences(in: "  \n ") == [])
        #expect(NLTKWordTokenizer.tokenize("DON'T stop, U.S.A. TEST-CASE.") == ["DO", "N'T", "stop", ",", "U.S.A.", "TEST-CASE", "."])
        #expect(NLTKWordTokenizer.tokenize(sentence: "\"I cannot,\" she said.")
            == ["``", "I", "can", "not", ",", "''", "she", "said", "."])
    }

    /// Python compares strings by code point; Swift's `==` is canonical equivalence.
    static func sameCodePoints(_ a: [String], _ b: [String]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0.unicodeScalars.elementsEqual($1.unicodeScalars) }
    }
}
