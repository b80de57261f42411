import Generation

/// A 128-bit content hash for cache keys (not cryptographic): two 64-bit lanes fold the input eight
/// bytes at a time (multiply–rotate, as in xxHash/wyhash), lengths and field boundaries are mixed
/// in, and SplitMix64's finaliser spreads the result. Half a gigabyte of weights hashes in well
/// under a second.
public struct ContentHash: Sendable {
    private var a: UInt64 = 0x243F_6A88_85A3_08D3
    private var b: UInt64 = 0x1319_8A2E_0370_7344
    private var length: UInt64 = 0

    public init() {}

    @inline(__always)
    private static func rotate(_ x: UInt64, _ r: UInt64) -> UInt64 { (x << r) | (x >> (64 - r)) }

    @inline(__always)
    private mutating func fold(_ word: UInt64) {
        a = Self.rotate(a ^ word, 31) &* 0x9E37_79B1_85EB_CA87
        b = Self.rotate(b &+ word, 27) &* 0xC2B2_AE3D_27D4_EB4F
    }

    /// Adds raw bytes; their length is mixed in too, so ("ab", "c") and ("a", "bc") differ.
    public mutating func combine(bytes: UnsafeRawBufferPointer) {
        let words = bytes.count / 8
        for i in 0..<words { fold(bytes.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)) }
        var tail: UInt64 = 0
        for i in (words * 8)..<bytes.count { tail |= UInt64(bytes[i]) << (8 * UInt64(i - words * 8)) }
        fold(tail)
        fold(UInt64(bytes.count))
        length &+= UInt64(bytes.count)
    }

    public mutating func combine(_ text: String) {
        var copy = text
        copy.withUTF8 { combine(bytes: UnsafeRawBufferPointer($0)) }
    }

    public mutating func combine<T: BitwiseCopyable>(_ values: [T]) {
        values.withUnsafeBytes { combine(bytes: $0) }
    }

    /// 32 lowercase hex digits.
    public var hexDigest: String {
        let high = CounterRNG.mix(a ^ length), low = CounterRNG.mix(b ^ high)
        return [high, low].map { word in
            let digits = String(word, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }.joined()
    }
}
