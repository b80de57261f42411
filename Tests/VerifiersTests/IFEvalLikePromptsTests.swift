import Foundation
import JSON
import Testing
import Verifiers

/// The shipped IFEval-like RL prompts: every ground truth is one the IFEval checkers accept, all 25
/// instruction types are used, and `repeat_prompt`'s text is the prompt's own first sentence.
@Suite struct IFEvalLikePromptsTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    @Test(arguments: ["data/ifeval-like-rl-prompts.jsonl", "data/ifeval-like-held-out.jsonl"])
    func groundTruthsAreValid(file: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Self.root + "/" + file))
        var ids: Set<String> = []
        let rows = try JSONLines.objects(data, source: file)
        #expect(rows.count >= 200)
        for (line, row) in rows {
            let truth = try #require(row["ground_truth"]?.object, "\(file):\(line)")
            #expect(IFEvalVerifier().groundTruthProblem(.object(truth)) == nil, "\(file):\(line)")
            let list = truth["instruction_id_list"]?.array?.compactMap(\.string) ?? []
            ids.formUnion(list)
            let content = row["messages"]?.array?.first?.object?["content"]?.string ?? ""
            for (index, id) in list.enumerated() where id == "combination:repeat_prompt" {
                let repeated = truth["kwargs"]?.array?[index].object?["prompt_to_repeat"]?.string ?? "?"
                #expect(content.hasPrefix(repeated), "\(file):\(line)")
            }
        }
        if file.contains("rl-prompts") { #expect(ids == Set(IFEvalInstructions.ids), "missing: \(Set(IFEvalInstructions.ids).subtracting(ids).sorted())") }
    }
}
