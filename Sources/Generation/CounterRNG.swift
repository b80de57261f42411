import Foundation

/// Random numbers addressed by a key instead of drawn from a stream: the uniform for token
/// `position` of sample `sample` of prompt `prompt` under `seed` is a pure function of those four
/// numbers, so a sample never changes with the batch size, the batch order or the thread count.
/// (SplitMix64's finaliser, applied to the key words in turn.)
public enum CounterRNG {
    /// SplitMix64's finaliser: spreads every input bit over the output.
    @inline(__always)
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    public static func bits(seed: UInt64, prompt: Int, sample: Int, position: Int) -> UInt64 {
        var h = mix(seed)
        h = mix(h ^ UInt64(truncatingIfNeeded: prompt))
        h = mix(h ^ UInt64(truncatingIfNeeded: sample) &* 0x2545_F491_4F6C_DD1D)
        h = mix(h ^ UInt64(truncatingIfNeeded: position) &* 0x9E37_79B9_7F4A_7C15)
        return h
    }

    /// A draw from N(0, σ²) by Box–Muller from the uniforms at positions 2·index and 2·index + 1 of
    /// stream `stream` (the `prompt` slot, sample 0): weight initialisation keyed by parameter index.
    public static func normal(seed: UInt64, stream: Int, index: Int, standardDeviation: Double) -> Double {
        let u1 = uniform(seed: seed, prompt: stream, sample: 0, position: 2 * index)
        let u2 = uniform(seed: seed, prompt: stream, sample: 0, position: 2 * index + 1)
        return standardDeviation * (-2 * log(1 - u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// A uniform double in [0, 1) with 53 random bits.
    public static func uniform(seed: UInt64, prompt: Int, sample: Int, position: Int) -> Double {
        Double(bits(seed: seed, prompt: prompt, sample: sample, position: position) >> 11) * 0x1p-53
    }
}
