import Generation

/// The order items are visited in: a seeded shuffle per epoch, a pure function of (seed, epoch), so
/// a resumed run sees the same order. Position p (counted across epochs) is item
/// `order(at: p)`; only the current epoch's permutation is kept.
final class EpochOrder {
    let count: Int
    let seed: UInt64
    private var epoch = -1
    private var permutation: [Int] = []

    init(count: Int, seed: UInt64) {
        self.count = count
        self.seed = seed
    }

    func item(at position: Int) -> Int {
        let wanted = position / count
        if wanted != epoch {
            permutation = Self.permutation(count: count, seed: seed, stream: wanted)
            epoch = wanted
        }
        return permutation[position % count]
    }

    /// A permutation of 0..<count keyed by (seed, stream).
    static func permutation(count: Int, seed: UInt64, stream: Int) -> [Int] {
        let keys = (0..<count).map { CounterRNG.bits(seed: seed, prompt: stream, sample: 0, position: $0) }
        return (0..<count).sorted { (keys[$0], $0) < (keys[$1], $1) }
    }
}
