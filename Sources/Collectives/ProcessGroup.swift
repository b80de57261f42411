import CMessagePassing
import Foundation
import Kernels

/// The processes of a data-parallel job. A process started on its own is the one-rank group (no MPI
/// call is made); a process started by `mpirun` (or another MPI launcher) joins the job's world.
///
/// Every collective below is called by every rank in the same order; a single process runs the same
/// code with size 1, where each collective is the identity.
public final class ProcessGroup: @unchecked Sendable {
    public let rank: Int
    public let size: Int
    /// Ranks on this machine (they share its cores).
    public let localSize: Int
    /// Pair communicators of the gradient sum, level 0 first: at level l a rank pairs with rank ^ 2^l.
    private let levels: [rlvr_comm?]
    /// True when this process joined an MPI job (even of one rank): it must finalise or abort.
    public let usesMPI: Bool

    /// The group of this process: `.single` until `startFromLauncher()` joins an MPI job.
    public nonisolated(unsafe) static var current = ProcessGroup.single

    /// One process alone.
    public static let single = ProcessGroup(rank: 0, size: 1, localSize: 1, levels: [], usesMPI: false)

    private init(rank: Int, size: Int, localSize: Int, levels: [rlvr_comm?], usesMPI: Bool) {
        (self.rank, self.size, self.localSize, self.levels, self.usesMPI) = (rank, size, localSize, levels, usesMPI)
    }

    public var isRoot: Bool { rank == 0 }

    /// Cores this process may run on (its CPU affinity: `mpirun` binds each rank to cores) and
    /// cores the machine has online.
    public static var cores: (allowed: Int, online: Int) {
        (Int(rlvr_allowed_cpu_count()), Int(rlvr_online_cpu_count()))
    }

    /// Compute threads when none are asked for: the cores the launcher bound this rank to, or, when
    /// it is not bound, its part of the machine's cores (shared with the other ranks there).
    public var defaultThreads: Int {
        let (allowed, online) = Self.cores
        return allowed < online ? max(1, allowed) : max(1, online / localSize)
    }

    /// A warning when `threads` per rank would make the ranks on this machine run more threads than
    /// there are cores for them (each then waits for the others); nil when they fit.
    public func oversubscription(threads: Int) -> String? {
        let (allowed, online) = Self.cores
        if allowed < online, threads > allowed {
            return "warning: threads \(threads) on a rank bound to \(allowed) core\(allowed == 1 ? "" : "s"); leave threads unset, or launch with mpirun --bind-to none"
        }
        if allowed >= online, localSize > 1, threads * localSize > online {
            return "warning: \(localSize) ranks × threads \(threads) on \(online) cores; leave threads unset (or set \(max(1, online / localSize)))"
        }
        return nil
    }

    /// True when an MPI launcher started this process (Open MPI, MPICH/Hydra and PMIx set these).
    public static var launchedByMPI: Bool {
        let environment = ProcessInfo.processInfo.environment
        return ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"].contains { environment[$0] != nil }
    }

    /// Joins the MPI job when launched by one (and makes it `current`); otherwise the one-rank group.
    /// The number of ranks must be a power of two: the fixed-order gradient sum pairs them.
    @discardableResult
    public static func startFromLauncher() throws -> ProcessGroup {
        guard launchedByMPI else { return current }
        var rank: Int32 = 0, size: Int32 = 1, localSize: Int32 = 1
        try check(rlvr_mpi_init(&rank, &size, &localSize), "MPI_Init_thread", rank: 0, size: 0)
        guard size > 0 && size & (size - 1) == 0 else {
            if rank == 0 {
                FileHandle.standardError.write(Data("rlvr: error: \(size) ranks: rlvr runs on a power of two (1, 2, 4, 8, …) because its fixed-order gradient sum pairs ranks level by level\n".utf8))
            }
            _ = rlvr_mpi_barrier()   // the message is out before any rank aborts the job
            rlvr_mpi_abort(2)
            exit(2)
        }
        var levels: [rlvr_comm?] = []
        var level = 1
        while level < size {
            var comm: rlvr_comm?
            do {
                try check(rlvr_mpi_split(rank & ~Int32(level), rank, &comm), "MPI_Comm_split", rank: Int(rank), size: Int(size))
            } catch {
                FileHandle.standardError.write(Data("rlvr: rank \(rank) of \(size): error: \(error)\n".utf8))
                rlvr_mpi_abort(1)
                exit(1)
            }
            levels.append(comm)
            level <<= 1
        }
        current = ProcessGroup(rank: Int(rank), size: Int(size), localSize: Int(localSize), levels: levels, usesMPI: true)
        return current
    }

    /// MPI_Finalize (nothing for a single process).
    public func finish() {
        if usesMPI { _ = rlvr_mpi_finalize() }
    }

    /// Ends every process of the job with `code` (a single process simply exits).
    public func abort(code: Int32) -> Never {
        if usesMPI { rlvr_mpi_abort(code) }
        exit(code)
    }

    // MARK: Collectives

    /// Sums one partial gradient per rank in the fixed tree order of `tree` (rank r's partial is the
    /// sum of its share of the leaves, `GradientSumTree.share`): at level l, ranks r and r ^ 2^l hold
    /// the sums of two sibling subtrees and replace both with their sum by an MPI_Allreduce over the
    /// pair. A float sum of two operands does not depend on which rank adds, so every rank ends with
    /// the same bits, and those bits are the single process's tree sum. When the upper subtree has
    /// no leaves (fewer micro-batches than ranks) the lower one is sent instead of adding zeros,
    /// which would turn −0 into +0.
    public func sumPartials(_ buffers: [FloatBuffer], tree: GradientSumTree) throws {
        let depth = size.trailingZeroBitCount
        for (level, comm) in levels.enumerated() {
            let upper = tree.node(path: (rank >> level) | 1, depth: depth - level)
            for buffer in buffers where buffer.count > 0 {
                if upper.isEmpty {
                    try check(rlvr_mpi_broadcast_float(comm, buffer.pointer, buffer.count, 0), "MPI_Bcast (gradient sum, level \(level))")
                } else {
                    try check(rlvr_mpi_allreduce_sum_float(comm, buffer.pointer, buffer.count), "MPI_Allreduce (gradient sum, level \(level))")
                }
            }
        }
    }

    /// Every rank's bytes, in rank order.
    public func allGather(_ bytes: [UInt8]) throws -> [[UInt8]] {
        guard size > 1 else { return [bytes] }
        var counts = [Int64](repeating: 0, count: size)
        try check(rlvr_mpi_allgather_int64(Int64(bytes.count), &counts), "MPI_Allgather (sizes)")
        guard counts.reduce(0, +) < Int64(Int32.max) else { throw CollectiveError("gathering \(counts.reduce(0, +)) bytes: more than 2 GiB in one collective") }
        let sizes = counts.map { Int32($0) }
        var offsets: [Int32] = [], total: Int32 = 0
        for count in sizes { offsets.append(total); total += count }
        var received = [UInt8](repeating: 0, count: Int(total))
        try bytes.withUnsafeBytes { send in
            try received.withUnsafeMutableBytes { receive in
                try check(rlvr_mpi_allgatherv_bytes(send.baseAddress, Int32(bytes.count), receive.baseAddress, sizes, offsets), "MPI_Allgatherv")
            }
        }
        return (0..<size).map { Array(received[Int(offsets[$0])..<Int(offsets[$0] + sizes[$0])]) }
    }

    /// Every rank's value, in rank order (binary property lists: floats travel bit for bit).
    public func allGather<Value: Codable>(_ value: Value) throws -> [Value] {
        guard size > 1 else { return [value] }
        let encoder = PropertyListEncoder()
        encoder.outputFormat = .binary
        let gathered = try allGather([UInt8](encoder.encode([value])))
        return try gathered.map { try PropertyListDecoder().decode([Value].self, from: Data($0))[0] }
    }

    /// Rank `root`'s value on every rank.
    public func broadcast<Value: Codable>(_ value: Value?, from root: Int = 0) throws -> Value {
        if size == 1 {
            guard let value else { throw CollectiveError("broadcast from rank \(root): no value") }
            return value
        }
        var bytes: [UInt8] = []
        if rank == root {
            guard let value else { throw CollectiveError("broadcast from rank \(root): no value") }
            let encoder = PropertyListEncoder()
            encoder.outputFormat = .binary
            bytes = [UInt8](try encoder.encode([value]))
        }
        var count = Int64(bytes.count)
        try withUnsafeMutableBytes(of: &count) { try check(rlvr_mpi_broadcast_bytes($0.baseAddress, $0.count, Int32(root)), "MPI_Bcast (size)") }
        if rank != root { bytes = [UInt8](repeating: 0, count: Int(count)) }
        try bytes.withUnsafeMutableBytes { try check(rlvr_mpi_broadcast_bytes($0.baseAddress, $0.count, Int32(root)), "MPI_Bcast") }
        return try PropertyListDecoder().decode([Value].self, from: Data(bytes))[0]
    }

    /// A decision rank 0 makes (from the files it sees) and every rank follows, so ranks never
    /// take different branches on a file system that shows them different things.
    public func rootDecides<Value: Codable>(_ decide: () throws -> Value) throws -> Value {
        try broadcast(isRoot ? try decide() : nil, from: 0)
    }

    /// Waits for every rank.
    public func barrier() throws {
        if size > 1 { try check(rlvr_mpi_barrier(), "MPI_Barrier") }
    }

    /// The contiguous share of `count` items (prompts, held-out micro-batches) this rank handles.
    public func share(of count: Int) -> Range<Int> {
        (rank * count / size)..<((rank + 1) * count / size)
    }

    /// `body` over this rank's share of `0..<count`, every rank's results gathered in item order.
    public func map<Value: Codable>(_ count: Int, _ body: (Int) throws -> Value) throws -> [Value] {
        let mine = try share(of: count).map(body)
        return try allGather(mine).flatMap { $0 }
    }

    // MARK: Errors

    private func check(_ status: Int32, _ what: String) throws {
        try Self.check(status, what, rank: rank, size: size)
    }

    private static func check(_ status: Int32, _ what: String, rank: Int, size: Int) throws {
        guard status != 0 else { return }
        var text = [CChar](repeating: 0, count: 512)
        rlvr_mpi_error_string(status, &text, Int32(text.count))
        let message = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        throw CollectiveError("\(what) failed on rank \(rank) of \(size): \(message) (did another rank stop?)")
    }
}

/// A failed collective operation.
public struct CollectiveError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
