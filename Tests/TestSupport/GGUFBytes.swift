/// Builds GGUF bytes field by field, to make files that are wrong in exactly one place.
public struct GGUFBytes {
    public var bytes: [UInt8] = []
    public init() {}
    public mutating func u8(_ v: UInt8) { bytes.append(v) }
    public mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    public mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    public mutating func string(_ s: String) { u64(UInt64(s.utf8.count)); bytes += Array(s.utf8) }
    public mutating func header(version: UInt32 = 3, tensors: UInt64, kvs: UInt64) {
        bytes += Array("GGUF".utf8)
        u32(version); u64(tensors); u64(kvs)
    }
    /// One F32 tensor info `name` of `count` elements at `offset`.
    public mutating func f32Tensor(_ name: String, count: UInt64, offset: UInt64 = 0) {
        string(name); u32(1); u64(count); u32(0); u64(offset)
    }
    /// Metadata entries of the common types (type ids from ggml's `gguf_type`).
    public mutating func kv(_ key: String, u32 value: UInt32) { string(key); u32(4); u32(value) }
    public mutating func kv(_ key: String, f32 value: Float) { string(key); u32(6); u32(value.bitPattern) }
    public mutating func kv(_ key: String, string value: String) { string(key); u32(8); string(value) }
    public mutating func padTo(_ alignment: Int) { while bytes.count % alignment != 0 { bytes.append(0) } }
}

