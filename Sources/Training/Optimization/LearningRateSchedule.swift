import Foundation

/// Learning rate as a function of the optimizer step, after Hugging Face's schedulers: linear
/// warm-up from 0 to the peak over `warmupSteps`, then constant, linear decay to 0, or half-cosine
/// decay to 0 at `totalSteps`.
public struct LearningRateSchedule: Equatable, Sendable {
    public enum Kind: String, Sendable { case constant, linear, cosine }

    public var kind: Kind
    public var peak: Double
    public var warmupSteps: Int
    public var totalSteps: Int

    public init(kind: Kind, peak: Double, warmupSteps: Int, totalSteps: Int) {
        self.kind = kind
        self.peak = peak
        self.warmupSteps = max(0, warmupSteps)
        self.totalSteps = max(1, totalSteps)
    }

    /// Warm-up steps as Hugging Face computes them from a ratio: ceil(ratio · total).
    public static func warmupSteps(ratio: Double, totalSteps: Int) -> Int {
        Int((ratio * Double(totalSteps)).rounded(.up))
    }

    /// The rate for 0-based `step` (the step about to be taken).
    public func rate(at step: Int) -> Double {
        if step < warmupSteps {
            return peak * Double(step) / Double(max(1, warmupSteps))
        }
        let progress = Double(step - warmupSteps) / Double(max(1, totalSteps - warmupSteps))
        switch kind {
        case .constant: return peak
        case .linear: return peak * max(0, 1 - progress)
        case .cosine: return peak * max(0, 0.5 * (1 + cos(Double.pi * min(1, progress))))
        }
    }
}
