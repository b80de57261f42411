import Collectives
import Kernels

/// One optimizer step cut into micro-batches, the leaves of the step's gradient sum: `leaf(i)` runs
/// micro-batch i forward and backward into the (zeroed) gradient buffers and returns its additive
/// figures (loss sums, token counts…); `finish` turns every micro-batch's figures, in order, into
/// the step's result. The same plan runs on one process or spread over ranks.
struct StepPlan {
    var leaves: Int
    var leaf: (Int) throws -> [Double]
    var finish: ([[Double]]) -> StepResult
}

/// Runs a step's micro-batches over the process group: this rank's share of the leaves
/// (`GradientSumTree.share`) summed along the tree, the ranks' partial sums combined in the same
/// tree order, and every micro-batch's figures gathered in order. The gradients in `buffers` are
/// then the same bits on every rank and for every power-of-two rank count.
final class DataParallelStep {
    let group: ProcessGroup
    let accumulator: TreeAccumulator

    init(group: ProcessGroup, buffers: [FloatBuffer], running: Bool = false) {
        self.group = group
        accumulator = TreeAccumulator(buffers: buffers, running: running)
    }

    /// Runs the plan's leaves; returns the figures of all of them, in leaf order.
    func run(leaves: Int, leaf: (Int) throws -> [Double]) throws -> [[Double]] {
        let tree = GradientSumTree(leaves: leaves)
        var figures: [[Double]] = []
        try accumulator.sum(tree.share(rank: group.rank, of: group.size)) { figures.append(try leaf($0)) }
        try group.sumPartials(accumulator.buffers, tree: tree)
        return try group.allGather(figures).flatMap { $0 }
    }

    /// Runs a whole plan and finishes it.
    func run(_ plan: StepPlan) throws -> StepResult {
        plan.finish(try run(leaves: plan.leaves, leaf: plan.leaf))
    }

    /// Gradient bytes the local tree may stash for a step of `leaves` micro-batches.
    func stashBytes(leaves: Int) -> Int {
        let share = GradientSumTree(leaves: leaves).share(rank: group.rank, of: group.size)
        guard !accumulator.running else { return 0 }
        let gradientBytes = accumulator.buffers.reduce(0) { $0 + $1.count * MemoryLayout<Float>.stride }
        return TreeAccumulator.stashBytes(leaves: share.count, gradientBytes: gradientBytes)
    }
}
