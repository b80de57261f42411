import Testing
import Checkpoints

/// Blocks quantised by hand: pick the integer codes and scales, pack them the way ggml lays them
/// out, and check the dequantised values against the formula evaluated element by element.
@Suite struct DequantizationTests {
    private func dequantize(_ type: GGMLType, _ bytes: [UInt8]) -> [Float] {
        var out = [Float](repeating: .nan, count: bytes.count / type.blockBytes * type.blockSize)
        bytes.withUnsafeBytes { source in
            out.withUnsafeMutableBufferPointer { GGMLDequantizer.dequantize(type, from: source, into: $0) }
        }
        return out
    }

    private func le16(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }

    @Test func q8_0() {
        // d = 0.5 (half 0x3800); codes −128, −127, …, 127 step 8 → y = code · 0.5
        let codes = (0..<32).map { Int8(truncatingIfNeeded: -128 + 8 * $0) }
        let block = le16(0x3800) + codes.map { UInt8(bitPattern: $0) }
        #expect(dequantize(.q8_0, block) == codes.map { Float($0) * 0.5 })
    }

    @Test func q4_0() {
        // d = 2 (half 0x4000); byte j holds code j (low nibble) and code 15 − j (high nibble).
        let block = le16(0x4000) + (0..<16).map { UInt8($0) | UInt8(15 - $0) << 4 }
        let low = (0..<16).map { Float($0 - 8) * 2 }
        let high = (0..<16).map { Float(15 - $0 - 8) * 2 }
        #expect(dequantize(.q4_0, block) == low + high)
    }

    @Test func q4_1() {
        // d = 0.25 (0x3400), m = −1 (0xBC00): y = code · 0.25 − 1
        let block = le16(0x3400) + le16(0xBC00) + (0..<16).map { UInt8($0) | UInt8(($0 * 7) % 16) << 4 }
        let low = (0..<16).map { Float($0) * 0.25 - 1 }
        let high = (0..<16).map { Float(($0 * 7) % 16) * 0.25 - 1 }
        #expect(dequantize(.q4_1, block) == low + high)
    }

    @Test func q4_K() {
        // Eight sub-blocks of 32 with 6-bit scales and mins; d = 0.5, dmin = 0.25.
        let scales: [UInt8] = [1, 63, 17, 32, 5, 48, 60, 2]
        let mins: [UInt8] = [0, 7, 63, 33, 16, 1, 40, 62]
        var packed = [UInt8](repeating: 0, count: 12)
        for j in 0..<8 {
            if j < 4 {
                packed[j] |= scales[j]
                packed[j + 4] |= mins[j]
            } else {  // low 4 bits in byte j+4, high 2 bits in the top of bytes j−4 (scale) and j (min)
                packed[j + 4] |= (scales[j] & 0x0F) | (mins[j] & 0x0F) << 4
                packed[j - 4] |= (scales[j] >> 4) << 6
                packed[j] |= (mins[j] >> 4) << 6
            }
        }
        let codes: [UInt8] = (0..<256).map { (i: Int) -> UInt8 in UInt8((i * 5 + i / 32) % 16) }
        var qs = [UInt8](repeating: 0, count: 128)
        for element in 0..<256 {  // pair p holds elements 64p..<64p+32 in low nibbles, the next 32 in high
            let pair = element / 64, within = element % 64
            let byteIndex = pair * 32 + within % 32
            qs[byteIndex] |= within < 32 ? codes[element] : codes[element] << 4
        }
        let block = le16(0x3800) + le16(0x3400) + packed + qs
        let expected = (0..<256).map { element -> Float in
            let sub = element / 32
            return 0.5 * Float(scales[sub]) * Float(codes[element]) - 0.25 * Float(mins[sub])
        }
        #expect(dequantize(.q4_K, block) == expected)
    }

    @Test func q6_K() {
        // Sixteen sub-blocks of 16 with signed 8-bit scales; 6-bit codes stored as 4 low + 2 high bits.
        let scales: [Int8] = [1, -2, 3, -4, 5, -6, 7, -8, 127, -128, 64, -64, 0, 9, -10, 11]
        let codes: [UInt8] = (0..<256).map { (i: Int) -> UInt8 in UInt8((i * 11 + 3) % 64) }
        var ql = [UInt8](repeating: 0, count: 128)
        var qh = [UInt8](repeating: 0, count: 64)
        for element in 0..<256 {
            let half = element / 128, e = element % 128
            let quarter = e / 32, l = e % 32
            // quarters 0,1 use low nibbles of ql[l], ql[l+32]; quarters 2,3 the high nibbles.
            let qlIndex = half * 64 + l + (quarter % 2) * 32
            ql[qlIndex] |= quarter < 2 ? codes[element] & 0x0F : (codes[element] & 0x0F) << 4
            qh[half * 32 + l] |= (codes[element] >> 4) << (2 * quarter)
        }
        let block = ql + qh + scales.map { UInt8(bitPattern: $0) } + le16(0x3C00)  // d = 1
        let expected = (0..<256).map { Float(scales[$0 / 16]) * Float(Int(codes[$0]) - 32) }
        #expect(dequantize(.q6_K, block) == expected)
    }

    @Test func typeTableMatchesGGML() {
        #expect(GGMLType(id: 3) == .q4_1)
        #expect(GGMLType(id: 8)?.blockBytes == 34)
        #expect(GGMLType(id: 14)?.blockBytes == 210)
        #expect(GGMLType(id: 12)?.blockBytes == 144)
        #expect(GGMLType(id: 4) == nil)   // removed Q4_2
        #expect(Set(GGMLType.all.map(\.id)).count == GGMLType.all.count)
    }
}
