import Testing

/// Central finite differences of a scalar loss, evaluated in Double from the Float forward pass:
///     ∂L/∂x_i ≈ (L(x + h·e_i) − L(x − h·e_i)) / 2h
/// compared with the analytic gradient: |fd − analytic| ≤ relative·max(|fd|, |analytic|) + absolute.
/// Float forward passes limit how tight this can be (rounding ~1e-7·|L|/h); the whole-model test
/// against the float64 reference is the tight check.
struct GradientCheck {
    var step: Float = 1e-2
    var relative: Double = 3e-3
    var absolute: Double = 2e-4

    /// Loss L = Σ weights ⊙ output, accumulated in Double.
    static func weightedSum(_ output: [Float], _ weights: [Float]) -> Double {
        zip(output, weights).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    }

    /// Checks `analytic` (dL/dx) against finite differences of `loss` at `x`, on every coordinate.
    func check(_ name: String, x: [Float], analytic: [Float], loss: ([Float]) -> Double) {
        #expect(x.count == analytic.count, "\(name): gradient size")
        var worst = 0.0, worstIndex = 0
        for i in 0..<x.count {
            var plus = x, minus = x
            plus[i] += step
            minus[i] -= step
            let fd = (loss(plus) - loss(minus)) / (2 * Double(step))
            let a = Double(analytic[i])
            let excess = abs(fd - a) - (relative * max(abs(fd), abs(a)) + absolute)
            if excess > worst { worst = excess; worstIndex = i }
        }
        #expect(worst <= 0, "\(name): gradient mismatch at \(worstIndex) by \(worst) beyond tolerance (analytic \(analytic[worstIndex]))")
    }
}

/// A deterministic pseudo-random Float sequence in [−scale, scale).
func randomFloats(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
    var state = seed
    return (0..<count).map { _ in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return (Float(state >> 40) / Float(1 << 24) * 2 - 1) * scale
    }
}
