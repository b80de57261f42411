#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the time of a training step goes, by phase. Off by default (a disabled `measure` is one
/// branch); `rlvr bench` turns it on.
public enum Phase: Int, CaseIterable, Sendable {
    case embedding, norms, elementwise
    case projectionsForward, attentionForward, mlpForward, lmHeadForward
    case projectionsBackward, attentionBackward, mlpBackward, lmHeadBackward
    case optimizer
    case widenBase

    public var label: String {
        switch self {
        case .embedding: return "embedding (forward and backward)"
        case .norms: return "RMSNorm (forward, recompute, backward)"
        case .elementwise: return "RoPE and residual adds"
        case .projectionsForward: return "q/k/v/o projections, forward"
        case .attentionForward: return "attention, forward"
        case .mlpForward: return "MLP (gate, up, SwiGLU, down), forward"
        case .lmHeadForward: return "LM head and log-softmax, forward"
        case .projectionsBackward: return "q/k/v/o projections, backward"
        case .attentionBackward: return "attention, backward"
        case .mlpBackward: return "MLP, backward (with SwiGLU recompute)"
        case .lmHeadBackward: return "LM head, backward (with logits recompute)"
        case .optimizer: return "gradient clipping and AdamW"
        case .widenBase: return "bf16 base widened to fp32, layer by layer"
        }
    }
}

public enum Profiler {
    nonisolated(unsafe) public static var enabled = false
    nonisolated(unsafe) private static var seconds = [Double](repeating: 0, count: Phase.allCases.count)

    @inline(__always)
    public static func measure<T>(_ phase: Phase, _ body: () throws -> T) rethrows -> T {
        guard enabled else { return try body() }
        let start = now()
        defer { seconds[phase.rawValue] += now() - start }
        return try body()
    }

    public static func reset() {
        seconds = [Double](repeating: 0, count: Phase.allCases.count)
    }

    public static func totals() -> [(phase: Phase, seconds: Double)] {
        Phase.allCases.map { ($0, seconds[$0.rawValue]) }
    }

    /// Monotonic seconds.
    public static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }
}
