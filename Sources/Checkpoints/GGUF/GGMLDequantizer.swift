/// Converts ggml blocks to Float. Each routine mirrors ggml's reference `dequantize_row_*` in
/// `ggml-quants.c` (same formulas, same order of float operations) so results match llama.cpp and
/// the `gguf` Python package bit for bit.
public enum GGMLDequantizer {
    /// `source` holds exactly `destination.count / type.blockSize` blocks; the caller checked it.
    public static func dequantize(_ type: GGMLType, from source: UnsafeRawBufferPointer, into destination: UnsafeMutableBufferPointer<Float>) {
        precondition(destination.count % type.blockSize == 0 && source.count == destination.count / type.blockSize * type.blockBytes,
                     "\(type.name): \(source.count) bytes do not hold \(destination.count) values")
        guard let out = destination.baseAddress, let base = source.baseAddress else { return }
        let blocks = destination.count / type.blockSize
        switch type {
        case .f32:
            for i in 0..<destination.count { out[i] = Float(bitPattern: u32(base, 4 * i)) }
        case .f16:
            for i in 0..<destination.count { out[i] = HalfPrecision.floatFromHalf(u16(base, 2 * i)) }
        case .bf16:
            for i in 0..<destination.count { out[i] = HalfPrecision.floatFromBFloat16(u16(base, 2 * i)) }
        case .f64:
            for i in 0..<destination.count { out[i] = Float(Double(bitPattern: u64(base, 8 * i))) }
        case .q4_0:
            for b in 0..<blocks { q4_0(base + b * 18, out + b * 32) }
        case .q4_1:
            for b in 0..<blocks { q4_1(base + b * 20, out + b * 32) }
        case .q5_0:
            for b in 0..<blocks { q5_0(base + b * 22, out + b * 32) }
        case .q5_1:
            for b in 0..<blocks { q5_1(base + b * 24, out + b * 32) }
        case .q8_0:
            for b in 0..<blocks { q8_0(base + b * 34, out + b * 32) }
        case .q4_K:
            for b in 0..<blocks { q4_K(base + b * 144, out + b * 256) }
        case .q5_K:
            for b in 0..<blocks { q5_K(base + b * 176, out + b * 256) }
        case .q6_K:
            for b in 0..<blocks { q6_K(base + b * 210, out + b * 256) }
        default:
            preconditionFailure("\(type.name) is not dequantizable; callers check canDequantize")
        }
    }

    // MARK: Loads (unaligned, little-endian)

    @inline(__always) private static func u16(_ p: UnsafeRawPointer, _ offset: Int) -> UInt16 {
        UInt16(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }
    @inline(__always) private static func u32(_ p: UnsafeRawPointer, _ offset: Int) -> UInt32 {
        UInt32(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }
    @inline(__always) private static func u64(_ p: UnsafeRawPointer, _ offset: Int) -> UInt64 {
        UInt64(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }
    @inline(__always) private static func half(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
        HalfPrecision.floatFromHalf(u16(p, offset))
    }
    @inline(__always) private static func byte(_ p: UnsafeRawPointer, _ offset: Int) -> UInt8 {
        p.load(fromByteOffset: offset, as: UInt8.self)
    }

    // MARK: 32-element blocks

    /// block_q4_0 { f16 d; u8 qs[16] }: y[j] = (lo(qs[j]) − 8)·d, y[j+16] = (hi(qs[j]) − 8)·d.
    private static func q4_0(_ block: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(block, 0)
        for j in 0..<16 {
            let q = byte(block, 2 + j)
            y[j] = Float(Int(q & 0x0F) - 8) * d
            y[j + 16] = Float(Int(q >> 4) - 8) * d
        }
    }

    /// block_q4_1 { f16 d; f16 m; u8 qs[16] }: y = q·d + m.
    private static func q4_1(_ block: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(block, 0), m = half(block, 2)
        for j in 0..<16 {
            let q = byte(block, 4 + j)
            y[j] = Float(q & 0x0F) * d + m
            y[j + 16] = Float(q >> 4) * d + m
        }
    }

    /// block_q5_0 { f16 d; u8 qh[4]; u8 qs[16] }: the fifth bit of element j is bit j of qh.
    private static func q5_0(_ block: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(block, 0)
        let qh = u32(block, 2)
        for j in 0..<16 {
            let q = byte(block, 6 + j)
            let high0 = UInt8(((qh >> UInt32(j)) << 4) & 0x10)
            let high1 = UInt8((qh >> UInt32(j + 12)) & 0x10)
            y[j] = Float(Int((q & 0x0F) | high0) - 16) * d
            y[j + 16] = Float(Int((q >> 4) | high1) - 16) * d
        }
    }

    /// block_q5_1 { f16 d; f16 m; u8 qh[4]; u8 qs[16] }: y = q·d + m.
    private static func q5_1(_ block: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(block, 0), m = half(block, 2)
        let qh = u32(block, 4)
        for j in 0..<16 {
            let q = byte(block, 8 + j)
            let high0 = UInt8(((qh >> UInt32(j)) << 4) & 0x10)
            let high1 = UInt8((qh >> UInt32(j + 12)) & 0x10)
            y[j] = Float((q & 0x0F) | high0) * d + m
            y[j + 16] = Float((q >> 4) | high1) * d + m
        }
    }

    /// block_q8_0 { f16 d; i8 qs[32] }: y = q·d.
    private static func q8_0(_ block: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(block, 0)
        for j in 0..<32 {
            y[j] = Float(Int8(bitPattern: byte(block, 2 + j))) * d
        }
    }

    // MARK: 256-element super-blocks

    /// The 6-bit scale and min of sub-block j, packed in 12 bytes (ggml `get_scale_min_k4`).
    @inline(__always)
    private static func scaleMinK4(_ j: Int, _ scales: UnsafeRawPointer) -> (scale: UInt8, min: UInt8) {
        if j < 4 {
            return (byte(scales, j) & 63, byte(scales, j + 4) & 63)
        }
        let scale = (byte(scales, j + 4) & 0x0F) | ((byte(scales, j - 4) >> 6) << 4)
        let min = (byte(scales, j + 4) >> 4) | ((byte(scales, j) >> 6) << 4)
        return (scale, min)
    }

    /// block_q4_K { f16 d; f16 dmin; u8 scales[12]; u8 qs[128] }: 8 sub-blocks of 32, each
    /// y = d·scale·q − dmin·min.
    private static func q4_K(_ block: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(block, 0), dmin = half(block, 2)
        let scales = block + 4
        var q = block + 16
        var out = y
        for pair in 0..<4 {
            let (sc1, m1) = scaleMinK4(2 * pair, scales)
            let (sc2, m2) = scaleMinK4(2 * pair + 1, scales)
            let d1 = d * Float(sc1), min1 = dmin * Float(m1)
            let d2 = d * Float(sc2), min2 = dmin * Float(m2)
            for l in 0..<32 { out[l] = d1 * Float(byte(q, l) & 0x0F) - min1 }
            for l in 0..<32 { out[32 + l] = d2 * Float(byte(q, l) >> 4) - min2 }
            q += 32
            out += 64
        }
    }

    /// block_q5_K { f16 d; f16 dmin; u8 scales[12]; u8 qh[32]; u8 qs[128] }: as Q4_K with a fifth
    /// bit per element taken from qh.
    private static func q5_K(_ block: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(block, 0), dmin = half(block, 2)
        let scales = block + 4
        let qh = block + 16
        var ql = block + 48
        var out = y
        var mask1: UInt8 = 1, mask2: UInt8 = 2
        for pair in 0..<4 {
            let (sc1, m1) = scaleMinK4(2 * pair, scales)
            let (sc2, m2) = scaleMinK4(2 * pair + 1, scales)
            let d1 = d * Float(sc1), min1 = dmin * Float(m1)
            let d2 = d * Float(sc2), min2 = dmin * Float(m2)
            for l in 0..<32 {
                let high: UInt8 = byte(qh, l) & mask1 != 0 ? 16 : 0
                out[l] = d1 * Float((byte(ql, l) & 0x0F) + high) - min1
            }
            for l in 0..<32 {
                let high: UInt8 = byte(qh, l) & mask2 != 0 ? 16 : 0
                out[32 + l] = d2 * Float((byte(ql, l) >> 4) + high) - min2
            }
            ql += 32
            out += 64
            mask1 <<= 2
            mask2 <<= 2
        }
    }

    /// block_q6_K { u8 ql[128]; u8 qh[64]; i8 scales[16]; f16 d }: 16 sub-blocks of 16 with 6-bit
    /// values q − 32, y = d·scale·q.
    private static func q6_K(_ block: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(block, 208)
        var ql = block
        var qh = block + 128
        var sc = block + 192
        var out = y
        for _ in 0..<2 {
            for l in 0..<32 {
                let group = l / 16
                let h = byte(qh, l)
                let q1 = Int((byte(ql, l) & 0x0F) | ((h & 3) << 4)) - 32
                let q2 = Int((byte(ql, l + 32) & 0x0F) | (((h >> 2) & 3) << 4)) - 32
                let q3 = Int((byte(ql, l) >> 4) | (((h >> 4) & 3) << 4)) - 32
                let q4 = Int((byte(ql, l + 32) >> 4) | (((h >> 6) & 3) << 4)) - 32
                out[l] = d * Float(Int8(bitPattern: byte(sc, group))) * Float(q1)
                out[l + 32] = d * Float(Int8(bitPattern: byte(sc, group + 2))) * Float(q2)
                out[l + 64] = d * Float(Int8(bitPattern: byte(sc, group + 4))) * Float(q3)
                out[l + 96] = d * Float(Int8(bitPattern: byte(sc, group + 6))) * Float(q4)
            }
            out += 128
            ql += 64
            qh += 32
            sc += 8
        }
    }
}
