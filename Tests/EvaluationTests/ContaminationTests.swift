@testable import Contamination
import Evaluation
import Foundation
import JSON
import Testing
import TestSupport

/// `rlvr contamination`'s rule against an independent Python reference (scripts/contamination_reference.py
/// on rows from scripts/make_contamination_fixture.py --seed 5), and hand-made cases at its edges.
@Suite struct ContaminationTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path + "/Fixtures/contamination"

    /// 2,524 rows (real GSM8K, IFEval-like and preference rows, and pieces of eval documents at
    /// every share around the threshold, in every row format) against GSM8K, MATH-500 and IFEval:
    /// every pair and every document's best coverage as the reference computes them.
    @Test(arguments: ["ngram8", "exact"])
    func agreesWithTheReference(mode: String) throws {
        let sets = try EvalSet.load("gsm8k,math500,ifeval", data: BenchmarkData(root: Self.root + "/data/eval"))
        let rule: ContaminationRule = mode == "exact" ? .exact : .ngram(size: 8, threshold: 0.5)
        let result = try ContaminationCheck.run(sets: sets, trainFiles: [Self.fixtures + "/train.jsonl"], rule: rule, threads: 2)
        let reference = try #require(JSONValue.parse(try String(contentsOfFile: Self.fixtures + "/reference-\(mode).json", encoding: .utf8))?.object)
        let expectedPairs = try #require(reference["pairs"]?.array).map { entry -> String in
            let a = entry.array ?? []
            return "\(a[0].string ?? "")/\(a[1].int ?? -1) line \(a[2].int ?? -1): \(a[3].int ?? -1)/\(a[4].int ?? -1)"
        }
        let pairs = result.pairs.map { "\(sets[$0.set].name)/\($0.document) line \($0.line): \($0.coveredTokens)/\($0.documentTokens)" }
        #expect(pairs.count == expectedPairs.count)
        #expect(pairs == expectedPairs)
        #expect(pairs.count > 100, "the fixture must exercise the rule")
        let expectedBest = try #require(reference["best"]?.object).mapValues { "\($0.array?[0].int ?? -1)/\($0.array?[1].int ?? -1)" }
        let best = Dictionary(uniqueKeysWithValues: result.bestCoverage.map { ("\(sets[$0.key.set].name)/\($0.key.document)", "\($0.value.covered)/\($0.value.tokens)") })
        #expect(best == expectedBest)
    }

    /// The same findings whatever the number of threads (chunks are put back in file order).
    @Test func threadsDoNotChangeTheFindings() throws {
        let sets = try EvalSet.load("gsm8k,math500,ifeval", data: BenchmarkData(root: Self.root + "/data/eval"))
        let one = try ContaminationCheck.run(sets: sets, trainFiles: [Self.fixtures + "/train.jsonl"], rule: .ngram(size: 8, threshold: 0.5), threads: 1)
        let four = try ContaminationCheck.run(sets: sets, trainFiles: [Self.fixtures + "/train.jsonl"], rule: .ngram(size: 8, threshold: 0.5), threads: 4)
        #expect(one.pairs == four.pairs && one.rows == four.rows)
    }

    static func check(_ documents: [String], _ rows: [String], rule: ContaminationRule) throws -> ContaminationResult {
        let folder = try ScratchFolder.make("contamination")
        let path = folder + "/train.jsonl"
        try Data(rows.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: path))
        return try ContaminationCheck.run(sets: [EvalSet(name: "set", texts: documents)], trainFiles: [path], rule: rule, threads: 1)
    }

    static func user(_ text: String) -> String {
        JSONValue.object(["messages": .array([.object(["role": .string("user"), "content": .string(text)])])]).compactJSON
    }

    /// Ten words; a row sharing the first k in order covers k of them with bigrams (k ≥ 2).
    @Test func theThresholdIsStrict() throws {
        let document = "alpha beta gamma delta epsilon zeta eta theta iota kappa"
        let words = document.split(separator: " ")
        let rows = (2...10).map { Self.user("Intro: " + words.prefix($0).joined(separator: " ") + " and more.") }
        let result = try Self.check([document], rows, rule: .ngram(size: 2, threshold: 0.5))
        // Rows 1…9 share 2…10 words: more than half from 6 words (row 5) on.
        #expect(result.pairs.map(\.line) == [5, 6, 7, 8, 9])
        #expect(result.pairs.map(\.coveredTokens) == [6, 7, 8, 9, 10])
        #expect(result.bestCoverage.first?.value.covered == 10)
        // Threshold 1: only the row that covers every word.
        let whole = try Self.check([document], rows, rule: .ngram(size: 2, threshold: 1))
        #expect(whole.pairs.map(\.line) == [9])
        // 8-grams: 8 of 16 words is exactly half (not contaminated), 9 is more.
        let long = (1...16).map { "w\($0)" }
        let halves = try Self.check([long.joined(separator: " ")], [Self.user(long.prefix(8).joined(separator: " ")), Self.user(long.prefix(9).joined(separator: " "))],
                                    rule: .ngram(size: 8, threshold: 0.5))
        #expect(halves.pairs.map(\.line) == [2])
        #expect(halves.bestCoverage.first?.value.covered == 9)
    }

    /// Only user turns count, each on its own: not system or assistant turns, and no n-gram or
    /// phrase across two turns. Case and punctuation do not matter.
    @Test func onlyUserTurnsEachOnItsOwn() throws {
        let document = "How many apples does Tom have after he gives three to Ann?"
        func row(_ messages: [(String, String)]) -> String {
            JSONValue.object(["messages": .array(messages.map { .object(["role": .string($0.0), "content": .string($0.1)]) })]).compactJSON
        }
        let rows = [
            row([("system", document), ("user", "hi"), ("assistant", document)]),
            row([("user", "How many apples does Tom have after"), ("user", "he gives three to Ann?")]),
            row([("user", "QUESTION: how many apples, does tom have -- after he gives three to ann")]),
            JSONValue.object(["prompt": .string("x " + document)]).compactJSON,
            JSONValue.object(["chosen": .array([.object(["role": .string("user"), "content": .string(document)])]), "rejected": .array([])]).compactJSON,
        ]
        let exact = try Self.check([document], rows, rule: .exact)
        #expect(exact.pairs.map(\.line) == [3, 4, 5])
        // Row 2's turns hold 7 and 5 of the 12 words: no 8-gram lies inside one turn …
        let eight = try Self.check([document], rows, rule: .ngram(size: 8, threshold: 0.5))
        #expect(eight.pairs.map(\.line) == [3, 4, 5])
        // … but the row is one training instance: with trigrams its two turns together cover all 12.
        let three = try Self.check([document], rows, rule: .ngram(size: 3, threshold: 0.5))
        #expect(three.pairs.map(\.line) == [2, 3, 4, 5])
        #expect(three.pairs.map(\.coveredTokens) == [12, 12, 12, 12])
    }

    /// Documents shorter than the n-gram never count under the n-gram rule; the exact rule finds them.
    @Test func shortDocuments() throws {
        let rows = [Self.user("Please boil some water now.")]
        let ngram = try Self.check(["water", "boil some water", ""], rows, rule: .ngram(size: 8, threshold: 0.5))
        #expect(ngram.pairs.isEmpty && ngram.shortDocuments == [2] && ngram.emptyDocuments == [1] && ngram.scoredDocuments(set: 0) == 2)
        let exact = try Self.check(["water", "boil some water", "", "boil water"], rows, rule: .exact)
        #expect(exact.pairs.map(\.document) == [0, 1])
    }

    @Test func words() {
        #expect(WordTokens.tokens("Don't stop: 3.5 and 1,000,000 (U.S.A.) e.g. x,y end. Janet’s a_b") ==
                ["don't", "stop", "3.5", "and", "1,000,000", "u.s.a", "e.g", "x", "y", "end", "janet’s", "a_b"])
        #expect(WordTokens.tokens("ÉCOLE Ünïcödé — naïve 'quoted' 2,x ½ ") == ["école", "ünïcödé", "naïve", "quoted", "2", "x", "½"])
        #expect(WordTokens.tokens("$\\frac{1}{2}$ + x^2=4") == ["frac", "1", "2", "x", "2", "4"])
        #expect(WordTokens.tokens("") == [] && WordTokens.tokens(" .,;' ") == [])
    }

    /// A row the reader cannot use is an error naming the file and line; other fields are skipped.
    @Test func badRowsNameFileAndLine() throws {
        let good = Self.user("fine")
        for (line, problem) in [
            ("{\"messages\": [{\"role\": \"user\", \"content\": \"a\"},]}", "expected a value"),
            ("{\"text\": \"no prompt here\"}", "no prompt to compare"),
            ("{\"messages\": [{\"role\": \"user\", \"content\": [\"parts\"]}]}", "messages[0].content: expected a string"),
            ("{\"messages\": \"hello\"}", "must be a list"),
            ("{\"prompt\": \"a\"} trailing", "expected the end of the line"),
            ("{\"prompt\": \"unterminated}", "closing the string"),
        ] {
            do {
                _ = try Self.check(["anything"], [good, "", line], rule: .exact)
                Issue.record("accepted \(line)")
            } catch let error as ContaminationError {
                #expect(error.description.contains("train.jsonl:3: ") && error.description.contains(problem), "\(error)")
            }
        }
        // Unknown fields of any shape are skipped; numbers, literals and escapes are read.
        let skipped = "{\"id\": -1.5e3, \"meta\": {\"a\": [true, false, null, {}], \"b\": \"\\u00e9\\ud83d\\ude00\\n\"}, \"prompt\": \"caf\\u00e9 time\"}"
        let result = try Self.check(["café time"], [skipped], rule: .exact)
        #expect(result.pairs.count == 1)
    }

    /// The JSON cursor against Foundation's parser: every fixture row gives the same user turns, and
    /// every cut of a row (a truncated line) is refused exactly when JSONSerialization refuses it.
    @Test func cursorAgreesWithJSONSerialization() throws {
        let text = try String(contentsOfFile: Self.fixtures + "/train.jsonl", encoding: .utf8)
        var turns = UserTurns()
        var random = SplitMix64(state: 3)
        for line in text.split(separator: "\n").prefix(600) {
            let bytes = Array(line.utf8)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
            var expected: [String] = []
            for field in ["messages", "chosen", "rejected"] {
                for message in object[field] as? [[String: Any]] ?? [] where message["role"] as? String == "user" {
                    expected.append(message["content"] as? String ?? "")
                }
            }
            if let prompt = object["prompt"] as? String { expected.append(prompt) }
            for message in object["prompt"] as? [[String: Any]] ?? [] where message["role"] as? String == "user" {
                expected.append(message["content"] as? String ?? "")
            }
            try bytes.withUnsafeBytes { try turns.read(line: $0) }
            var got: [String] = []
            turns.forEachTurn { got.append(String(decoding: $0, as: UTF8.self)) }
            #expect(got == expected)
            // a cut line, and the line with one ASCII byte replaced by a JSON-significant one
            var changed = bytes
            let ascii = bytes.indices.filter { bytes[$0] < 0x80 }
            let replacements = Array("{}[],:\"\\0-e.tn \t".utf8)
            changed[ascii[Int(random.next() % UInt64(ascii.count))]] = replacements[Int(random.next() % UInt64(replacements.count))]
            for variant in [Array(bytes[..<Int(random.next() % UInt64(bytes.count))]), changed, bytes] {
                let foundation = (try? JSONSerialization.jsonObject(with: Data(variant))) != nil
                let ours: Bool = variant.withUnsafeBytes { buffer in
                    var cursor = JSONCursor(buffer)
                    do { try cursor.skipValue(); try cursor.finish(); return true } catch { return false }
                }
                #expect(ours == foundation, "\(String(decoding: variant, as: UTF8.self))")
            }
        }
    }

    /// --remove: the kept rows byte for byte, in order, across files.
    @Test func decontaminatedRowsAreCopiedExactly() throws {
        let folder = try ScratchFolder.make("contamination-remove")
        let rows = [Self.user("keep  me  \\u00e9"), Self.user("How many apples does Tom have"), "  ", Self.user("also kept")]
        try Data((rows.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: folder + "/a.jsonl"))
        try Data(Self.user("tom have apples does how many").utf8).write(to: URL(fileURLWithPath: folder + "/b.jsonl"))
        let result = try ContaminationCheck.run(sets: [EvalSet(name: "s", texts: ["how many apples does Tom have?"])],
                                                trainFiles: [folder + "/a.jsonl", folder + "/b.jsonl"], rule: .exact, threads: 1)
        let counts = try result.writeDecontaminated(to: folder + "/out.jsonl")
        #expect(counts.kept == 3 && counts.removed == 1)
        let written = try String(contentsOfFile: folder + "/out.jsonl", encoding: .utf8)
        #expect(written == [rows[0], rows[3], Self.user("tom have apples does how many")].joined(separator: "\n") + "\n")
    }
}
