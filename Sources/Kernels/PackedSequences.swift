/// Several variable-length sequences laid end to end in one token stream, so that every per-token
/// operation runs over `tokenCount` rows with no padding, and attention is causal within each
/// sequence only.
public struct PackedSequences: Sendable, Equatable {
    /// Row index of each sequence's first token.
    public let starts: [Int]
    public let lengths: [Int]
    /// Each token's position within its own sequence (RoPE angle index).
    public let positions: [Int32]
    /// Each token's sequence index.
    public let sequenceOfToken: [Int32]

    public init(lengths: [Int]) {
        precondition(lengths.allSatisfy { $0 > 0 }, "every packed sequence needs at least one token: \(lengths)")
        self.lengths = lengths
        var starts: [Int] = []
        var positions: [Int32] = []
        var owners: [Int32] = []
        var start = 0
        for (index, length) in lengths.enumerated() {
            starts.append(start)
            positions += (0..<length).map(Int32.init)
            owners += [Int32](repeating: Int32(index), count: length)
            start += length
        }
        self.starts = starts
        self.positions = positions
        self.sequenceOfToken = owners
    }

    public var tokenCount: Int { positions.count }
    public var count: Int { lengths.count }
    public var longest: Int { lengths.max() ?? 0 }
}
