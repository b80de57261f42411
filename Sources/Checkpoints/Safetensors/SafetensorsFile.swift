import Foundation
import JSON

/// One tensor's entry in a safetensors header.
public struct SafetensorsTensorInfo: Sendable, Equatable {
    public var name: String
    public var dtype: SafetensorsDType
    /// Row-major shape, outermost dimension first (as PyTorch reports it).
    public var shape: [Int]
    /// Byte range relative to the start of the data section.
    public var dataRange: Range<Int>

    public var elementCount: Int { shape.reduce(1, *) }
}

/// A memory-mapped safetensors file.
///
/// Format (https://github.com/huggingface/safetensors): an 8-byte little-endian header length N,
/// N bytes of JSON `{"__metadata__": {str: str}, name: {"dtype", "shape", "data_offsets": [b, e]}}`,
/// then the data section; offsets are relative to the data section. Every field is validated before
/// use: dtype known, shape non-negative, byte range inside the file and equal to
/// elements × dtype size, ranges disjoint.
public final class SafetensorsFile: @unchecked Sendable {
    public let path: String
    public let metadata: [String: String]
    /// Tensors in the order of their data offsets.
    public let tensors: [SafetensorsTensorInfo]
    private let file: MappedFile
    private let dataStart: Int
    private let index: [String: Int]

    /// Upper bound on the JSON header (the reference implementation uses 100 MB).
    public static let maximumHeaderSize = 100_000_000

    public convenience init(path: String) throws {
        try self.init(mapped: MappedFile(path: path))
    }

    public init(mapped file: MappedFile) throws {
        self.file = file
        self.path = file.path
        var reader = ByteReader(file.bytes, file: file.path)
        let headerSize = try reader.read(UInt64.self, "header length")
        guard headerSize <= UInt64(Self.maximumHeaderSize) else {
            throw reader.error("header length", "\(headerSize) bytes is larger than the \(Self.maximumHeaderSize)-byte limit (not a safetensors file?)")
        }
        let headerBytes = try reader.readBytes(Int(headerSize), "header")
        dataStart = reader.offset
        let dataSize = file.count - dataStart

        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: Data(headerBytes), options: [])
        } catch {
            throw CheckpointError(file: path, field: "header", problem: "is not valid JSON (\(Self.describe(error)))")
        }
        guard let object = json as? [String: Any] else {
            throw CheckpointError(file: path, field: "header", problem: "expected a JSON object")
        }

        var metadata: [String: String] = [:]
        var tensors: [SafetensorsTensorInfo] = []
        for (name, entry) in object {
            if name == "__metadata__" {
                guard let table = entry as? [String: Any] else {
                    throw CheckpointError(file: path, field: "__metadata__", problem: "expected an object of strings")
                }
                for (key, value) in table {
                    guard let text = value as? String else {
                        throw CheckpointError(file: path, field: "__metadata__.\(key)", problem: "expected a string value")
                    }
                    metadata[key] = text
                }
                continue
            }
            tensors.append(try Self.parseTensorEntry(name: name, entry: entry, dataSize: dataSize, file: path))
        }
        tensors.sort { ($0.dataRange.lowerBound, $0.name) < ($1.dataRange.lowerBound, $1.name) }
        for (previous, next) in zip(tensors, tensors.dropFirst()) where previous.dataRange.upperBound > next.dataRange.lowerBound {
            throw CheckpointError(file: path, field: "\(next.name).data_offsets", problem: "overlaps the bytes of \"\(previous.name)\"")
        }
        self.metadata = metadata
        self.tensors = tensors
        self.index = Dictionary(uniqueKeysWithValues: tensors.enumerated().map { ($1.name, $0) })
    }

    private static func parseTensorEntry(name: String, entry: Any, dataSize: Int, file: String) throws -> SafetensorsTensorInfo {
        func fail(_ field: String, _ problem: String) -> CheckpointError {
            CheckpointError(file: file, field: "\(name).\(field)", problem: problem)
        }
        guard let fields = entry as? [String: Any] else {
            throw CheckpointError(file: file, field: name, problem: "expected an object with dtype, shape and data_offsets")
        }
        guard let dtypeName = fields["dtype"] as? String else { throw fail("dtype", "missing or not a string") }
        guard let dtype = SafetensorsDType(rawValue: dtypeName) else {
            throw fail("dtype", "unknown dtype \"\(dtypeName)\" (known: \(SafetensorsDType.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        guard let shapeValues = fields["shape"] as? [Any] else { throw fail("shape", "missing or not an array") }
        var shape: [Int] = []
        var elements = 1
        for value in shapeValues {
            guard let dimension = JSONNumbers.exactInteger(value), dimension >= 0 else {
                throw fail("shape", "expected non-negative integers, got \(shapeValues)")
            }
            shape.append(dimension)
            let (product, overflow) = elements.multipliedReportingOverflow(by: dimension)
            guard !overflow else { throw fail("shape", "\(shape) has too many elements") }
            elements = product
        }
        guard let offsets = fields["data_offsets"] as? [Any], offsets.count == 2,
              let begin = JSONNumbers.exactInteger(offsets[0]), let end = JSONNumbers.exactInteger(offsets[1]) else {
            throw fail("data_offsets", "expected [begin, end] as two integers")
        }
        guard begin >= 0, begin <= end, end <= dataSize else {
            throw fail("data_offsets", "[\(begin), \(end)] lies outside the \(dataSize)-byte data section")
        }
        let (expectedBytes, overflow) = elements.multipliedReportingOverflow(by: dtype.byteSize)
        guard !overflow, expectedBytes == end - begin else {
            throw fail("data_offsets", "holds \(end - begin) bytes but shape \(shape) of \(dtype.rawValue) needs \(overflow ? "too many" : String(expectedBytes))")
        }
        return SafetensorsTensorInfo(name: name, dtype: dtype, shape: shape, dataRange: begin..<end)
    }

    private static func describe(_ error: Error) -> String {
        let text = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String
        return text ?? "\(error)"
    }

    public func info(_ name: String) -> SafetensorsTensorInfo? {
        index[name].map { tensors[$0] }
    }

    /// The tensor's bytes as stored (a view into the map: valid while this object lives).
    public func rawBytes(_ tensor: SafetensorsTensorInfo) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: file.bytes[(dataStart + tensor.dataRange.lowerBound)..<(dataStart + tensor.dataRange.upperBound)])
    }

    /// Converts the named tensor to Float, row-major.
    public func floats(_ name: String) throws -> [Float] {
        guard let tensor = info(name) else {
            throw CheckpointError(file: path, field: name, problem: "no such tensor")
        }
        var values = [Float](repeating: 0, count: tensor.elementCount)
        try values.withUnsafeMutableBufferPointer { try readFloats(tensor, into: $0) }
        return values
    }

    /// Reads an integer tensor (I8…I64, U8…U64, BOOL) as Int, row-major.
    public func integers(_ name: String) throws -> [Int] {
        guard let tensor = info(name) else {
            throw CheckpointError(file: path, field: name, problem: "no such tensor")
        }
        let source = rawBytes(tensor)
        let count = tensor.elementCount
        func load<T: FixedWidthInteger>(_: T.Type) -> [Int] {
            (0..<count).map { Int(truncatingIfNeeded: T(littleEndian: source.loadUnaligned(fromByteOffset: $0 * MemoryLayout<T>.size, as: T.self))) }
        }
        switch tensor.dtype {
        case .i8: return load(Int8.self)
        case .u8, .bool: return load(UInt8.self)
        case .i16: return load(Int16.self)
        case .u16: return load(UInt16.self)
        case .i32: return load(Int32.self)
        case .u32: return load(UInt32.self)
        case .i64: return load(Int64.self)
        case .u64: return load(UInt64.self)
        default:
            throw CheckpointError(file: path, field: "\(name).dtype", problem: "\(tensor.dtype.rawValue) is not an integer type")
        }
    }

    /// Converts a tensor to Float into `destination`, which must hold exactly its element count.
    public func readFloats(_ tensor: SafetensorsTensorInfo, into destination: UnsafeMutableBufferPointer<Float>) throws {
        guard destination.count == tensor.elementCount else {
            throw CheckpointError(file: path, field: tensor.name, problem: "has \(tensor.elementCount) elements but the destination holds \(destination.count)")
        }
        let source = rawBytes(tensor)
        let count = tensor.elementCount
        switch tensor.dtype {
        case .f32:
            for i in 0..<count { destination[i] = Float(bitPattern: UInt32(littleEndian: source.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
        case .f16:
            for i in 0..<count { destination[i] = HalfPrecision.floatFromHalf(UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) }
        case .bf16:
            for i in 0..<count { destination[i] = HalfPrecision.floatFromBFloat16(UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) }
        case .f64:
            for i in 0..<count { destination[i] = Float(Double(bitPattern: UInt64(littleEndian: source.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)))) }
        default:
            throw CheckpointError(file: path, field: "\(tensor.name).dtype", problem: "\(tensor.dtype.rawValue) cannot be read as floating point (supported: F32, F16, BF16, F64)")
        }
    }
}
