#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A tensor to write: Float values converted to `dtype` on the way out.
public struct SafetensorsTensorToWrite {
    public var name: String
    public var dtype: SafetensorsDType
    /// Row-major shape, outermost first.
    public var shape: [Int]
    /// The caller keeps the memory alive during `SafetensorsWriter.write`.
    public var values: UnsafeBufferPointer<Float>

    public init(name: String, dtype: SafetensorsDType = .f32, shape: [Int], values: UnsafeBufferPointer<Float>) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.values = values
    }
}

/// Writes safetensors files atomically: the bytes go to a temporary file in the destination folder,
/// which is flushed (`fsync`) and then renamed over the destination, so a crash leaves either the
/// old file or the new one, never a torn one.
///
/// Layout: tensors in the order given, each starting where the previous ends (every dtype here has
/// size ≤ 8 and the header is padded with spaces to a multiple of 8, so all data stays aligned).
public enum SafetensorsWriter {
    public static func write(_ tensors: [SafetensorsTensorToWrite], metadata: [String: String] = [:], to path: String) throws {
        var seen = Set<String>()
        var offset = 0
        var entries: [String] = []
        for tensor in tensors {
            func fail(_ problem: String) -> CheckpointError {
                CheckpointError(file: path, field: tensor.name, problem: problem)
            }
            guard !tensor.name.isEmpty, tensor.name != "__metadata__" else { throw fail("is not a valid tensor name") }
            guard seen.insert(tensor.name).inserted else { throw fail("appears twice") }
            guard tensor.dtype.isWritableFromFloat else { throw fail("dtype \(tensor.dtype.rawValue) cannot be written from Float (use F32, F16 or BF16)") }
            guard tensor.shape.allSatisfy({ $0 >= 0 }) else { throw fail("shape \(tensor.shape) has a negative dimension") }
            let count = tensor.shape.reduce(1, *)
            guard count == tensor.values.count else {
                throw fail("shape \(tensor.shape) needs \(count) values but \(tensor.values.count) were given")
            }
            let size = count * tensor.dtype.byteSize
            let shapeText = tensor.shape.map(String.init).joined(separator: ",")
            entries.append("\(jsonString(tensor.name)):{\"dtype\":\"\(tensor.dtype.rawValue)\",\"shape\":[\(shapeText)],\"data_offsets\":[\(offset),\(offset + size)]}")
            offset += size
        }
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
            entries.insert("\"__metadata__\":{\(pairs.joined(separator: ","))}", at: 0)
        }
        var header = Array("{\(entries.joined(separator: ","))}".utf8)
        while header.count % 8 != 0 { header.append(UInt8(ascii: " ")) }

        try AtomicFile.write(to: path) { sink in
            var length = UInt64(header.count).littleEndian
            try withUnsafeBytes(of: &length) { try sink.write($0) }
            try header.withUnsafeBytes { try sink.write($0) }
            for tensor in tensors {
                try writeConverted(tensor, to: sink)
            }
        }
    }

    /// Convenience for small tensors held in arrays.
    public static func write(arrays: [(name: String, dtype: SafetensorsDType, shape: [Int], values: [Float])], metadata: [String: String] = [:], to path: String) throws {
        let all = arrays.flatMap(\.values)
        try all.withUnsafeBufferPointer { buffer in
            var start = 0
            var tensors: [SafetensorsTensorToWrite] = []
            for array in arrays {
                let slice = UnsafeBufferPointer(rebasing: buffer[start..<(start + array.values.count)])
                tensors.append(SafetensorsTensorToWrite(name: array.name, dtype: array.dtype, shape: array.shape, values: slice))
                start += array.values.count
            }
            try write(tensors, metadata: metadata, to: path)
        }
    }

    private static func writeConverted(_ tensor: SafetensorsTensorToWrite, to sink: AtomicFile.Sink) throws {
        let chunk = 1 << 16
        var staging = [UInt8](repeating: 0, count: chunk * tensor.dtype.byteSize)
        var start = 0
        while start < tensor.values.count {
            let end = min(start + chunk, tensor.values.count)
            try staging.withUnsafeMutableBytes { out in
                for i in start..<end {
                    let j = i - start
                    switch tensor.dtype {
                    case .f32: out.storeBytes(of: tensor.values[i].bitPattern.littleEndian, toByteOffset: 4 * j, as: UInt32.self)
                    case .f16: out.storeBytes(of: HalfPrecision.halfFromFloat(tensor.values[i]).littleEndian, toByteOffset: 2 * j, as: UInt16.self)
                    case .bf16: out.storeBytes(of: HalfPrecision.bfloat16FromFloat(tensor.values[i]).littleEndian, toByteOffset: 2 * j, as: UInt16.self)
                    default: preconditionFailure("checked before writing")
                    }
                }
                try sink.write(UnsafeRawBufferPointer(rebasing: out[0..<((end - start) * tensor.dtype.byteSize)]))
            }
            start = end
        }
    }

    /// A JSON string literal with the escapes RFC 8259 requires.
    static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
