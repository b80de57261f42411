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

    /// `--shard I/N` deals documents round-robin: the parts are disjoint, cover the task, and each
    /// gets its share of the long WikiHow half of HellaSwag-like files.
    @Test func shardsPartitionTheDocuments() throws {
        let all = try PIQATask().items(Self.data, TaskOptions(format: .lmEval))
        let parts = try (1...3).map { try EvalShard(parsing: "\($0)/3").select(all).map(\.index) }
        #expect(parts[0].prefix(3) == [0, 3, 6] && parts[2].prefix(2) == [2, 5])
        #expect(parts.joined().sorted() == all.map(\.index))
        #expect(parts.map(\.count).max()! - parts.map(\.count).min()! <= 1)
        #expect(try EvalShard(parsing: "1/1").select(all).count == all.count)
        for bad in ["0/2", "3/2", "1/0", "2", "a/b", "1/2/3", "/2", "-1/2"] {
            #expect(throws: EvalError.self, "\(bad)") { try EvalShard(parsing: bad) }
        }
    }
}
