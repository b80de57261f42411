/// TFRecord framing, the container of TensorBoard's event files (TensorFlow's
/// `core/lib/io/record_writer.cc`): each record is
///
///     uint64 length (little-endian) · uint32 masked CRC-32C of those 8 bytes
///     data · uint32 masked CRC-32C of the data
///
/// with mask(c) = ((c >> 15) | (c << 17)) + 0xa282ead8.
public enum TFRecord {
    public static func frame(_ data: [UInt8]) -> [UInt8] {
        let length = littleEndianBytes(UInt64(data.count))
        return length + littleEndianBytes(maskedCRC32C(length)) + data + littleEndianBytes(maskedCRC32C(data))
    }

    public static func maskedCRC32C(_ bytes: [UInt8]) -> UInt32 {
        let crc = CRC32C.checksum(bytes)
        return ((crc >> 15) | (crc << 17)) &+ 0xa282_ead8
    }

    /// The records of a framed stream, each checked against both CRCs; nil when the stream is cut short
    /// or a checksum does not match.
    public static func records(_ bytes: [UInt8]) -> [[UInt8]]? {
        var records: [[UInt8]] = [], at = 0
        while at < bytes.count {
            guard bytes.count - at >= 12 else { return nil }
            let header = Array(bytes[at..<at + 8])
            guard readUInt32(bytes, at + 8) == maskedCRC32C(header) else { return nil }
            let length = header.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
            guard length <= UInt64(bytes.count - at - 16) else { return nil }
            let start = at + 12, end = start + Int(length)
            let data = Array(bytes[start..<end])
            guard readUInt32(bytes, end) == maskedCRC32C(data) else { return nil }
            records.append(data)
            at = end + 4
        }
        return records
    }

    static func readUInt32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[at + $1]) << (8 * UInt32($1)) }
    }
}

/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as RFC 3720 §12.1 defines it; table-driven,
/// one byte at a time (event files are small).
public enum CRC32C {
    static let table: [UInt32] = (0..<256).map { index in
        var crc = UInt32(index)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        return crc
    }

    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}
