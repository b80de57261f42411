import Foundation
import Testing
import Evaluation

/// `--limit N` is per sub-task, as lm-eval's `--limit` and lighteval's `max_samples` (both apply it to
/// every task of a group): a limited MMLU or BBH still covers every subject, in file order.
@Suite struct EvalLimitTests {
    static let data = BenchmarkData(root: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path + "/data/eval")

    @Test func mmluKeepsEverySubject() throws {
        let all = try MMLUClozeTask().items(Self.data, TaskOptions(format: .lighteval))
        let limited = EvalRunner.firstDocuments(3, of: all)
        let subjects = Set(all.compactMap(\.group))
        #expect(subjects.count == 57)
        #expect(limited.count == 57 * 3)
        #expect(Set(limited.compactMap(\.group)) == subjects)
        #expect(limited.map(\.index) == limited.map(\.index).sorted())
        // The first three of each subject, not any three.
        for subject in subjects {
            #expect(limited.filter { $0.group == subject }.map(\.index) == Array(all.filter { $0.group == subject }.map(\.index).prefix(3)))
        }
    }

    @Test func bbhKeepsEveryTask() throws {
        let all = try BBHTask().items(Self.data, TaskOptions(format: .lmEval))
        let limited = EvalRunner.firstDocuments(2, of: all)
        #expect(limited.count == 27 * 2)
        #expect(Set(limited.compactMap(\.group)).count == 27)
    }

    @Test func ungroupedTasksTakeTheFirstDocuments() throws {
        let all = try PIQATask().items(Self.data, TaskOptions(format: .lmEval))
        #expect(EvalRunner.firstDocuments(5, of: all).map(\.index) == [0, 1, 2, 3, 4])
        #expect(EvalRunner.firstDocuments(all.count + 10, of: all).count == all.count)
    }
}
