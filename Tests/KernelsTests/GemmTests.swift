import Testing
import Kernels

/// `Gemm.multiply` against a naive triple loop accumulated in Double.
@Suite struct GemmTests {
    private func reference(_ a: [Float], _ ta: Transpose, _ b: [Float], _ tb: Transpose, m: Int, n: Int, k: Int,
                           alpha: Float, beta: Float, c: [Float]) -> [Float] {
        (0..<(m * n)).map { index in
            let i = index / n, j = index % n
            var sum = 0.0
            for p in 0..<k {
                let x = ta == .none ? a[i * k + p] : a[p * m + i]
                let y = tb == .none ? b[p * n + j] : b[j * k + p]
                sum += Double(x) * Double(y)
            }
            return Float(Double(alpha) * sum + Double(beta) * Double(c[index]))
        }
    }

    @Test(arguments: [(Transpose.none, Transpose.none), (.transposed, .none), (.none, .transposed), (.transposed, .transposed)])
    func matchesNaiveProduct(transposes: (Transpose, Transpose)) {
        let (m, n, k) = (7, 5, 13)
        let a = (0..<(m * k)).map { Float(($0 * 37) % 17) / 8 - 1 }
        let b = (0..<(k * n)).map { Float(($0 * 11) % 13) / 6 - 1 }
        let c0 = (0..<(m * n)).map { Float($0) / 10 }
        var c = c0
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    Gemm.multiply(pa.baseAddress!, transposes.0, pb.baseAddress!, transposes.1, into: pc.baseAddress!,
                                  m: m, n: n, k: k, alpha: 0.5, beta: 2)
                }
            }
        }
        let want = reference(a, transposes.0, b, transposes.1, m: m, n: n, k: k, alpha: 0.5, beta: 2, c: c0)
        for (got, expected) in zip(c, want) {
            #expect(abs(got - expected) <= 1e-5 * max(1, abs(expected)))
        }
    }

    @Test func flopCount() {
        #expect(Gemm.flops(m: 2, n: 3, k: 4) == 48)
    }

    @Test func parallelForCoversEveryItemOnce() {
        ComputeThreads.configure(2)
        defer { ComputeThreads.configure(1) }
        var hits = [Int](repeating: 0, count: 1000)
        hits.withUnsafeMutableBufferPointer { buffer in
            parallelFor(1000) { range in for i in range { buffer[i] += 1 } }
        }
        #expect(hits.allSatisfy { $0 == 1 })
        #expect(ComputeThreads.count == 2)
    }
}

/// The worker pool behind `parallelFor`: every item exactly once, whatever the nesting, the number
/// of concurrent callers, or how quickly jobs follow one another.
@Suite(.serialized) struct WorkerPoolTests {
    @Test func manySmallJobsInARowCoverEveryItemOnce() {
        ComputeThreads.configure(4)
        defer { ComputeThreads.configure(1) }
        var hits = [Int](repeating: 0, count: 37)
        hits.withUnsafeMutableBufferPointer { buffer in
            for _ in 0..<20_000 { parallelFor(37) { range in for i in range { buffer[i] += 1 } } }
        }
        #expect(hits.allSatisfy { $0 == 20_000 })
    }

    @Test func nestedRegionsRunSeriallyInsideTheOuterOne() {
        ComputeThreads.configure(2)
        defer { ComputeThreads.configure(1) }
        var hits = [Int](repeating: 0, count: 64 * 16)
        hits.withUnsafeMutableBufferPointer { buffer in
            parallelFor(64) { outer in
                for row in outer {
                    parallelFor(16) { inner in for column in inner { buffer[row * 16 + column] += 1 } }
                }
            }
        }
        #expect(hits.allSatisfy { $0 == 1 })
    }

    @Test func concurrentCallersEachGetTheirWholeJob() async {
        ComputeThreads.configure(2)
        defer { ComputeThreads.configure(1) }
        let totals = await withTaskGroup(of: Int.self) { group in
            for caller in 0..<6 {
                group.addTask {
                    var sum = 0
                    for round in 0..<300 {
                        var values = [Int](repeating: 0, count: 100)
                        values.withUnsafeMutableBufferPointer { buffer in
                            parallelFor(100) { range in for i in range { buffer[i] = i + round + caller } }
                        }
                        sum += values.reduce(0, +) - (4950 + 100 * (round + caller))
                    }
                    return sum
                }
            }
            return await group.reduce(0, +)
        }
        #expect(totals == 0)
    }

    @Test func chunkIndicesStayBelowTheThreadCount() {
        ComputeThreads.configure(ComputeThreads.maximum)
        defer { ComputeThreads.configure(1) }
        var seen = [Int](repeating: 0, count: ComputeThreads.maximum)
        seen.withUnsafeMutableBufferPointer { buffer in
            parallelChunks(1000) { chunk, range in buffer[chunk] += range.count }
        }
        #expect(seen.reduce(0, +) == 1000)
        #expect(seen.allSatisfy { $0 > 0 })
    }

    /// The thread count never changes a bit: the products are cut by shape alone. The shapes include
    /// one (8 × 1536 × 576) whose two column halves OpenBLAS's Zen kernels compute differently from
    /// the whole, which a cut by thread count turned into different 1- and 2-thread runs.
    @Test(arguments: [(8, 1536, 576), (20, 4096, 64), (433, 576, 1536), (576, 1536, 433), (70, 49152, 576)])
    func threadCountDoesNotChangeAnyBit(shape: (Int, Int, Int)) {
        let (m, n, k) = shape
        var state: UInt32 = 7
        func next() -> Float { state = state &* 1_664_525 &+ 1_013_904_223; return Float(state >> 8) / 16_777_216 - 0.5 }
        let a = (0..<(m * k)).map { _ in next() }, b = (0..<(k * n)).map { _ in next() }
        for transposes in [(Transpose.none, Transpose.none), (.transposed, .none), (.none, .transposed)] {
            var outputs: [[UInt32]] = []
            for threads in [1, 2, 3] {
                ComputeThreads.configure(threads)
                var c = [Float](repeating: 0.25, count: m * n)
                a.withUnsafeBufferPointer { pa in
                    b.withUnsafeBufferPointer { pb in
                        c.withUnsafeMutableBufferPointer { pc in
                            Gemm.multiply(pa.baseAddress!, transposes.0, pb.baseAddress!, transposes.1, into: pc.baseAddress!,
                                          m: m, n: n, k: k, beta: 1)
                        }
                    }
                }
                outputs.append(c.map(\.bitPattern))
            }
            ComputeThreads.configure(1)
            let same = outputs[0] == outputs[1] && outputs[0] == outputs[2]
            #expect(same, "\(m) × \(n) × \(k), \(transposes): the thread count changed the product")
        }
    }
}
