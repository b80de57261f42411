/// One tensor's entry in a GGUF file.
public struct GGUFTensorInfo: Sendable, Equatable {
    public var name: String
    public var type: GGMLType
    /// ggml order: `dimensions[0]` (ne0) varies fastest. `shape` gives the row-major order.
    public var dimensions: [Int]
    /// Byte offset relative to the start of the data section.
    public var offset: Int
    public var byteCount: Int

    public var elementCount: Int { dimensions.reduce(1, *) }
    /// Row-major shape, outermost first (the order safetensors and PyTorch use).
    public var shape: [Int] { dimensions.reversed() }
}

/// A memory-mapped GGUF file (versions 2 and 3, little-endian).
///
/// Layout (ggml `docs/gguf.md`): magic "GGUF", version u32, tensor count u64, metadata count u64;
/// metadata key/value pairs (key: u64 length + UTF-8; value: u32 type + payload, arrays as
/// element type u32 + count u64 + elements); tensor infos (name, n_dims u32, ne u64 × n_dims,
/// type u32, offset u64); padding to `general.alignment` (default 32); the data section.
/// Every count, length and offset is checked against the bytes that remain before it is used.
public final class GGUFFile: @unchecked Sendable {
    public let path: String
    public let version: UInt32
    /// Metadata in file order.
    public let metadata: [(key: String, value: GGUFValue)]
    public let tensors: [GGUFTensorInfo]
    public let alignment: Int
    /// Absolute byte offset of the data section.
    public let dataOffset: Int
    private let file: MappedFile
    private let metadataIndex: [String: Int]
    private let tensorIndex: [String: Int]

    public static let defaultAlignment = 32
    /// ggml's GGML_MAX_DIMS.
    public static let maximumDimensions = 4

    public convenience init(path: String) throws {
        try self.init(mapped: MappedFile(path: path))
    }

    public init(mapped file: MappedFile) throws {
        self.file = file
        self.path = file.path
        var reader = ByteReader(file.bytes, file: file.path)

        let magic = try reader.read(UInt32.self, "header.magic")
        guard magic == 0x4655_4747 else {  // "GGUF" read as little-endian u32
            throw reader.error("header.magic", "expected \"GGUF\" but found bytes \(Self.hex(magic)) (not a GGUF file)")
        }
        let version = try reader.read(UInt32.self, "header.version")
        if version == 1 {
            throw reader.error("header.version", "GGUF v1 (32-bit counts) is not supported; re-convert the model with a current llama.cpp")
        }
        if version.byteSwapped == 2 || version.byteSwapped == 3 {
            throw reader.error("header.version", "the file is big-endian GGUF, which is not supported")
        }
        guard version == 2 || version == 3 else {
            throw reader.error("header.version", "unsupported version \(version) (supported: 2, 3)")
        }
        self.version = version

        let tensorCount = try reader.read(UInt64.self, "header.tensor_count")
        let metadataCount = try reader.read(UInt64.self, "header.metadata_kv_count")
        // Each tensor info takes at least 8 (name length) + 4 (n_dims) + 4 (type) + 8 (offset) bytes.
        guard tensorCount <= UInt64(reader.remaining / 24) else {
            throw reader.error("header.tensor_count", "\(tensorCount) tensors cannot fit in the \(reader.remaining) bytes left")
        }
        // Each key/value takes at least 8 (key length) + 4 (type) + 1 byte.
        guard metadataCount <= UInt64(reader.remaining / 13) else {
            throw reader.error("header.metadata_kv_count", "\(metadataCount) entries cannot fit in the \(reader.remaining) bytes left")
        }

        var metadata: [(key: String, value: GGUFValue)] = []
        var metadataIndex: [String: Int] = [:]
        for entry in 0..<Int(metadataCount) {
            let key = try reader.readLengthPrefixedString("metadata[\(entry)].key")
            let field = "metadata[\"\(key)\"]"
            let rawType = try reader.read(UInt32.self, field + ".type")
            guard let type = GGUFValueType(rawValue: rawType) else {
                throw reader.error(field + ".type", "unknown value type \(rawType) (known: 0–12)")
            }
            let value = try Self.readValue(of: type, from: &reader, field: field, depth: 0)
            guard metadataIndex[key] == nil else {
                throw reader.error(field, "the key appears twice")
            }
            metadataIndex[key] = metadata.count
            metadata.append((key, value))
        }
        self.metadata = metadata
        self.metadataIndex = metadataIndex

        var alignment = Self.defaultAlignment
        if let index = metadataIndex["general.alignment"] {
            guard let value = metadata[index].value.intValue, value > 0, value & (value - 1) == 0, value <= 1 << 20 else {
                throw reader.error("metadata[\"general.alignment\"]", "expected a power of two, got \(metadata[index].value.summary())")
            }
            alignment = value
        }
        self.alignment = alignment

        var tensors: [GGUFTensorInfo] = []
        var tensorIndex: [String: Int] = [:]
        for entry in 0..<Int(tensorCount) {
            let name = try reader.readLengthPrefixedString("tensor[\(entry)].name")
            let field = "tensor \"\(name)\""
            let dimensionCount = try reader.read(UInt32.self, field + ".n_dims")
            guard dimensionCount >= 1, dimensionCount <= UInt32(Self.maximumDimensions) else {
                throw reader.error(field + ".n_dims", "\(dimensionCount) dimensions (expected 1–\(Self.maximumDimensions))")
            }
            var dimensions: [Int] = []
            var elements = 1
            for axis in 0..<Int(dimensionCount) {
                let extent = try reader.read(UInt64.self, field + ".ne[\(axis)]")
                guard extent <= UInt64(Int32.max) else {
                    throw reader.error(field + ".ne[\(axis)]", "dimension \(extent) is absurdly large")
                }
                dimensions.append(Int(extent))
                let (product, overflow) = elements.multipliedReportingOverflow(by: Int(extent))
                guard !overflow else { throw reader.error(field + ".ne", "the element count overflows") }
                elements = product
            }
            let typeID = try reader.read(UInt32.self, field + ".type")
            guard let type = GGMLType(id: typeID) else {
                throw reader.error(field + ".type", "unknown ggml type \(typeID)")
            }
            guard dimensions[0] % type.blockSize == 0 else {
                throw reader.error(field + ".ne[0]", "\(dimensions[0]) is not a multiple of the \(type.name) block size \(type.blockSize)")
            }
            let (byteCount, overflow) = (elements / type.blockSize).multipliedReportingOverflow(by: type.blockBytes)
            guard !overflow else { throw reader.error(field, "its byte size overflows") }
            let offset = try reader.read(UInt64.self, field + ".offset")
            guard offset % UInt64(alignment) == 0 else {
                throw reader.error(field + ".offset", "\(offset) is not a multiple of the alignment \(alignment)")
            }
            guard offset <= UInt64(file.count) else {
                throw reader.error(field + ".offset", "\(offset) (relative to the data section) lies past the end of the file (\(file.count) bytes; truncated file?)")
            }
            guard tensorIndex[name] == nil else { throw reader.error(field, "the name appears twice") }
            tensorIndex[name] = tensors.count
            tensors.append(GGUFTensorInfo(name: name, type: type, dimensions: dimensions, offset: Int(offset), byteCount: byteCount))
        }

        let padding = (alignment - reader.offset % alignment) % alignment
        // A file without tensors may end right after its header, without the padding.
        let dataOffset = tensors.isEmpty ? min(reader.offset + padding, file.count) : reader.offset + padding
        guard dataOffset <= file.count else {
            throw reader.error("data section", "starts at \(dataOffset), past the end of the file (\(file.count) bytes)")
        }
        let dataSize = file.count - dataOffset
        for tensor in tensors {
            let (end, overflow) = tensor.offset.addingReportingOverflow(tensor.byteCount)
            guard !overflow, end <= dataSize else {
                throw reader.error("tensor \"\(tensor.name)\".offset",
                                   "bytes \(tensor.offset)..<\(tensor.offset + tensor.byteCount) of the data section run past its end (\(dataSize) bytes; truncated file?)")
            }
        }
        self.dataOffset = dataOffset
        self.tensors = tensors
        self.tensorIndex = tensorIndex
    }

    /// Metadata values nest arrays at most this deep (ggml itself allows one level).
    static let maximumArrayDepth = 4

    private static func readValue(of type: GGUFValueType, from reader: inout ByteReader, field: String, depth: Int) throws -> GGUFValue {
        switch type {
        case .uint8: return .uint8(try reader.read(UInt8.self, field))
        case .int8: return .int8(try reader.read(Int8.self, field))
        case .uint16: return .uint16(try reader.read(UInt16.self, field))
        case .int16: return .int16(try reader.read(Int16.self, field))
        case .uint32: return .uint32(try reader.read(UInt32.self, field))
        case .int32: return .int32(try reader.read(Int32.self, field))
        case .uint64: return .uint64(try reader.read(UInt64.self, field))
        case .int64: return .int64(try reader.read(Int64.self, field))
        case .float32: return .float32(try reader.readFloat32(field))
        case .float64: return .float64(try reader.readFloat64(field))
        case .bool:
            let byte = try reader.read(UInt8.self, field)
            guard byte <= 1 else { throw reader.error(field, "a bool must be 0 or 1, found \(byte)") }
            return .bool(byte == 1)
        case .string:
            return .string(try reader.readLengthPrefixedString(field))
        case .array:
            guard depth < maximumArrayDepth else {
                throw reader.error(field, "arrays nested more than \(maximumArrayDepth) deep")
            }
            let rawElementType = try reader.read(UInt32.self, field + ".element_type")
            guard let elementType = GGUFValueType(rawValue: rawElementType) else {
                throw reader.error(field + ".element_type", "unknown value type \(rawElementType) (known: 0–12)")
            }
            let count = try reader.read(UInt64.self, field + ".count")
            guard count <= UInt64(reader.remaining / elementType.minimumEncodedSize) else {
                throw reader.error(field + ".count", "\(count) elements of \(elementType.name) cannot fit in the \(reader.remaining) bytes left")
            }
            var values: [GGUFValue] = []
            values.reserveCapacity(Int(count))
            for index in 0..<Int(count) {
                values.append(try readValue(of: elementType, from: &reader, field: "\(field)[\(index)]", depth: depth + 1))
            }
            return .array(elementType: elementType, values: values)
        }
    }

    private static func hex(_ value: UInt32) -> String {
        withUnsafeBytes(of: value.littleEndian) { $0.map { String(format2: $0) }.joined(separator: " ") }
    }

    // MARK: Access

    public subscript(key: String) -> GGUFValue? {
        metadataIndex[key].map { metadata[$0].value }
    }

    public func info(_ name: String) -> GGUFTensorInfo? {
        tensorIndex[name].map { tensors[$0] }
    }

    /// The tensor's bytes as stored (a view into the map: valid while this object lives).
    public func rawBytes(_ tensor: GGUFTensorInfo) -> UnsafeRawBufferPointer {
        let start = dataOffset + tensor.offset
        return UnsafeRawBufferPointer(rebasing: file.bytes[start..<(start + tensor.byteCount)])
    }

    /// Dequantises the named tensor to Float, in memory order (ne0 fastest = row-major of `shape`).
    public func floats(_ name: String) throws -> [Float] {
        guard let tensor = info(name) else {
            throw CheckpointError(file: path, field: "tensor \"\(name)\"", problem: "no such tensor")
        }
        return try floats(tensor)
    }

    public func floats(_ tensor: GGUFTensorInfo) throws -> [Float] {
        var values = [Float](repeating: 0, count: tensor.elementCount)
        try values.withUnsafeMutableBufferPointer { try readFloats(tensor, into: $0) }
        return values
    }

    public func readFloats(_ tensor: GGUFTensorInfo, into destination: UnsafeMutableBufferPointer<Float>) throws {
        guard destination.count == tensor.elementCount else {
            throw CheckpointError(file: path, field: "tensor \"\(tensor.name)\"", problem: "has \(tensor.elementCount) elements but the destination holds \(destination.count)")
        }
        guard tensor.type.canDequantize else {
            throw CheckpointError(file: path, field: "tensor \"\(tensor.name)\".type",
                                  problem: "dequantising \(tensor.type.name) is not supported (supported: \(GGMLType.dequantizable.map(\.name).joined(separator: ", ")))")
        }
        GGMLDequantizer.dequantize(tensor.type, from: rawBytes(tensor), into: destination)
    }
}

private extension String {
    init(format2 byte: UInt8) {
        let digits = Array("0123456789abcdef")
        self = String([digits[Int(byte >> 4)], digits[Int(byte & 15)]])
    }
}
