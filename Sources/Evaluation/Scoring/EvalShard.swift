/// One of `count` parts of every task's documents, so an evaluation can be split across processes or
/// machines (`rlvr eval --shard 2/4`). Part `index` takes the documents at positions `index`,
/// `index + count`, `index + 2·count`, … of the task's list: dealt round-robin, each part gets its
/// share of a task whose documents lengthen along the file (HellaSwag's WikiHow half, MMLU's
/// subjects). A document's scores do not depend on which others it is scored with, so the parts'
/// `samples.jsonl` files concatenated in one folder hold exactly what an unsplit run would have
/// cached, and `rlvr eval` on that folder reports the whole task without scoring anything.
public struct EvalShard: Equatable, Sendable, CustomStringConvertible {
    /// 0-based part.
    public let index: Int
    public let count: Int

    public init(index: Int, count: Int) throws {
        guard count >= 1, (0..<count).contains(index) else {
            throw EvalError("a shard must be I/N with 1 ≤ I ≤ N, got \(index + 1)/\(count)")
        }
        self.index = index
        self.count = count
    }

    /// Parses `I/N` (I counted from 1, as users number parts).
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let part = Int(parts[0]), let count = Int(parts[1]) else {
            throw EvalError("--shard must be I/N (this part and the number of parts, e.g. 1/2), got \"\(text)\"")
        }
        try self.init(index: part - 1, count: count)
    }

    public var description: String { "\(index + 1)/\(count)" }

    /// This part's elements of `list`, in order.
    public func select<Element>(_ list: [Element]) -> [Element] {
        stride(from: index, to: list.count, by: count).map { list[$0] }
    }
}
