/// A tensor to write into a GGUF file: its ggml dimensions (ne0 first, the row length) and a
/// closure that makes its bytes when the writer reaches it, so a file larger than memory can be
/// written one tensor at a time.
public struct GGUFTensorToWrite {
    public var name: String
    public var type: GGMLType
    /// ggml order: `dimensions[0]` varies fastest (the reverse of the row-major shape).
    public var dimensions: [Int]
    public var bytes: () throws -> [UInt8]

    public init(name: String, type: GGMLType, dimensions: [Int], bytes: @escaping () throws -> [UInt8]) {
        self.name = name
        self.type = type
        self.dimensions = dimensions
        self.bytes = bytes
    }

    public var byteCount: Int { dimensions.reduce(1, *) / type.blockSize * type.blockBytes }
}

/// Writes GGUF version 3 (little-endian), the layout `GGUFFile` reads: header, metadata, tensor
/// infos, padding to the alignment, then each tensor's data at an aligned offset. The file is
/// written whole or not at all (`AtomicFile`).
public enum GGUFWriter {
    public static func write(metadata: [(key: String, value: GGUFValue)], tensors: [GGUFTensorToWrite], to path: String,
                             alignment: Int = GGUFFile.defaultAlignment) throws {
        for tensor in tensors {
            guard let first = tensor.dimensions.first, first % tensor.type.blockSize == 0 else {
                throw CheckpointError(file: path, field: tensor.name, problem: "rows of \(tensor.dimensions.first ?? 0) values are not whole \(tensor.type.name) blocks of \(tensor.type.blockSize)")
            }
        }
        var header: [UInt8] = []
        header += Array("GGUF".utf8)
        header += littleEndianBytes(UInt32(3)) + littleEndianBytes(UInt64(tensors.count)) + littleEndianBytes(UInt64(metadata.count))
        for (key, value) in metadata { header += string(key) + littleEndianBytes(value.type.rawValue) + encode(value) }
        var offset = 0
        var offsets: [Int] = []
        for tensor in tensors {
            offsets.append(offset)
            header += string(tensor.name) + littleEndianBytes(UInt32(tensor.dimensions.count))
            for dimension in tensor.dimensions { header += littleEndianBytes(UInt64(dimension)) }
            header += littleEndianBytes(tensor.type.id) + littleEndianBytes(UInt64(offset))
            offset = aligned(offset + tensor.byteCount, alignment)
        }
        header += [UInt8](repeating: 0, count: aligned(header.count, alignment) - header.count)
        try AtomicFile.write(to: path) { sink in
            try header.withUnsafeBytes { try sink.write($0) }
            var written = 0
            for (index, tensor) in tensors.enumerated() {
                let padding = [UInt8](repeating: 0, count: offsets[index] - written)
                try padding.withUnsafeBytes { if !$0.isEmpty { try sink.write($0) } }
                let bytes = try tensor.bytes()
                guard bytes.count == tensor.byteCount else {
                    throw CheckpointError(file: path, field: tensor.name, problem: "\(bytes.count) bytes of data, \(tensor.byteCount) expected")
                }
                try bytes.withUnsafeBytes { try sink.write($0) }
                written = offsets[index] + bytes.count
            }
        }
    }

    static func aligned(_ value: Int, _ alignment: Int) -> Int { (value + alignment - 1) / alignment * alignment }

    static func string(_ text: String) -> [UInt8] { littleEndianBytes(UInt64(text.utf8.count)) + Array(text.utf8) }

    /// A value's payload (its type tag is written by the caller; an array's elements carry none).
    static func encode(_ value: GGUFValue) -> [UInt8] {
        switch value {
        case .uint8(let v): return [v]
        case .int8(let v): return [UInt8(bitPattern: v)]
        case .uint16(let v): return littleEndianBytes(v)
        case .int16(let v): return littleEndianBytes(v)
        case .uint32(let v): return littleEndianBytes(v)
        case .int32(let v): return littleEndianBytes(v)
        case .uint64(let v): return littleEndianBytes(v)
        case .int64(let v): return littleEndianBytes(v)
        case .float32(let v): return littleEndianBytes(v.bitPattern)
        case .float64(let v): return littleEndianBytes(v.bitPattern)
        case .bool(let v): return [v ? 1 : 0]
        case .string(let v): return string(v)
        case .array(let elementType, let values):
            var out = littleEndianBytes(elementType.rawValue) + littleEndianBytes(UInt64(values.count))
            for element in values { out += encode(element) }
            return out
        }
    }
}
