import Diagnostics
import CKernels

/// The instruction-set path the batch-invariant kernels run on. Every path gives the same bits
/// (Sources/CKernels/include/ckernels.h); they differ only in speed.
///
/// Chosen once per process: `RLVR_KERNELS=avx512|avx2|neon|portable|auto` if set, else the fastest
/// path the CPU has. `select` switches it (tests compare paths this way).
public enum KernelPath: Int, CaseIterable, Sendable, CustomStringConvertible {
    /// Plain C for the baseline CPU (on x86 without FMA, fused multiply-adds computed in software).
    case portable = 0
    /// The same C compiled with the FMA instruction: what `RLVR_KERNELS=portable` runs on CPUs with FMA.
    case portableFMA = 1
    /// x86-64-v3: AVX2 + FMA.
    case avx2 = 2
    /// AVX-512F.
    case avx512 = 3
    /// aarch64 Advanced SIMD.
    case neon = 4

    /// The path as the C kernels name it (for the per-path entry points `rlvr_path_*`).
    public var cValue: rlvr_kernel_path { rlvr_kernel_path(rawValue: UInt32(rawValue)) }

    /// "avx512", "avx2", "neon", "portable", "portable-fma".
    public var description: String { String(cString: rlvr_kernels_path_name(cValue)) }

    /// Compiled into this binary and runnable on this CPU.
    public var isAvailable: Bool { rlvr_kernels_path_available(cValue) != 0 }

    /// Every path this process can run, portable first.
    public static var available: [KernelPath] { allCases.filter(\.isAvailable) }

    /// The path kernels run on now.
    public static var active: KernelPath { KernelPath(rawValue: Int(rlvr_kernels_active_path().rawValue)) ?? .portable }

    /// Makes `path` the active one.
    public static func select(_ path: KernelPath) throws {
        guard rlvr_kernels_select(path.cValue) == 0 else {
            throw KernelPathError("the \(path) kernel path is not available on this CPU (\(cpuModel); found: \(cpuFeatures))")
        }
    }

    /// Runs `body` with `path` active, then restores the previous path.
    public static func with<T>(_ path: KernelPath, _ body: () throws -> T) throws -> T {
        let previous = active
        try select(path)
        defer { try? select(previous) }
        return try body()
    }

    /// Reads `RLVR_KERNELS` and selects the path it names (or the fastest one); an unknown name or
    /// a path this CPU lacks is an error naming the CPU, its features and the paths it has.
    public static func configureFromEnvironment() throws {
        var message = [CChar](repeating: 0, count: 512)
        guard rlvr_kernels_configure_from_environment(&message, message.count) == 0 else {
            throw KernelPathError(String(cString: message))
        }
    }

    /// True when no SIMD path fits this CPU and the portable path was chosen automatically.
    public static var fellBackToPortable: Bool { rlvr_kernels_fell_back_to_portable() != 0 }

    /// The one-line notice for a run that fell back to the portable path, or nil.
    public static var fallbackNotice: String? { fallbackNotice(fellBack: fellBackToPortable) }

    public static func fallbackNotice(fellBack: Bool) -> String? {
        guard fellBack else { return nil }
        return "rlvr: notice: no SIMD kernel path fits this CPU (\(cpuModel); found: \(cpuFeatures)); running the portable kernels, which are several times slower"
    }

    /// The CPU's model name, as the kernels see it.
    public static var cpuModel: String { String(cString: rlvr_cpu_model_name()) }

    /// The SIMD features the paths look for, as found on this CPU.
    public static var cpuFeatures: String { String(cString: rlvr_cpu_features()) }

    /// "kernels avx2 on AMD EPYC 7R13 Processor (family 25, model 1)": for benchmark output and run logs.
    public static var summary: String { "kernels \(active) on \(cpuModel)" }
}

/// A kernel path that cannot be used here.
public struct KernelPathError: BadInput, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
