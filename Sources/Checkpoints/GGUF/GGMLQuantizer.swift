import Foundation

/// Converts Float rows to ggml blocks with ggml's reference quantizers (`quantize_row_*_ref` in
/// `ggml-quants.c`: the routines llama.cpp uses to make model files without an importance matrix),
/// the same float operations in the same order, so a file written here holds the bytes llama.cpp's
/// `llama-quantize` (built without floating-point contraction) and the `gguf` Python package write.
public enum GGMLQuantizer {
    /// The types this writes: F32, F16, Q8_0, Q4_0, Q4_1, Q5_0 and Q4_K.
    public static let quantizable: [GGMLType] = [.f32, .f16, .q8_0, .q4_0, .q4_1, .q5_0, .q4_K]

    /// Bytes of `source.count` values (a multiple of `type.blockSize`) in `type`.
    public static func quantize(_ type: GGMLType, _ source: UnsafeBufferPointer<Float>) -> [UInt8] {
        precondition(quantizable.contains(type) && source.count % type.blockSize == 0,
                     "\(type.name): \(source.count) values are not whole blocks of a writable type")
        let blocks = source.count / type.blockSize
        var out = [UInt8](repeating: 0, count: blocks * type.blockBytes)
        guard let x = source.baseAddress else { return out }
        out.withUnsafeMutableBytes { bytes in
            let y = bytes.baseAddress!
            switch type {
            case .f32:
                for i in 0..<source.count { store32(x[i].bitPattern, y, 4 * i) }
            case .f16:
                for i in 0..<source.count { store16(HalfPrecision.halfFromFloat(x[i]), y, 2 * i) }
            case .q8_0:
                for b in 0..<blocks { q8_0(x + 32 * b, y + 34 * b) }
            case .q4_0:
                for b in 0..<blocks { q4_0(x + 32 * b, y + 18 * b) }
            case .q4_1:
                for b in 0..<blocks { q4_1(x + 32 * b, y + 20 * b) }
            case .q5_0:
                for b in 0..<blocks { q5_0(x + 32 * b, y + 22 * b) }
            default:
                for b in 0..<blocks { q4_K(x + 256 * b, y + 144 * b) }
            }
        }
        return out
    }

    // MARK: Stores (little-endian)

    @inline(__always) static func store16(_ value: UInt16, _ p: UnsafeMutableRawPointer, _ offset: Int) {
        p.storeBytes(of: value.littleEndian, toByteOffset: offset, as: UInt16.self)
    }
    @inline(__always) static func store32(_ value: UInt32, _ p: UnsafeMutableRawPointer, _ offset: Int) {
        p.storeBytes(of: value.littleEndian, toByteOffset: offset, as: UInt32.self)
    }
    @inline(__always) static func storeHalf(_ value: Float, _ p: UnsafeMutableRawPointer, _ offset: Int) {
        store16(HalfPrecision.halfFromFloat(value), p, offset)
    }
    @inline(__always) static func half(_ p: UnsafeMutableRawPointer, _ offset: Int) -> Float {
        HalfPrecision.floatFromHalf(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
    }

    /// C's `(int8_t)(v)` for the values these quantizers produce: truncation toward zero.
    @inline(__always) static func truncated(_ v: Float) -> Int { Int(Int8(clamping: Int(v.rounded(.towardZero)))) }

    /// ggml's `nearest_int`: round half to even through the float mantissa (|v| ≤ 4194303).
    @inline(__always) static func nearestInt(_ v: Float) -> Int {
        let shifted = v + 12_582_912
        return Int(Int32(bitPattern: shifted.bitPattern & 0x007F_FFFF)) - 0x0040_0000
    }

    // MARK: 32-element blocks

    /// block_q8_0 { f16 d; i8 qs[32] }: d = amax/127, q = roundf(x/d) (half away from zero).
    static func q8_0(_ x: UnsafePointer<Float>, _ y: UnsafeMutableRawPointer) {
        var amax: Float = 0
        for j in 0..<32 { amax = max(amax, abs(x[j])) }
        let d = amax / 127, id: Float = d != 0 ? 1 / d : 0
        storeHalf(d, y, 0)
        for j in 0..<32 {
            y.storeBytes(of: Int8((x[j] * id).rounded(.toNearestOrAwayFromZero)), toByteOffset: 2 + j, as: Int8.self)
        }
    }

    /// block_q4_0 { f16 d; u8 qs[16] }: d = (the value of largest magnitude)/−8, q = min(15, (int8)(x/d + 8.5)).
    static func q4_0(_ x: UnsafePointer<Float>, _ y: UnsafeMutableRawPointer) {
        var amax: Float = 0, signedMax: Float = 0
        for j in 0..<32 where amax < abs(x[j]) { (amax, signedMax) = (abs(x[j]), x[j]) }
        let d = signedMax / -8, id: Float = d != 0 ? 1 / d : 0
        storeHalf(d, y, 0)
        for j in 0..<16 {
            let low = min(15, truncated(x[j] * id + 8.5)), high = min(15, truncated(x[j + 16] * id + 8.5))
            y.storeBytes(of: UInt8(low) | UInt8(high) << 4, toByteOffset: 2 + j, as: UInt8.self)
        }
    }

    /// block_q4_1 { f16 d; f16 m; u8 qs[16] }: d = (max − min)/15, m = min, q = min(15, (int8)((x − min)/d + 0.5)).
    static func q4_1(_ x: UnsafePointer<Float>, _ y: UnsafeMutableRawPointer) {
        var lowest = Float.greatestFiniteMagnitude, highest = -Float.greatestFiniteMagnitude
        for j in 0..<32 {
            if x[j] < lowest { lowest = x[j] }
            if x[j] > highest { highest = x[j] }
        }
        let d = (highest - lowest) / 15, id: Float = d != 0 ? 1 / d : 0
        storeHalf(d, y, 0)
        storeHalf(lowest, y, 2)
        for j in 0..<16 {
            let low = min(15, truncated((x[j] - lowest) * id + 0.5)), high = min(15, truncated((x[j + 16] - lowest) * id + 0.5))
            y.storeBytes(of: UInt8(low) | UInt8(high) << 4, toByteOffset: 4 + j, as: UInt8.self)
        }
    }

    /// block_q5_0 { f16 d; u8 qh[4]; u8 qs[16] }: d = (the value of largest magnitude)/−16,
    /// q = min(31, (int8)(x/d + 16.5)), its fifth bit in qh.
    static func q5_0(_ x: UnsafePointer<Float>, _ y: UnsafeMutableRawPointer) {
        var amax: Float = 0, signedMax: Float = 0
        for j in 0..<32 where amax < abs(x[j]) { (amax, signedMax) = (abs(x[j]), x[j]) }
        let d = signedMax / -16, id: Float = d != 0 ? 1 / d : 0
        storeHalf(d, y, 0)
        var qh: UInt32 = 0
        for j in 0..<16 {
            let low = UInt32(min(31, truncated(x[j] * id + 16.5))), high = UInt32(min(31, truncated(x[j + 16] * id + 16.5)))
            y.storeBytes(of: UInt8(low & 0x0F) | UInt8(high & 0x0F) << 4, toByteOffset: 6 + j, as: UInt8.self)
            qh |= ((low & 0x10) >> 4) << UInt32(j)
            qh |= ((high & 0x10) >> 4) << UInt32(j + 16)
        }
        store32(qh, y, 2)
    }

    // MARK: 256-element super-blocks

    /// block_q4_K { f16 d; f16 dmin; u8 scales[12]; u8 qs[128] }: each sub-block of 32 gets a scale
    /// and a min from `bestScaleAndMin` (ggml's `make_qkx2_quants`), both quantized to 6 bits against
    /// the super-block's largest, then the values re-quantized with the stored scales.
    static func q4_K(_ x: UnsafePointer<Float>, _ y: UnsafeMutableRawPointer) {
        var levels = [UInt8](repeating: 0, count: 256)
        var scales = [Float](repeating: 0, count: 8), mins = [Float](repeating: 0, count: 8)
        var maxScale: Float = 0, maxMin: Float = 0
        var weights = [Float](repeating: 0, count: 32)
        for j in 0..<8 {
            let sub = x + 32 * j
            var sumSquares: Float = 0
            for l in 0..<32 { sumSquares += sub[l] * sub[l] }
            let average = (sumSquares / 32).squareRoot()
            for l in 0..<32 { weights[l] = average + abs(sub[l]) }
            (scales[j], mins[j]) = levels.withUnsafeMutableBufferPointer { bestScaleAndMin(sub, weights, levels: $0.baseAddress! + 32 * j) }
            if scales[j] > maxScale { maxScale = scales[j] }
            if mins[j] > maxMin { maxMin = mins[j] }
        }
        let inverseScale: Float = maxScale > 0 ? 63 / maxScale : 0, inverseMin: Float = maxMin > 0 ? 63 / maxMin : 0
        var packed = [UInt8](repeating: 0, count: 12)
        for j in 0..<8 {
            let ls = UInt8(min(63, UInt8(truncatingIfNeeded: nearestInt(inverseScale * scales[j]))))
            let lm = UInt8(min(63, UInt8(truncatingIfNeeded: nearestInt(inverseMin * mins[j]))))
            if j < 4 {
                packed[j] = ls
                packed[j + 4] = lm
            } else {
                packed[j + 4] = (ls & 0x0F) | (lm & 0x0F) << 4
                packed[j - 4] |= (ls >> 4) << 6
                packed[j] |= (lm >> 4) << 6
            }
        }
        storeHalf(maxScale / 63, y, 0)
        storeHalf(maxMin / 63, y, 2)
        for (i, byte) in packed.enumerated() { y.storeBytes(of: byte, toByteOffset: 4 + i, as: UInt8.self) }
        let dStored = half(y, 0), minStored = half(y, 2)
        for j in 0..<8 {
            let (sc, m) = scaleMin(j, packed)
            let d = dStored * Float(sc)
            if d == 0 { continue }
            let dm = minStored * Float(m)
            for i in 0..<32 { levels[32 * j + i] = UInt8(max(0, min(15, nearestInt((x[32 * j + i] + dm) / d)))) }
        }
        for chunk in 0..<4 {
            for l in 0..<32 {
                y.storeBytes(of: levels[64 * chunk + l] | levels[64 * chunk + l + 32] << 4, toByteOffset: 16 + 32 * chunk + l, as: UInt8.self)
            }
        }
    }

    /// The 6-bit scale and min of sub-block j (ggml `get_scale_min_k4`).
    static func scaleMin(_ j: Int, _ q: [UInt8]) -> (UInt8, UInt8) {
        if j < 4 { return (q[j] & 63, q[j + 4] & 63) }
        return ((q[j + 4] & 0x0F) | ((q[j - 4] >> 6) << 4), (q[j + 4] >> 4) | ((q[j] >> 6) << 4))
    }

    /// ggml's `make_qkx2_quants(32, 15, x, weights, L, &min, Laux, −1, 0.1, 20, false)`: a scale and
    /// min for 4-bit levels that minimise the weighted squared error, searched over 21 trial scales
    /// around (max − min)/15 with a weighted least-squares fit at each. Returns (scale, −min).
    static func bestScaleAndMin(_ x: UnsafePointer<Float>, _ weights: [Float], levels: UnsafeMutablePointer<UInt8>) -> (Float, Float) {
        let n = 32, nmax = 15, rmin: Float = -1, rdelta: Float = 0.1, steps = 20
        var lowest = x[0], highest = x[0]
        var sumW = weights[0], sumX = sumW * x[0]
        for i in 1..<n {
            if x[i] < lowest { lowest = x[i] }
            if x[i] > highest { highest = x[i] }
            sumW += weights[i]
            sumX += weights[i] * x[i]
        }
        if lowest > 0 { lowest = 0 }
        if highest == lowest {
            for i in 0..<n { levels[i] = 0 }
            return (0, -lowest)
        }
        var inverse = Float(nmax) / (highest - lowest)
        var scale = 1 / inverse
        var bestError: Float = 0
        for i in 0..<n {
            let l = max(0, min(nmax, nearestInt(inverse * (x[i] - lowest))))
            levels[i] = UInt8(l)
            let difference = scale * Float(l) + lowest - x[i]
            bestError += weights[i] * (difference * difference)
        }
        var trial = [UInt8](repeating: 0, count: n)
        for step in 0...steps {
            inverse = (rmin + rdelta * Float(step) + Float(nmax)) / (highest - lowest)
            var sumL: Float = 0, sumL2: Float = 0, sumXL: Float = 0
            for i in 0..<n {
                let l = max(0, min(nmax, nearestInt(inverse * (x[i] - lowest))))
                trial[i] = UInt8(l)
                let w = weights[i], level = Float(l)
                sumL += w * level
                sumL2 += w * level * level
                sumXL += w * level * x[i]
            }
            let determinant = sumW * sumL2 - sumL * sumL
            guard determinant > 0 else { continue }
            var thisScale = (sumW * sumXL - sumX * sumL) / determinant
            var thisMin = (sumL2 * sumX - sumL * sumXL) / determinant
            if thisMin > 0 {
                thisMin = 0
                thisScale = sumXL / sumL2
            }
            var error: Float = 0
            for i in 0..<n {
                let difference = thisScale * Float(trial[i]) + thisMin - x[i]
                error += weights[i] * (difference * difference)
            }
            if error < bestError {
                for i in 0..<n { levels[i] = trial[i] }
                bestError = error
                scale = thisScale
                lowest = thisMin
            }
        }
        return (scale, -lowest)
    }
}
