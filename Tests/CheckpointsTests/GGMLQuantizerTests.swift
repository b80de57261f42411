import Foundation
import Testing
@testable import Checkpoints

/// ggml's reference quantizers, against bytes made by the `gguf` Python package's numpy ports of them
/// (`scripts/make_ggml_quant_fixtures.py`), and the GGUF writer against the reader.
@Suite struct GGMLQuantizerTests {
    static func fixture() throws -> (values: [Float], bytes: [String: [UInt8]]) {
        let json = try Fixtures.json("ggml_quants.json")
        let values = try #require(json["values"] as? [Double]).map(Float.init)
        let hex = try #require(json["bytes"] as? [String: String])
        return (values, hex.mapValues { text in
            stride(from: 0, to: text.count, by: 2).map { offset in
                let start = text.index(text.startIndex, offsetBy: offset)
                return UInt8(text[start..<text.index(start, offsetBy: 2)], radix: 16)!
            }
        })
    }

    @Test(arguments: [GGMLType.q8_0, .q4_0, .q4_1, .q5_0, .q4_K])
    func bytesAreTheReferenceQuantizers(type: GGMLType) throws {
        let (values, expected) = try Self.fixture()
        let bytes = try #require(expected[type.name], "the fixture has no \(type.name) bytes (Q4_K needs --ggml-quants)")
        let got = values.withUnsafeBufferPointer { GGMLQuantizer.quantize(type, $0) }
        #expect(got.count == bytes.count)
        let firstDifference = zip(got, bytes).enumerated().first { $0.element.0 != $0.element.1 }?.offset
        #expect(firstDifference == nil, "\(type.name): first differing byte at \(firstDifference ?? -1) (block \((firstDifference ?? 0) / type.blockBytes))")
    }

    /// Dequantised values are within one step of the block's grid (half a step of rounding, plus the
    /// scale's own f16 rounding, or the top level the 4-bit symmetric types clamp), f16 within half an ulp.
    @Test(arguments: GGMLQuantizer.quantizable)
    func dequantisedValuesAreWithinTheTypesError(type: GGMLType) throws {
        let values = try Self.fixture().values
        let bytes = values.withUnsafeBufferPointer { GGMLQuantizer.quantize(type, $0) }
        var back = [Float](repeating: .nan, count: values.count)
        bytes.withUnsafeBytes { raw in back.withUnsafeMutableBufferPointer { GGMLDequantizer.dequantize(type, from: raw, into: $0) } }
        let steps: [GGMLType: Float] = [.q8_0: 127, .q4_0: 8, .q4_1: 15, .q5_0: 16, .q4_K: 15]
        for start in stride(from: 0, to: values.count, by: type.blockSize == 1 ? 1 : (type == .q4_K ? 256 : 32)) {
            let block = Array(values[start..<start + (type == .q4_K ? 256 : max(type.blockSize, 1))])
            let got = Array(back[start..<start + block.count])
            let error = zip(block, got).map { abs($0 - $1) }.max()!
            switch type {
            case .f32: #expect(error == 0)
            case .f16: #expect(error <= abs(block[0]) * 0x1p-11 + 0x1p-25)
            default:
                let span = block.max()! - min(block.min()!, 0)
                #expect(error <= span / steps[type]! * 1.01 + 1e-7, "\(type.name) block at \(start): error \(error), span \(span)")
            }
        }
    }

    @Test func writtenFilesReadBack() throws {
        let path = NSTemporaryDirectory() + "rlvr-writer-\(UUID().uuidString).gguf"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let metadata: [(key: String, value: GGUFValue)] = [
            ("general.architecture", .string("llama")), ("a.u8", .uint8(200)), ("a.i8", .int8(-3)), ("a.u16", .uint16(65000)),
            ("a.i16", .int16(-300)), ("a.u32", .uint32(4_000_000_000)), ("a.i32", .int32(-7)), ("a.u64", .uint64(1 << 40)),
            ("a.i64", .int64(-(1 << 40))), ("a.f32", .float32(1e-5)), ("a.f64", .float64(0.1)), ("a.bool", .bool(true)),
            ("a.strings", .array(elementType: .string, values: [.string("Ġthe"), .string("<|im_end|>")])),
            ("a.ints", .array(elementType: .int32, values: [.int32(1), .int32(3)])),
        ]
        let values: [Float] = (0..<96).map { Float($0) * 0.01 - 0.4 }
        let tensors = [
            GGUFTensorToWrite(name: "one", type: .f32, dimensions: [3]) { values.prefix(3).withUnsafeBufferPointer { GGMLQuantizer.quantize(.f32, $0) } },
            GGUFTensorToWrite(name: "two", type: .q8_0, dimensions: [32, 3]) { values.withUnsafeBufferPointer { GGMLQuantizer.quantize(.q8_0, $0) } },
        ]
        try GGUFWriter.write(metadata: metadata, tensors: tensors, to: path)
        let file = try GGUFFile(path: path)
        #expect(file.version == 3)
        #expect(file.metadata.map(\.key) == metadata.map(\.key))
        for (key, value) in metadata { #expect(file[key] == value, "\(key)") }
        #expect(file.tensors.map(\.name) == ["one", "two"] && file.tensors[1].shape == [3, 32])
        #expect(file.tensors.allSatisfy { $0.offset % 32 == 0 })
        #expect(try file.floats("one") == Array(values.prefix(3)))
        #expect(try zip(file.floats("two"), values).allSatisfy { abs($0 - $1) < 0.005 })   // Q8_0: amax 0.55 → steps of 0.0043
        // a tensor whose rows are not whole blocks is refused, naming it
        #expect(throws: CheckpointError.self) {
            try GGUFWriter.write(metadata: [], tensors: [GGUFTensorToWrite(name: "odd", type: .q4_0, dimensions: [20]) { [] }], to: path)
        }
    }
}
