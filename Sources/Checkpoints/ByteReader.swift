/// A little-endian cursor over a byte region that never reads past its end: every read checks the
/// remaining length first and throws a `CheckpointError` naming the field being read.
struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    let file: String
    private(set) var offset: Int = 0

    init(_ bytes: UnsafeRawBufferPointer, file: String, offset: Int = 0) {
        self.bytes = bytes
        self.file = file
        self.offset = offset
    }

    var remaining: Int { bytes.count - offset }

    func error(_ field: String, _ problem: String) -> CheckpointError {
        CheckpointError(file: file, field: field, problem: problem)
    }

    mutating func require(_ count: Int, for field: @autoclosure () -> String) throws {
        guard count >= 0, count <= remaining else {
            throw error(field(), "needs \(count) bytes at offset \(offset) but the file ends after \(remaining) more (truncated?)")
        }
    }

    mutating func read<T: FixedWidthInteger>(_: T.Type, _ field: @autoclosure () -> String) throws -> T {
        try require(MemoryLayout<T>.size, for: field())
        let value = bytes.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += MemoryLayout<T>.size
        return T(littleEndian: value)
    }

    mutating func readFloat32(_ field: @autoclosure () -> String) throws -> Float {
        Float(bitPattern: try read(UInt32.self, field()))
    }

    mutating func readFloat64(_ field: @autoclosure () -> String) throws -> Double {
        Double(bitPattern: try read(UInt64.self, field()))
    }

    /// Reads `count` raw bytes and returns a view of them (no copy).
    mutating func readBytes(_ count: Int, _ field: @autoclosure () -> String) throws -> UnsafeRawBufferPointer {
        try require(count, for: field())
        let view = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)])
        offset += count
        return view
    }

    /// A GGUF string: a UInt64 byte length followed by UTF-8 bytes (no terminator).
    mutating func readLengthPrefixedString(_ field: @autoclosure () -> String) throws -> String {
        let name = field()
        let length = try read(UInt64.self, name + " (string length)")
        guard length <= UInt64(remaining) else {
            throw error(name, "string length \(length) exceeds the \(remaining) bytes left in the file")
        }
        let raw = try readBytes(Int(length), name)
        guard let text = String(validating: raw, as: UTF8.self) else {
            throw error(name, "string is not valid UTF-8")
        }
        return text
    }

    mutating func seek(to newOffset: Int, _ field: @autoclosure () -> String) throws {
        guard newOffset >= 0, newOffset <= bytes.count else {
            throw error(field(), "offset \(newOffset) is outside the file (\(bytes.count) bytes)")
        }
        offset = newOffset
    }
}
