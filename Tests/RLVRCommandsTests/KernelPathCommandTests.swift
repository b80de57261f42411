import Foundation
import Kernels
import Testing

/// `RLVR_KERNELS` chooses the kernel path for a run; a path the CPU lacks, or an unknown name, is an
/// error naming the CPU and the paths it has, never a silent fallback.
@Suite struct KernelPathCommandTests {
    struct Outcome {
        var status: Int32
        var output: String
    }

    static func rlvr(_ arguments: [String], kernels: String) throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: DistributedRunTests.binary)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["RLVR_KERNELS"] = kernels
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
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
