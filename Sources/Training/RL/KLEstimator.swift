import Foundation
import RunConfig

/// Per-token estimators of KL(π ‖ π_ref) from d = log π(y_t) − log π_ref(y_t) at the sampled token
/// (Schulman, "Approximating KL divergence", 2020; open-instruct's kl1/kl2/kl3):
///
///     k1 = d                  dk1/dlogπ = 1
///     k2 = d²/2               dk2/dlogπ = d
///     k3 = e^(−d) − 1 + d     dk3/dlogπ = 1 − e^(−d)
///
/// k1 is unbiased but can be negative; k3 is unbiased and never negative; k2 is biased, low variance.
public enum KLEstimator: String, Sendable, CaseIterable {
    case k1, k2, k3

    public func value(_ d: Double) -> Double {
        switch self {
        case .k1: d
        case .k2: d * d / 2
        case .k3: expm1(-d) + d
        }
    }

    /// d(estimate)/d(log π).
    public func derivative(_ d: Double) -> Double {
        switch self {
        case .k1: 1
        case .k2: d
        case .k3: -expm1(-d)
        }
    }
}

extension KLEstimator {
    /// The configuration's choice (`algorithm.kl_estimator`), mapped exhaustively.
    public init(_ choice: AlgorithmSection.Estimator) {
        switch choice {
        case .k1: self = .k1
        case .k2: self = .k2
        case .k3: self = .k3
        }
    }
}
