import Foundation
import Testing
import Checkpoints

@Suite struct SafetensorsTests {
    @Test func readsFileWrittenByPythonSafetensors() throws {
        let expected = try Fixtures.json("safetensors/python_written.expected.json")
        let file = try SafetensorsFile(path: try Fixtures.path("safetensors/python_written.safetensors"))
        #expect(file.metadata == expected["metadata"] as? [String: String])
        let tensors = try #require(expected["tensors"] as? [String: [String: Any]])
        #expect(Set(file.tensors.map(\.name)) == Set(tensors.keys))
        for (name, entry) in tensors {
            let info = try #require(file.info(name))
            #expect(info.dtype.rawValue == entry["dtype"] as? String)
            #expect(info.shape == entry["shape"] as? [Int])
            let values = try file.floats(name)
            #expect(values.map(\.bitPattern) == floats(entry["values"]).map(\.bitPattern), "\(name)")
        }
    }

    /// The tensors of `swift_written.safetensors`: every writable dtype, a scalar, an empty tensor,
    /// values that need rounding, and a name that needs JSON escaping.
    static let sampleTensors: [(name: String, dtype: SafetensorsDType, shape: [Int], values: [Float])] = [
        ("model.embed_tokens.weight", .f32, [3, 4], (0..<12).map { Float($0) * 0.25 - 1 }),
        ("model.norm.weight", .f16, [5], [1, 0.1, -65504, 0x1p-24, 1 + 0x1p-11]),
        ("score.weight", .bf16, [1, 3], [0.1, -3.14159, 1 + 0x1p-8]),
        ("scalar", .f32, [], [42]),
        ("empty", .f32, [0, 7], []),
        ("name with \"quotes\"\n", .f32, [2], [.infinity, -0.0]),
    ]

    @Test func writerRoundTripsWithTheDocumentedRounding() throws {
        let folder = try Fixtures.temporaryDirectory()
        let path = folder + "/out.safetensors"
        try SafetensorsWriter.write(arrays: Self.sampleTensors, metadata: ["format": "pt"], to: path)
        let file = try SafetensorsFile(path: path)
        #expect(file.metadata == ["format": "pt"])
        #expect(file.tensors.map(\.name) == Self.sampleTensors.map(\.name))
        for tensor in Self.sampleTensors {
            let info = try #require(file.info(tensor.name))
            #expect(info.dtype == tensor.dtype)
            #expect(info.shape == tensor.shape)
            let rounded: [Float] = tensor.values.map {
                switch tensor.dtype {
                case .f16: return HalfPrecision.floatFromHalf(HalfPrecision.halfFromFloat($0))
                case .bf16: return HalfPrecision.floatFromBFloat16(HalfPrecision.bfloat16FromFloat($0))
                default: return $0
                }
            }
            #expect(try file.floats(tensor.name).map(\.bitPattern) == rounded.map(\.bitPattern))
        }
        // Data begins 8-byte aligned: the header length is a multiple of 8.
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) } % 8 == 0)
    }

    /// `swift_written.safetensors` was read back by the Python package (`scripts/check_safetensors.py`,
    /// output committed beside it); this test keeps the writer producing exactly those bytes.
    @Test func writerOutputIsTheFileThePythonPackageReadBack() throws {
        let committed = try Fixtures.path("safetensors/swift_written.safetensors")
        let folder = try Fixtures.temporaryDirectory()
        let path = folder + "/swift_written.safetensors"
        try SafetensorsWriter.write(arrays: Self.sampleTensors, metadata: ["format": "pt", "writer": "rlvr"], to: path)
        if ProcessInfo.processInfo.environment["RLVR_REGENERATE_FIXTURES"] == "1" {
            let target = Fixtures.packageRoot.appendingPathComponent("Tests/CheckpointsTests/Fixtures/safetensors/swift_written.safetensors").path
            try? FileManager.default.removeItem(atPath: target)
            try FileManager.default.copyItem(atPath: path, toPath: target)
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(contentsOf: URL(fileURLWithPath: committed)))
    }

    @Test func failedWriteLeavesTheOldFileAndNoTemporary() throws {
        let folder = try Fixtures.temporaryDirectory()
        let path = folder + "/model.safetensors"
        try SafetensorsWriter.write(arrays: [("a", .f32, [2], [1, 2])], to: path)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(throws: CheckpointError.self) {
            try SafetensorsWriter.write(arrays: [("a", .f32, [3], [1, 2])], to: path)   // shape needs 3 values
        }
        #expect(throws: CheckpointError.self) {
            try SafetensorsWriter.write(arrays: [("a", .f32, [1], [1]), ("a", .f32, [1], [2])], to: path)   // duplicate
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["model.safetensors"])
    }

    @Test func overwriteReplacesAtomically() throws {
        let folder = try Fixtures.temporaryDirectory()
        let path = folder + "/m.safetensors"
        try SafetensorsWriter.write(arrays: [("a", .f32, [1], [1])], to: path)
        try SafetensorsWriter.write(arrays: [("b", .bf16, [2], [3, 4])], to: path)
        let file = try SafetensorsFile(path: path)
        #expect(file.tensors.map(\.name) == ["b"])
        #expect(try file.floats("b") == [3, 4])
    }
}
