import Foundation
import JSON
import Testing
import Verifiers

private func ifevalRows(_ name: String) throws -> [[String: Any]] {
    let base = try #require(Bundle.module.resourceURL)
    let data = try Data(contentsOf: base.appendingPathComponent("Fixtures/ifeval").appendingPathComponent(name))
    return try data.split(separator: UInt8(ascii: "\n")).map { line in
        try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
    }
}

/// IFEval against the reference verdicts of Google's checkers (lm-eval 0.4.13, seeded langdetect,
/// NLTK Punkt) on the 541 GPT-4 responses published with IFEval.
@Suite(.serialized) struct IFEvalTests {
    @Test func gpt4ResponsesAgreeWithTheReferenceOnEveryStableInstruction() throws {
        let inputs = Dictionary(uniqueKeysWithValues: try ifevalRows("input_data.jsonl").map { ($0["key"] as? Int ?? -1, $0) })
        let responses = try ifevalRows("gpt4_responses.jsonl")
        let verdicts = try ifevalRows("gpt4_verdicts.jsonl")
        let strictVerifier = IFEvalVerifier(mode: .strict)
        var compared = 0, disagreements: [String] = []
        for (response, expected) in zip(responses, verdicts) {
            guard let key = expected["key"] as? Int, let input = inputs[key] else { continue }
            let truth = JSONValue(any: ["instruction_id_list": input["instruction_id_list"] ?? [], "kwargs": input["kwargs"] ?? []])
            guard case .object(let object) = truth else { continue }
            let verdict = strictVerifier.verify(response: response["response"] as? String ?? "", groundTruth: .object(object), prompt: input["prompt"] as? String)
            guard case .flags(let strict)? = verdict.details["strict"], case .flags(let loose)? = verdict.details["loose"] else {
                Issue.record("no details for \(key)")
                continue
            }
            let ids = expected["instruction_id_list"] as? [String] ?? []
            let wantStrict = expected["strict"] as? [Bool] ?? [], wantLoose = expected["loose"] as? [Bool] ?? []
            let unstable = expected["unstable"] as? [Bool] ?? []
            for i in ids.indices where !(unstable.indices.contains(i) && unstable[i]) {
                compared += 1
                if strict[i] != wantStrict[i] { disagreements.append("\(key) \(ids[i]) strict: \(strict[i]) vs \(wantStrict[i])") }
                if loose[i] != wantLoose[i] { disagreements.append("\(key) \(ids[i]) loose: \(loose[i]) vs \(wantLoose[i])") }
            }
        }
        #expect(compared > 800)
        #expect(disagreements.isEmpty, "\(disagreements.count) disagreements in \(compared) instructions: \(disagreements.prefix(8))")
    }

    @Test func scoreIsTheFractionFollowed() {
        let truth: [String: JSONValue] = [
            "instruction_id_list": .array([.string("punctuation:no_comma"), .string("change_case:english_lowercase"), .string("startend:end_checker")]),
            "kwargs": .array([.object([:]), .object([:]), .object(["end_phrase": .string("Is there anything else I can help with?")])]),
        ]
        let verdict = IFEvalVerifier().verify(response: "hello there, friend. is there anything else i can help with?",
                                              groundTruth: .object(truth), prompt: nil)
        // the comma fails; lowercase English passes; the end phrase matches case-insensitively
        #expect(abs(verdict.score - 2.0 / 3.0) < 1e-12)
        #expect(verdict.details["strict"] == .flags([false, true, true]))
    }

    @Test func looseModeRemovesFirstLastLinesAndStars() {
        let truth: [String: JSONValue] = ["instruction_id_list": .array([.string("startend:quotation")]), "kwargs": .array([.object([:])])]
        let response = "Sure, here it is:\n\"**quoted answer**\""
        #expect(IFEvalVerifier(mode: .strict).verify(response: response, groundTruth: .object(truth), prompt: nil).score == 0)
        #expect(IFEvalVerifier(mode: .loose).verify(response: response, groundTruth: .object(truth), prompt: nil).score == 1)
    }
}

@Suite struct IFEvalTuluTests {
    func verdict(_ response: String, _ truth: String) -> Verdict {
        IFEvalTuluVerifier().verify(response: response, groundTruth: .text(truth), prompt: nil)
    }

    /// rl_anchors.md §8.1: the golden cases, with the upstream bugs fixed.
    @Test func goldenCasesWithTheBugsFixed() {
        #expect(!verdict("no placeholders here", #"{"func_name":"validate_placeholders","N":2}"#).verified)    // Tulu 3: truthy tuple
        #expect(verdict("I believe the answer is B", #"{"func_name":"validate_choice","options":["A","B"]}"#).verified)   // Tulu 3: reversed test
        #expect(verdict("B", #"{"func_name":"validate_choice","options":["A","B"]}"#).verified)
        #expect(verdict("AAA BBB CCC DDD", #"{"func_name":"validate_frequency_capital_words","N":5,"quantifier":"around"}"#).verified)   // Tulu 3: exact
        #expect(verdict("hello world", #"{"func_name":"validate_lowercase","N":null}"#).verified)   // null kwargs dropped
    }

    @Test func theFunctions() {
        #expect(verdict("Apple and banana", #"{"func_name":"verify_keywords","keyword_list":["apple","BANANA"]}"#).verified)
        #expect(verdict("the cat and the hat", #"{"func_name":"verify_keyword_frequency","word":"the","N":2}"#).verified)
        #expect(!verdict("a bad word", #"{"func_name":"validate_forbidden_words","forbidden_words":["BAD"]}"#).verified)
        #expect(verdict("banana", #"{"func_name":"verify_letter_frequency","letter":"a","N":3}"#).verified)
        #expect(verdict("one two three", #"{"func_name":"validate_word_constraint","N":3,"quantifier":"at most"}"#).verified)
        #expect(verdict("First. Second! Third?", #"{"func_name":"verify_sentence_constraint","N":3,"quantifier":"at least"}"#).verified)
        #expect(verdict("A\n\nB", #"{"func_name":"validate_paragraphs","N":2,"first_word":"B","i":2}"#).verified)
        #expect(verdict("text\nP.S. more", #"{"func_name":"verify_postscript","postscript_marker":"P.S."}"#).verified)
        #expect(verdict("* a\n- b\nc", #"{"func_name":"verify_bullet_points","N":2}"#).verified)
        #expect(verdict("<<Title>> body", #"{"func_name":"validate_title"}"#).verified)
        #expect(verdict("*one* and *two*", #"{"func_name":"validate_highlighted_sections","N":2}"#).verified)
        #expect(verdict("SECTION 1 a SECTION 2 b", #"{"func_name":"validate_sections","N":2,"section_splitter":"SECTION"}"#).verified)
        #expect(verdict("{\"a\": 1}", #"{"func_name":"validate_json_format"}"#).verified)
        #expect(verdict("Repeat me. Then more.", #"{"func_name":"validate_repeat_prompt","original_prompt":"Repeat me."}"#).verified)
        #expect(verdict("one******two", #"{"func_name":"validate_two_responses"}"#).verified)
        #expect(verdict("LOUD", #"{"func_name":"validate_uppercase"}"#).verified)
        #expect(verdict("the end", #"{"func_name":"validate_end","end_phrase":"end"}"#).verified)
        #expect(verdict("\"quoted\"", #"{"func_name":"validate_quotation"}"#).verified)
        #expect(!verdict("a, b", #"{"func_name":"validate_no_commas"}"#).verified)
        #expect(verdict("one\n* * *\ntwo", #"{"func_name":"verify_paragraph_count","N":2}"#).verified)
        #expect(verdict("x", #"{"func_name":"verify_letter_frequency","letter":"ab","N":1}"#).reason.contains("one character"))
        #expect(verdict("x", #"{"func_name":"no_such_function"}"#).reason.contains("unknown func_name"))
    }
}
