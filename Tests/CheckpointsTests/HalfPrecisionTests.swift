import Testing
import Checkpoints

@Suite struct HalfPrecisionTests {
    @Test func knownHalfValues() {
        #expect(HalfPrecision.floatFromHalf(0x3C00) == 1.0)
        #expect(HalfPrecision.floatFromHalf(0xC000) == -2.0)
        #expect(HalfPrecision.floatFromHalf(0x7BFF) == 65504.0)          // largest finite half
        #expect(HalfPrecision.floatFromHalf(0x0001) == 0x1p-24)          // smallest subnormal
        #expect(HalfPrecision.floatFromHalf(0x03FF) == 1023 * 0x1p-24)   // largest subnormal
        #expect(HalfPrecision.floatFromHalf(0x0400) == 0x1p-14)          // smallest normal
        #expect(HalfPrecision.floatFromHalf(0x7C00) == .infinity)
        #expect(HalfPrecision.floatFromHalf(0xFC00) == -.infinity)
        #expect(HalfPrecision.floatFromHalf(0x7E00).isNaN)
        #expect(HalfPrecision.floatFromHalf(0x8000).sign == .minus)
    }

    @Test func everyHalfRoundTripsThroughFloat() {
        for bits in 0...UInt16.max {
            let value = HalfPrecision.floatFromHalf(bits)
            if value.isNaN {
                #expect(HalfPrecision.floatFromHalf(HalfPrecision.halfFromFloat(value)).isNaN)
            } else {
                #expect(HalfPrecision.halfFromFloat(value) == bits, "half bits \(bits)")
            }
        }
    }

    @Test func floatToHalfRoundsToNearestEven() {
        // 1 + 2^-11 lies halfway between 1 and 1 + 2^-10: ties go to the even significand (1).
        #expect(HalfPrecision.halfFromFloat(1 + 0x1p-11) == 0x3C00)
        // 1 + 3·2^-11 lies halfway between 1 + 2^-10 (odd) and 1 + 2^-9 (even): rounds up.
        #expect(HalfPrecision.halfFromFloat(1 + 3 * 0x1p-11) == 0x3C02)
        // Just above halfway rounds up.
        #expect(HalfPrecision.halfFromFloat(1 + 0x1p-11 + 0x1p-20) == 0x3C01)
        #expect(HalfPrecision.halfFromFloat(65520) == 0x7C00)   // rounds past the largest finite half
        #expect(HalfPrecision.halfFromFloat(65519) == 0x7BFF)
        #expect(HalfPrecision.halfFromFloat(0x1p-25) == 0x0000)  // exactly half the smallest subnormal: ties to 0
        #expect(HalfPrecision.halfFromFloat(0x1.8p-25) == 0x0001)
        #expect(HalfPrecision.halfFromFloat(-0.0) == 0x8000)
    }

    @Test func bfloat16() {
        #expect(HalfPrecision.floatFromBFloat16(0x3F80) == 1.0)
        #expect(HalfPrecision.floatFromBFloat16(0xC020) == -2.5)
        #expect(HalfPrecision.bfloat16FromFloat(1.0) == 0x3F80)
        // 1 + 2^-8 is halfway between bf16 neighbours 1 and 1 + 2^-7: ties to even (1).
        #expect(HalfPrecision.bfloat16FromFloat(1 + 0x1p-8) == 0x3F80)
        #expect(HalfPrecision.bfloat16FromFloat(1 + 3 * 0x1p-8) == 0x3F82)
        #expect(HalfPrecision.floatFromBFloat16(HalfPrecision.bfloat16FromFloat(.nan)).isNaN)
        for bits in stride(from: 0, through: Int(UInt16.max), by: 7) {
            let value = HalfPrecision.floatFromBFloat16(UInt16(bits))
            if !value.isNaN { #expect(HalfPrecision.bfloat16FromFloat(value) == UInt16(bits)) }
        }
    }
}
