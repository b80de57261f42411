/// An integer's bytes, least significant first: the byte order of every binary format written here
/// (GGUF, TFRecord framing and protobuf fixed-width fields).
func littleEndianBytes<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
    (0..<T.bitWidth / 8).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
}
