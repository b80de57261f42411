import Kernels

/// The order in which the gradients of one optimizer step's micro-batches (the leaves) are summed:
/// a binary tree fixed by the number of leaves alone. Node `[lo, hi)` is the sum of its halves,
/// split at `lo + ⌈(hi − lo)/2⌉`, lower half first; a one-leaf node is that micro-batch's gradient.
///
/// With 2^k ranks, rank r owns the node reached from the root by the k bits of r, most significant
/// first (so ranks own consecutive leaves in rank order); the levels above those nodes are summed by
/// `ProcessGroup.sumPartials`. Float addition of two operands is commutative, so the result is bit
/// for bit the same for every rank count that divides the tree this way (1, 2, 4, …) — unlike a
/// running sum, whose rounding would depend on where the ranks' shares begin.
public struct GradientSumTree: Sendable {
    public let leaves: Int

    public init(leaves: Int) {
        precondition(leaves >= 0, "negative leaf count")
        self.leaves = leaves
    }

    /// The two halves of a node.
    public static func halves(_ node: Range<Int>) -> (lower: Range<Int>, upper: Range<Int>) {
        let middle = node.lowerBound + (node.count + 1) / 2
        return (node.lowerBound..<middle, middle..<node.upperBound)
    }

    /// The leaves rank `rank` of `size` (a power of two) sums locally; empty when there are fewer
    /// leaves than ranks.
    public func share(rank: Int, of size: Int) -> Range<Int> {
        precondition(size > 0 && size & (size - 1) == 0 && rank >= 0 && rank < size, "rank \(rank) of \(size)")
        return node(path: rank, depth: size.trailingZeroBitCount)
    }

    /// The node `depth` levels below the root reached by the `depth` low bits of `path`, most
    /// significant first (0: lower half, 1: upper half).
    public func node(path: Int, depth: Int) -> Range<Int> {
        var node = 0..<leaves
        for level in stride(from: depth - 1, through: 0, by: -1) {
            let (lower, upper) = Self.halves(node)
            node = path >> level & 1 == 0 ? lower : upper
        }
        return node
    }
}

/// Sums micro-batch gradients along `GradientSumTree` on one rank. `leaf(i)` computes micro-batch
/// i's gradient into `buffers` (zeroed before each leaf); partial sums of lower halves wait in
/// stash buffers, one set per tree depth, allocated on first use and kept for later steps.
///
/// `running: true` gives up the tree for memory: leaves accumulate in turn into `buffers` (the
/// backward passes add into them), no stash at all; the result then depends on where each rank's
/// share begins, so only runs with the same number of ranks agree bit for bit.
public final class TreeAccumulator {
    /// The gradient buffers the backward passes fill (the model's arena, heads, a value model).
    public let buffers: [FloatBuffer]
    public let running: Bool
    private var stashes: [[FloatBuffer]] = []

    public init(buffers: [FloatBuffer], running: Bool = false) {
        self.buffers = buffers
        self.running = running
    }

    /// Bytes held by stash buffers so far.
    public var stashBytes: Int { stashes.reduce(0) { $0 + $1.reduce(0) { $0 + $1.count * MemoryLayout<Float>.stride } } }

    /// Stash bytes a sum over `leaves` leaves needs: one gradient-sized set per level below the root.
    public static func stashBytes(leaves: Int, gradientBytes: Int) -> Int {
        var depth = 0, node = leaves
        while node > 1 { node = (node + 1) / 2; depth += 1 }
        return depth * gradientBytes
    }

    /// Leaves `node` summed in tree order into `buffers` (zero when the node is empty).
    public func sum(_ node: Range<Int>, leaf: (Int) throws -> Void) rethrows {
        if running {
            for buffer in buffers { buffer.zero() }
            for index in node { try leaf(index) }
        } else {
            try sum(node, depth: 0, leaf: leaf)
        }
    }

    private func sum(_ node: Range<Int>, depth: Int, leaf: (Int) throws -> Void) rethrows {
        if node.count <= 1 {
            for buffer in buffers { buffer.zero() }
            if let index = node.first { try leaf(index) }
            return
        }
        let (lower, upper) = GradientSumTree.halves(node)
        try sum(lower, depth: depth + 1, leaf: leaf)
        let stash = stash(depth)
        for (saved, buffer) in zip(stash, buffers) { saved.copy(from: buffer) }
        try sum(upper, depth: depth + 1, leaf: leaf)
        for (saved, buffer) in zip(stash, buffers) { Self.add(saved, into: buffer) }
    }

    private func stash(_ depth: Int) -> [FloatBuffer] {
        while stashes.count <= depth { stashes.append(buffers.map { FloatBuffer(count: $0.count) }) }
        return stashes[depth]
    }

    /// buffer[i] = stash[i] + buffer[i] (lower half + upper half).
    private static func add(_ lower: FloatBuffer, into upper: FloatBuffer) {
        let (a, b, n) = (lower.pointer, upper.pointer, upper.count)
        for i in 0..<n { b[i] = a[i] + b[i] }
    }
}
