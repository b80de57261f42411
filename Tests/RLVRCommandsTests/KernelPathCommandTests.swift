import Foundation
import Kernels
import Testing

/// `RLVR_KERNELS` chooses the kernel path for a run; a path the CPU lacks, or an unknown name, is an
/// error naming the CPU and the paths it has, never a silent fallback.
@Suite struct KernelPathCommandTests {
    static func rlvr(_ arguments: [String], kernels: String) throws -> BinaryRunner.Outcome {
        try BinaryRunner.run(arguments, environment: ["RLVR_KERNELS": kernels])
    }

    static let quickBench = ["bench", "kernels", "--rows", "1", "--seconds", "0.01", "--threads", "1"]

    @Test func aForcedPathRunsAndIsNamed() throws {
        for path in KernelPath.available where path != .portable {
            let name = path == .portableFMA ? "portable" : path.description
            let outcome = try Self.rlvr(Self.quickBench, kernels: name.uppercased())
            #expect(outcome.status == 0, "\(outcome.output)")
            #expect(outcome.output.contains("kernels \(path) on "), "\(outcome.output)")
        }
    }

    @Test func aPathThisCPULacksIsAnError() throws {
        #if arch(x86_64)
        let missing = "neon"
        #else
        let missing = "avx2"
        #endif
        let outcome = try Self.rlvr(Self.quickBench, kernels: missing)
        #expect(outcome.status == 2)
        #expect(outcome.output.contains("RLVR_KERNELS=\(missing): this CPU ("), "\(outcome.output)")
        #expect(outcome.output.contains("cannot run the \(missing) path; available here:"), "\(outcome.output)")
        #expect(!outcome.output.contains("invariant kernel"), "nothing may run on another path")
    }

    @Test func anUnknownPathIsAnError() throws {
        let outcome = try Self.rlvr(Self.quickBench, kernels: "sse9")
        #expect(outcome.status == 2)
        #expect(outcome.output.contains("RLVR_KERNELS=sse9: unknown kernel path (expected avx512, avx2, neon, portable or auto)"), "\(outcome.output)")
    }
}
