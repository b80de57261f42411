import Foundation

/// CPython's `random.Random` (Mersenne Twister MT19937), as far as the reference implementations
/// use it: langdetect's `seed(int)`, `random`, `gauss` and `choice` (IFEval's language checks), and
/// the evaluation harnesses' `shuffle` and `sample` (few-shot examples). Reproducing it exactly is
/// what makes our verdicts and few-shot prompts theirs.
///
/// MT19937: Matsumoto & Nishimura 1998 (`init_genrand`, `init_by_array`, `genrand_uint32`);
/// seeding, `getrandbits`, `random`, `gauss`, `_randbelow`, `shuffle` and `sample` follow CPython
/// 3.11's `Modules/_randommodule.c` and `Lib/random.py`.
public struct PythonRandom {
    private var state = [UInt32](repeating: 0, count: 624)
    private var index = 625
    private var gaussNext: Double?

    /// `random.Random(seed)` for a non-negative integer seed.
    public init(seed: UInt64) {
        // An int seed becomes the array of its 32-bit words, least significant first (at least one).
        var key: [UInt32] = [UInt32(truncatingIfNeeded: seed)]
        if seed >> 32 != 0 { key.append(UInt32(truncatingIfNeeded: seed >> 32)) }
        initByArray(key)
    }

    private mutating func initGenrand(_ s: UInt32) {
        state[0] = s
        for i in 1..<624 {
            state[i] = 1_812_433_253 &* (state[i - 1] ^ (state[i - 1] >> 30)) &+ UInt32(i)
        }
        index = 624
    }

    private mutating func initByArray(_ key: [UInt32]) {
        initGenrand(19_650_218)
        var i = 1, j = 0
        for _ in 0..<max(624, key.count) {
            state[i] = (state[i] ^ ((state[i - 1] ^ (state[i - 1] >> 30)) &* 1_664_525)) &+ key[j] &+ UInt32(j)
            i += 1; j += 1
            if i >= 624 { state[0] = state[623]; i = 1 }
            if j >= key.count { j = 0 }
        }
        for _ in 0..<623 {
            state[i] = (state[i] ^ ((state[i - 1] ^ (state[i - 1] >> 30)) &* 1_566_083_941)) &- UInt32(i)
            i += 1
            if i >= 624 { state[0] = state[623]; i = 1 }
        }
        state[0] = 0x8000_0000
    }

    /// The next 32 random bits.
    public mutating func nextUInt32() -> UInt32 {
        if index >= 624 {
            for k in 0..<624 {
                let y = (state[k] & 0x8000_0000) | (state[(k + 1) % 624] & 0x7fff_ffff)
                state[k] = state[(k + 397) % 624] ^ (y >> 1) ^ (y & 1 == 0 ? 0 : 0x9908_b0df)
            }
            index = 0
        }
        var y = state[index]
        index += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9d2c_5680
        y ^= (y << 15) & 0xefc6_0000
        y ^= y >> 18
        return y
    }

    /// `random.random()`: 53 random bits in [0, 1).
    public mutating func random() -> Double {
        let a = Double(nextUInt32() >> 5)
        let b = Double(nextUInt32() >> 6)
        return (a * 67_108_864.0 + b) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// `random.gauss(0.0, 1.0)` (Box-Muller with the cached second value).
    public mutating func gauss() -> Double {
        if let z = gaussNext {
            gaussNext = nil
            return z
        }
        let x2pi = random() * (2 * Double.pi)
        let g2rad = (-2.0 * Foundation.log(1.0 - random())).squareRoot()
        gaussNext = Foundation.sin(x2pi) * g2rad
        return Foundation.cos(x2pi) * g2rad
    }

    /// `getrandbits(k)` for 1 ≤ k ≤ 32.
    mutating func bits(_ k: Int) -> UInt32 {
        nextUInt32() >> UInt32(32 - k)
    }

    /// `_randbelow(n)`: uniform in 0..<n by rejection on n's bit length (0 when n is 0).
    public mutating func below(_ n: Int) -> Int {
        precondition(n >= 0 && n <= Int(UInt32.max), "randbelow range")
        if n == 0 { return 0 }
        let k = Int.bitWidth - n.leadingZeroBitCount
        var r = Int(bits(k))
        while r >= n { r = Int(bits(k)) }
        return r
    }

    /// `shuffle(x)` in place (Fisher–Yates from the end).
    public mutating func shuffle<T>(_ items: inout [T]) {
        guard items.count > 1 else { return }
        for i in stride(from: items.count - 1, through: 1, by: -1) {
            items.swapAt(i, below(i + 1))
        }
    }

    /// `sample(range(n), k)`: k distinct indices in 0..<n, in selection order.
    public mutating func sample(count n: Int, choose k: Int) -> [Int] {
        precondition(k >= 0 && k <= n, "sample larger than population")
        var setSize = 21
        if k > 5 {
            // 4 ** ceil(log(3k, 4))
            var power = 1
            while power < 3 * k { power *= 4 }
            setSize += power
        }
        var result: [Int] = []
        result.reserveCapacity(k)
        if n <= setSize {
            var pool = Array(0..<n)
            for i in 0..<k {
                let j = below(n - i)
                result.append(pool[j])
                pool[j] = pool[n - i - 1]
            }
        } else {
            var selected = Set<Int>()
            for _ in 0..<k {
                var j = below(n)
                while selected.contains(j) { j = below(n) }
                selected.insert(j)
                result.append(j)
            }
        }
        return result
    }
}
