import Collectives
import Kernels
import Testing

/// The fixed-order gradient sum: what ranks compute alone and combine pairwise must be the single
/// process's tree sum, bit for bit, for every power-of-two rank count.
@Suite struct GradientSumTreeTests {
    /// Leaf i's "gradient": values spread over many magnitudes so that summation order shows.
    static func leafValues(_ leaf: Int, count: Int) -> [Float] {
        var state = UInt64(leaf &* 7919 &+ 17)
        return (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let mantissa = Float(state >> 40) / Float(1 << 24) - 0.5
            return mantissa * Float(1 << Int((state >> 8) % 24))
        }
    }

    static func treeSum(leaves: Int, range: Range<Int>, count: Int) -> [Float] {
        let buffer = FloatBuffer(count: count)
        let accumulator = TreeAccumulator(buffers: [buffer])
        accumulator.sum(range) { leaf in
            for (i, value) in leafValues(leaf, count: count).enumerated() { buffer[i] += value }
        }
        return Array(buffer.buffer)
    }

    /// `ProcessGroup.sumPartials` in one process: at level l, ranks r and r ^ 2^l both take the sum.
    static func combine(_ partials: [[Float]]) -> [[Float]] {
        var partials = partials
        var level = 1
        while level < partials.count {
            let before = partials
            for rank in partials.indices {
                partials[rank] = zip(before[rank], before[rank ^ level]).map { $0 + $1 }
            }
            level <<= 1
        }
        return partials
    }

    @Test(arguments: [1, 2, 3, 5, 6, 7, 8, 13, 16])
    func ranksReproduceTheSingleProcessSum(leaves: Int) {
        let count = 257
        let single = Self.treeSum(leaves: leaves, range: 0..<leaves, count: count)
        for size in [2, 4, 8] {
            let tree = GradientSumTree(leaves: leaves)
            let shares = (0..<size).map { tree.share(rank: $0, of: size) }
            // consecutive, in rank order, covering every leaf once
            #expect(shares.flatMap { Array($0) } == Array(0..<leaves))
            let combined = Self.combine(shares.map { Self.treeSum(leaves: leaves, range: $0, count: count) })
            for rank in 0..<size {
                #expect(combined[rank].map(\.bitPattern) == single.map(\.bitPattern), "rank \(rank) of \(size), \(leaves) leaves")
            }
        }
    }

    @Test func orderMattersForThisData() {
        // the check above could not fail if these leaves summed to the same bits in any order
        let count = 257, leaves = 6
        let tree = Self.treeSum(leaves: leaves, range: 0..<leaves, count: count)
        var running = [Float](repeating: 0, count: count)
        for leaf in 0..<leaves { for (i, v) in Self.leafValues(leaf, count: count).enumerated() { running[i] += v } }
        #expect(running.map(\.bitPattern) != tree.map(\.bitPattern))
    }

    @Test func sharesFollowTheTreeTopDown() {
        let tree = GradientSumTree(leaves: 6)
        #expect((0..<2).map { tree.share(rank: $0, of: 2) } == [0..<3, 3..<6])
        #expect((0..<4).map { tree.share(rank: $0, of: 4) } == [0..<2, 2..<3, 3..<5, 5..<6])
        #expect(GradientSumTree(leaves: 1).share(rank: 1, of: 2).isEmpty)
    }

    @Test func stashGrowsWithTreeDepth() {
        #expect(TreeAccumulator.stashBytes(leaves: 1, gradientBytes: 100) == 0)
        #expect(TreeAccumulator.stashBytes(leaves: 2, gradientBytes: 100) == 100)
        #expect(TreeAccumulator.stashBytes(leaves: 5, gradientBytes: 100) == 300)
        let buffer = FloatBuffer(count: 4)
        let accumulator = TreeAccumulator(buffers: [buffer])
        accumulator.sum(0..<5) { leaf in buffer[0] = Float(leaf) }
        #expect(buffer[0] == 10)
        #expect(accumulator.stashBytes == 3 * 16)
    }

    @Test func singleProcessCollectivesAreTheIdentity() throws {
        let group = ProcessGroup.single
        #expect(try group.allGather([1.5, 2.5]) == [[1.5, 2.5]])
        #expect(try group.broadcast(Optional(7)) == 7)
        #expect(group.share(of: 5) == 0..<5)
        #expect(try group.map(3) { Double($0) * 2 } == [0, 2, 4])
    }
}

@Suite struct RunningSumTests {
    @Test func runningModeAddsLeavesInTurnWithoutStash() {
        let count = 257, leaves = 6
        let buffer = FloatBuffer(count: count)
        let accumulator = TreeAccumulator(buffers: [buffer], running: true)
        buffer[0] = 99   // zeroed before the first leaf
        accumulator.sum(0..<leaves) { leaf in
            for (i, value) in GradientSumTreeTests.leafValues(leaf, count: count).enumerated() { buffer[i] += value }
        }
        var expected = [Float](repeating: 0, count: count)
        for leaf in 0..<leaves { for (i, v) in GradientSumTreeTests.leafValues(leaf, count: count).enumerated() { expected[i] += v } }
        #expect(Array(buffer.buffer).map(\.bitPattern) == expected.map(\.bitPattern))
        #expect(accumulator.stashBytes == 0)
    }
}
