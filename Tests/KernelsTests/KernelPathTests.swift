import CKernels
import Foundation
import Kernels
import Testing

/// Every kernel, on every path this CPU can run, gives the portable path's bits (ckernels.h's
/// canonical order) on shapes that cover the tails: reduction lengths that are not multiples of 16,
/// 1, 3, 4, 5 and 17 rows and columns, head dimensions that are not multiples of the vector width.
/// (The aarch64 NEON path is checked the same way under qemu: scripts/cross_check_kernels.sh.)
@Suite struct KernelPathTests {
    /// The SIMD paths (and the FMA build of the portable code) that this CPU runs.
    static let fastPaths = KernelPath.available.filter { $0 != .portable }

    struct Numbers {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func floats(_ count: Int, _ low: Float = -1, _ high: Float = 1) -> [Float] {
            (0..<count).map { _ in low + Float(next() >> 40) / 16_777_216 * (high - low) }
        }
    }

    /// Index of the first element whose bits differ (NaN equals NaN), or nil.
    static func firstDifference(_ a: [Float], _ b: [Float]) -> Int? {
        zip(a, b).enumerated().first { _, pair in pair.0.bitPattern != pair.1.bitPattern && !(pair.0.isNaN && pair.1.isNaN) }?.offset
    }

    static func expectSameBits(_ reference: [Float], _ got: [Float], _ what: String, path: KernelPath) {
        let index = firstDifference(reference, got)
        #expect(index == nil, "\(what) on \(path): element \(index ?? 0) is \(index.map { got[$0] } ?? 0), portable gives \(index.map { reference[$0] } ?? 0)")
    }

    @Test func theFastestPathIsActiveAndThePortablePathIsAlwaysThere() {
        #expect(KernelPath.portable.isAvailable)
        #expect(KernelPath.available.contains(.active))
        #expect(!KernelPath.cpuModel.isEmpty)
        #if arch(x86_64)
        #expect(!KernelPath.neon.isAvailable)
        #expect(throws: KernelPathError.self) { try KernelPath.select(.neon) }
        #elseif arch(arm64)
        #expect(KernelPath.neon.isAvailable)
        #endif
    }

    @Test func aFallbackToThePortablePathIsAnnouncedWithTheCPUsFeatures() {
        #expect(KernelPath.fallbackNotice(fellBack: false) == nil)
        let notice = KernelPath.fallbackNotice(fellBack: true) ?? ""
        #expect(notice.hasPrefix("rlvr: notice: no SIMD kernel path fits this CPU (\(KernelPath.cpuModel); found: \(KernelPath.cpuFeatures))"))
        #expect(!notice.contains("\n"))
        // automatic selection on this machine picked a SIMD path wherever one exists
        let simd = KernelPath.available.contains { [.avx2, .avx512, .neon].contains($0) }
        #expect(KernelPath.fellBackToPortable == (!simd && ProcessInfo.processInfo.environment["RLVR_KERNELS"] == nil))
    }

    @Test(arguments: fastPaths) func linearForward(path: KernelPath) {
        var numbers = Numbers(state: 1)
        for m in [1, 3, 4, 5, 17] {
            for n in [1, 3, 4, 5, 17] {
                for k in [1, 3, 15, 16, 17, 31, 33, 64, 100] {
                    let x = numbers.floats(m * k), w = numbers.floats(n * k), ldy = n + 1
                    var reference = [Float](repeating: 0, count: m * ldy), got = reference
                    _ = rlvr_path_linear_forward(RLVR_PATH_PORTABLE, x, w, &reference, m, n, k, ldy)
                    _ = rlvr_path_linear_forward(path.cValue, x, w, &got, m, n, k, ldy)
                    Self.expectSameBits(reference, got, "linear \(m)×\(n)×\(k)", path: path)
                }
            }
        }
        // several weight blocks, the decode and the training regimes
        for (m, n, k) in [(2, 300, 576), (12, 70, 576), (13, 70, 576), (40, 130, 576), (64, 70, 1536)] {
            let x = numbers.floats(m * k), w = numbers.floats(n * k)
            var reference = [Float](repeating: 0, count: m * n), got = reference
            _ = rlvr_path_linear_forward(RLVR_PATH_PORTABLE, x, w, &reference, m, n, k, n)
            _ = rlvr_path_linear_forward(path.cValue, x, w, &got, m, n, k, n)
            Self.expectSameBits(reference, got, "linear \(m)×\(n)×\(k)", path: path)
        }
    }

    @Test(arguments: fastPaths) func dotsOfOneQueryAgainstManyKeys(path: KernelPath) {
        var numbers = Numbers(state: 2)
        for count in [1, 3, 8, 9, 17] {
            for k in [1, 15, 16, 17, 64, 100] {
                let q = numbers.floats(k), keys = numbers.floats(count * (k + 3))
                var reference = [Float](repeating: 0, count: count), got = reference
                _ = rlvr_path_dots(RLVR_PATH_PORTABLE, q, keys, k + 3, count, k, &reference)
                _ = rlvr_path_dots(path.cValue, q, keys, k + 3, count, k, &got)
                Self.expectSameBits(reference, got, "dots \(count)×\(k)", path: path)
            }
        }
    }

    @Test(arguments: fastPaths) func attentionOverOneAndTwoSegments(path: KernelPath) {
        var numbers = Numbers(state: 3)
        for (count1, count2) in [(1, 0), (5, 0), (16, 0), (17, 0), (100, 0), (3, 4), (16, 1), (0, 3)] {
            for headDim in [64, 8, 20, 100] {
                let ld = headDim + (headDim == 20 ? 0 : 64)
                let q = numbers.floats(headDim, -2, 2)
                let k1 = numbers.floats(count1 * ld, -2, 2), v1 = numbers.floats(count1 * ld)
                let k2 = numbers.floats(count2 * ld, -2, 2), v2 = numbers.floats(count2 * ld)
                let scale = 1 / Float(headDim).squareRoot()
                func run(_ p: rlvr_kernel_path) -> [Float] {
                    var out = [Float](repeating: 0, count: headDim + 1), scores = [Float](repeating: 0, count: count1 + count2 + 1)
                    var lse: Float = 0
                    _ = rlvr_path_attend_segments(p, q, k1, v1, ld, count1, k2, v2, ld, count2, headDim, scale, &scores, &out, &lse)
                    out[headDim] = lse
                    return out
                }
                Self.expectSameBits(run(RLVR_PATH_PORTABLE), run(path.cValue), "attention \(count1)+\(count2) keys, head dim \(headDim)", path: path)
            }
        }
    }

    @Test(arguments: fastPaths) func attentionBackward(path: KernelPath) {
        var numbers = Numbers(state: 4)
        for (length, headDim, ldq, ldkv) in [(1, 64, 576, 192), (7, 64, 576, 192), (17, 64, 576, 192), (33, 20, 20, 20), (9, 100, 100, 100)] {
            let q = numbers.floats(length * ldq), k = numbers.floats(length * ldkv), v = numbers.floats(length * ldkv)
            let dout = numbers.floats(length * ldq)
            let scale = 1 / Float(headDim).squareRoot()
            var out = [Float](repeating: 0, count: length * ldq), lse = [Float](repeating: 0, count: length)
            var scores = [Float](repeating: 0, count: length + 1)
            for i in 0..<length {
                out.withUnsafeMutableBufferPointer { o in
                    _ = rlvr_path_attend_segments(RLVR_PATH_PORTABLE, Array(q[(i * ldq)...]), k, v, ldkv, i + 1, k, v, ldkv, 0, headDim, scale,
                                                  &scores, o.baseAddress! + i * ldq, &lse[i])
                }
            }
            let start = numbers.floats(length * (ldq + 2 * ldkv), -0.5, 0.5)
            func run(_ p: rlvr_kernel_path) -> [Float] {
                var dq = Array(start[0..<(length * ldq)]), dk = Array(start[(length * ldq)..<(length * (ldq + ldkv))])
                var dv = Array(start[(length * (ldq + ldkv))...])
                var scratch = [Float](repeating: 0, count: 2 * Int(RLVR_ATTENTION_BACKWARD_ROWS) * length)
                _ = rlvr_path_attention_backward(p, q, k, v, out, dout, lse, &dq, &dk, &dv, length, ldq, ldkv, headDim, scale, &scratch)
                return dq + dk + dv
            }
            Self.expectSameBits(run(RLVR_PATH_PORTABLE), run(path.cValue), "attention backward over \(length) tokens, head dim \(headDim)", path: path)
        }
    }

    @Test(arguments: fastPaths) func swigluAndVocabularyGradient(path: KernelPath) {
        var numbers = Numbers(state: 5)
        for n in [1, 7, 8, 15, 16, 17, 100, 4099] {
            let g = numbers.floats(n, -12, 12), u = numbers.floats(n, -2, 2), dh = numbers.floats(n)
            let dg0 = numbers.floats(n, -0.5, 0.5), du0 = numbers.floats(n, -0.5, 0.5), z0 = numbers.floats(n, -30, 10)
            func run(_ p: rlvr_kernel_path) -> [Float] {
                var h = [Float](repeating: 0, count: n), dg = dg0, du = du0, z = z0
                _ = rlvr_path_silu_mul(p, g, u, &h, n)
                _ = rlvr_path_silu_mul_backward(p, g, u, dh, &dg, &du, n)
                _ = rlvr_path_vocabulary_gradient_row(p, &z, n, 9.5, -0.7, 0.3, 2.25)
                return h + dg + du + z
            }
            Self.expectSameBits(run(RLVR_PATH_PORTABLE), run(path.cValue), "SwiGLU and vocabulary gradient over \(n)", path: path)
        }
    }

    @Test(arguments: fastPaths) func onlineLogSumExpChunkByChunk(path: KernelPath) {
        var numbers = Numbers(state: 6)
        for chunks in [[1], [15, 16, 17, 33], [4096, 4096, 29], [7, 4096, 100]] {
            let z = numbers.floats(chunks.reduce(0, +), -20, 20)
            func run(_ p: rlvr_kernel_path) -> [Float] {
                var m = -Float.infinity, s: Float = 0, a: Float = 0, offset = 0, totals: [Float] = []
                for width in chunks {
                    z.withUnsafeBufferPointer { _ = rlvr_path_online_softmax_update(p, $0.baseAddress! + offset, width, &m, &s, &a) }
                    offset += width
                    totals += [m, s, a]
                }
                return totals
            }
            Self.expectSameBits(run(RLVR_PATH_PORTABLE), run(path.cValue), "online log-sum-exp over chunks \(chunks)", path: path)
        }
    }

    /// Ties between −0 and +0 at the maximum, NaN among the logits and products that underflow to −0
    /// in lanes the zero-padded last chunk touches: each path must still follow the reference.
    @Test(arguments: fastPaths) func onlineLogSumExpOnAwkwardValues(path: KernelPath) {
        let ties: [Float] = [-0.0, 0.0] + [Float](repeating: -1, count: 15)
        var withNaN = [Float](repeating: 0, count: 17)
        withNaN[3] = 5
        withNaN[15] = .nan
        var nanEarly = withNaN
        nanEarly[7] = .nan
        let tiny = [Float](repeating: -1e-9, count: 17)
        for (values, width, m0, a0) in [(ties, 16, -Float.infinity, Float(0)), (ties, 8, -.infinity, 0), (withNaN, 16, -.infinity, 0),
                                        (nanEarly, 8, -.infinity, 0), (tiny, 17, 86.9, -0.0)] {
            func run(_ p: rlvr_kernel_path) -> [Float] {
                var m = m0, s: Float = 0, a = a0
                _ = rlvr_path_online_softmax_update(p, values, width, &m, &s, &a)
                return [m, s, a]
            }
            Self.expectSameBits(run(RLVR_PATH_PORTABLE), run(path.cValue), "online log-sum-exp of \(values.prefix(width))", path: path)
        }
    }

    @Test(arguments: fastPaths) func anEmptyProductWritesNothing(path: KernelPath) {
        let x = [Float](repeating: 1, count: 64), w = [Float](repeating: 1, count: 64)
        for (m, n) in [(0, 4), (4, 0), (0, 0)] {
            var y = [Float](repeating: 7, count: 64)
            _ = rlvr_path_linear_forward(path.cValue, x, w, &y, m, n, 16, 4)
            #expect(y.allSatisfy { $0 == 7 }, "\(path): a \(m) × \(n) product wrote into y")
        }
    }

    @Test(arguments: fastPaths) func expAndLog(path: KernelPath) {
        var numbers = Numbers(state: 7)
        let special: [Float] = [0, -0, 88, 88.5, -87, -87.5, 1e-8, -1e-8, .infinity, -.infinity, .nan, 88.7, -86.99, 1]
        let x = numbers.floats(20_000, -104, 96) + special
        var reference = [Float](repeating: 0, count: x.count), got = reference
        _ = rlvr_path_exp(RLVR_PATH_PORTABLE, x, &reference, x.count)
        _ = rlvr_path_exp(path.cValue, x, &got, x.count)
        Self.expectSameBits(reference, got, "e^x", path: path)
        // positive floats of every exponent, subnormals included
        let positive = (0..<20_000).map { _ in Float(bitPattern: UInt32(truncatingIfNeeded: numbers.next() >> 33)) }
            + [0, -0, 1, -1, .infinity, -.infinity, .nan, .leastNonzeroMagnitude, .leastNormalMagnitude, .greatestFiniteMagnitude, 0.70710677, 0.70710683, 2, 0.5]
        _ = rlvr_path_log(RLVR_PATH_PORTABLE, positive, &reference, positive.count)
        got = [Float](repeating: 0, count: positive.count)
        reference = [Float](repeating: 0, count: positive.count)
        _ = rlvr_path_log(RLVR_PATH_PORTABLE, positive, &reference, positive.count)
        _ = rlvr_path_log(path.cValue, positive, &got, positive.count)
        Self.expectSameBits(reference, got, "log x", path: path)
    }
}

/// The canonical e^x and log x against the C library in double precision, and the software fused
/// multiply-add against the hardware instruction.
@Suite struct CanonicalMathTests {
    @Test func expIsWithinTwoTenthsOfAMillionthOfDoubleExp() {
        var worst = 0.0
        var x: Float = -87
        while x <= 88 {
            let value = Double(rlvr_exp(x)), exact = Foundation.exp(Double(x))
            worst = max(worst, abs(value - exact) / exact)
            x += 0.0137
        }
        #expect(worst < 2.5e-7, "worst relative error \(worst)")
        #expect(rlvr_exp(-87.5) == 0)
        #expect(rlvr_exp(-.infinity) == 0)
        #expect(rlvr_exp(.nan).isNaN)
        #expect(rlvr_exp(0) == 1)
    }

    @Test func logIsWithinTwoUnitsInTheLastPlace() {
        var numbers = KernelPathTests.Numbers(state: 8)
        var worst = 0.0
        for _ in 0..<200_000 {
            let x = Float(bitPattern: UInt32(truncatingIfNeeded: numbers.next() >> 33) | 1)   // positive, every exponent
            guard x.isFinite, x > 0 else { continue }
            let exact = Foundation.log(Double(x)), value = rlvr_log(x)
            let ulp = Double(Float(exact).ulp)
            worst = max(worst, abs(Double(value) - exact) / ulp)
        }
        #expect(worst <= 2, "worst error \(worst) ulp")
        #expect(rlvr_log(1) == 0)
        #expect(rlvr_log(0) == -.infinity)
        #expect(rlvr_log(-1).isNaN)
        #expect(rlvr_log(.nan).isNaN)
        #expect(rlvr_log(.infinity) == .infinity)
    }

    @Test func softwareFusedMultiplyAddEqualsTheInstruction() {
        var numbers = KernelPathTests.Numbers(state: 9)
        func random() -> Float {
            // every sign and a wide exponent range (products and sums near overflow, underflow and cancellation)
            let exponent = UInt32(numbers.next() % 200 + 27) << 23
            return Float(bitPattern: exponent | UInt32(truncatingIfNeeded: numbers.next()) & 0x807F_FFFF)
        }
        var mismatches = 0
        for round in 0..<1_000_000 {
            let a = random(), b = random()
            // half of the addends cancel most of the product, where double rounding would show
            let c = round % 2 == 0 ? random() : -Float(Double(a) * Double(b)) * (1 + Float(numbers.next() % 64) * 0x1p-24)
            let want = c.addingProduct(a, b)   // c + a·b rounded once (fmaf)
            let got = rlvr_exact_fma(a, b, c)
            if want.bitPattern != got.bitPattern && !(want.isNaN && got.isNaN) { mismatches += 1 }
        }
        #expect(mismatches == 0)
        // Rounding twice goes wrong here: a·b + c = 1 + 2⁻²³ + 2⁻²⁴ − 2⁻⁷⁰ lies just below the midpoint
        // between 1 + 2⁻²³ and 1 + 2⁻²²; in double it rounds onto the midpoint, which then rounds to even.
        let a: Float = 0x1.000002p-12, b: Float = 0x1.fffffcp-13, c: Float = 0x1.000002p0
        let once = c.addingProduct(a, b)
        #expect(once == 0x1.000002p0)
        #expect(Float(Double(a) * Double(b) + Double(c)) != once, "the naive double computation should round twice here")
        #expect(rlvr_exact_fma(a, b, c) == once)
        #expect(rlvr_exact_fma(-a, b, -c) == -once)
    }
}
