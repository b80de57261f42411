import Foundation
import Testing
import Checkpoints
import TestSupport

@Suite struct MalformedFileTests {
    private func ggufError(_ bytes: [UInt8]) -> CheckpointError? {
        do {
            _ = try GGUFFile(mapped: MappedFile(copying: bytes, path: "bad.gguf"))
            return nil
        } catch let error as CheckpointError {
            return error
        } catch {
            Issue.record("unexpected error type \(error)")
            return nil
        }
    }

    private func expectGGUFError(_ bytes: [UInt8], field: String, mentioning words: String) {
        let error = ggufError(bytes)
        #expect(error != nil, "expected an error about \(field)")
        #expect(error?.file == "bad.gguf")
        #expect(error?.field.contains(field) == true, "field was \(error?.field ?? "-"): \(error?.description ?? "")")
        #expect(error?.problem.contains(words) == true, "problem was: \(error?.problem ?? "-")")
    }

    @Test func minimalValidFileParses() throws {
        var g = GGUFBytes()
        g.header(tensors: 1, kvs: 1)
        g.string("general.architecture"); g.u32(8); g.string("llama")
        g.f32Tensor("w", count: 4)
        g.padTo(32)
        for value: Float in [1, 2, 3, 4] { g.u32(value.bitPattern) }
        let file = try GGUFFile(mapped: MappedFile(copying: g.bytes, path: "ok.gguf"))
        #expect(try file.floats("w") == [1, 2, 3, 4])
    }

    @Test func wrongMagic() {
        expectGGUFError(Array("GGML".utf8) + [UInt8](repeating: 0, count: 20), field: "header.magic", mentioning: "not a GGUF file")
    }

    @Test func unsupportedVersions() {
        var v1 = GGUFBytes(); v1.header(version: 1, tensors: 0, kvs: 0)
        expectGGUFError(v1.bytes, field: "header.version", mentioning: "v1")
        var bigEndian = GGUFBytes(); bigEndian.header(version: UInt32(3).byteSwapped, tensors: 0, kvs: 0)
        expectGGUFError(bigEndian.bytes, field: "header.version", mentioning: "big-endian")
        var future = GGUFBytes(); future.header(version: 9, tensors: 0, kvs: 0)
        expectGGUFError(future.bytes, field: "header.version", mentioning: "unsupported version 9")
    }

    @Test func truncatedHeader() {
        expectGGUFError(Array("GGUF".utf8) + [3, 0], field: "header.version", mentioning: "truncated")
    }

    @Test func absurdCounts() {
        var g = GGUFBytes(); g.header(tensors: 1 << 62, kvs: 0)
        expectGGUFError(g.bytes, field: "header.tensor_count", mentioning: "cannot fit")
        var k = GGUFBytes(); k.header(tensors: 0, kvs: UInt64.max)
        expectGGUFError(k.bytes, field: "header.metadata_kv_count", mentioning: "cannot fit")
    }

    @Test func stringLengthOf2To62() {
        var g = GGUFBytes(); g.header(tensors: 0, kvs: 1)
        g.u64(1 << 62); g.bytes += Array("key".utf8) + [UInt8](repeating: 0, count: 64)
        expectGGUFError(g.bytes, field: "metadata[0].key", mentioning: "exceeds")
    }

    @Test func unknownValueAndArrayTypes() {
        var g = GGUFBytes(); g.header(tensors: 0, kvs: 1)
        g.string("k"); g.u32(13); g.u32(0)
        expectGGUFError(g.bytes, field: "metadata[\"k\"].type", mentioning: "unknown value type 13")
        var a = GGUFBytes(); a.header(tensors: 0, kvs: 1)
        a.string("arr"); a.u32(9); a.u32(77); a.u64(1); a.u32(0)
        expectGGUFError(a.bytes, field: "element_type", mentioning: "unknown value type 77")
    }

    @Test func hugeArrayCount() {
        var g = GGUFBytes(); g.header(tensors: 0, kvs: 1)
        g.string("tokenizer.ggml.tokens"); g.u32(9); g.u32(8); g.u64(1 << 61)
        expectGGUFError(g.bytes, field: "tokenizer.ggml.tokens", mentioning: "cannot fit")
    }

    @Test func invalidBoolAndUTF8() {
        var b = GGUFBytes(); b.header(tensors: 0, kvs: 1)
        b.string("flag"); b.u32(7); b.u8(2)
        expectGGUFError(b.bytes, field: "flag", mentioning: "0 or 1")
        var s = GGUFBytes(); s.header(tensors: 0, kvs: 1)
        s.u64(2); s.bytes += [0xC3, 0x28]; s.u32(4); s.u32(1)
        expectGGUFError(s.bytes, field: "metadata[0].key", mentioning: "UTF-8")
    }

    @Test func duplicateKey() {
        var g = GGUFBytes(); g.header(tensors: 0, kvs: 2)
        g.string("k"); g.u32(4); g.u32(1)
        g.string("k"); g.u32(4); g.u32(2)
        expectGGUFError(g.bytes, field: "metadata[\"k\"]", mentioning: "twice")
    }

    @Test func badAlignment() {
        var g = GGUFBytes(); g.header(tensors: 0, kvs: 1)
        g.string("general.alignment"); g.u32(4); g.u32(24)
        expectGGUFError(g.bytes, field: "general.alignment", mentioning: "power of two")
    }

    @Test func tensorPastTheEndOfTheFile() {
        var g = GGUFBytes(); g.header(tensors: 1, kvs: 0)
        g.f32Tensor("w", count: 1000)
        g.padTo(32)
        g.bytes += [UInt8](repeating: 0, count: 16)
        expectGGUFError(g.bytes, field: "tensor \"w\".offset", mentioning: "run past its end")
        var far = GGUFBytes(); far.header(tensors: 1, kvs: 0)
        far.f32Tensor("w", count: 1, offset: 1 << 40)
        expectGGUFError(far.bytes, field: "tensor \"w\".offset", mentioning: "past the end")
    }

    @Test func tensorShapeProblems() {
        var dims = GGUFBytes(); dims.header(tensors: 1, kvs: 0)
        dims.string("w"); dims.u32(5); dims.bytes += [UInt8](repeating: 0, count: 64)
        expectGGUFError(dims.bytes, field: "n_dims", mentioning: "expected 1–4")
        var block = GGUFBytes(); block.header(tensors: 1, kvs: 0)
        block.string("q"); block.u32(1); block.u64(33); block.u32(8); block.u64(0)
        expectGGUFError(block.bytes, field: "tensor \"q\".ne[0]", mentioning: "block size 32")
        var type = GGUFBytes(); type.header(tensors: 1, kvs: 0)
        type.string("t"); type.u32(1); type.u64(4); type.u32(4); type.u64(0)
        expectGGUFError(type.bytes, field: "tensor \"t\".type", mentioning: "unknown ggml type 4")
        var misaligned = GGUFBytes(); misaligned.header(tensors: 1, kvs: 0)
        misaligned.f32Tensor("m", count: 1, offset: 4)
        expectGGUFError(misaligned.bytes, field: "tensor \"m\".offset", mentioning: "alignment")
    }

    // MARK: safetensors

    private func safetensors(header: String, data: [UInt8] = []) -> [UInt8] {
        var bytes: [UInt8] = []
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { bytes += $0 }
        return bytes + Array(header.utf8) + data
    }

    private func expectSafetensorsError(_ bytes: [UInt8], field: String, mentioning words: String) {
        do {
            _ = try SafetensorsFile(mapped: MappedFile(copying: bytes, path: "bad.safetensors"))
            Issue.record("expected an error about \(field)")
        } catch let error as CheckpointError {
            #expect(error.file == "bad.safetensors")
            #expect(error.field.contains(field), "field was \(error.field): \(error)")
            #expect(error.problem.contains(words), "problem was: \(error.problem)")
        } catch {
            Issue.record("unexpected error type \(error)")
        }
    }

    @Test func safetensorsHeaderProblems() {
        expectSafetensorsError(safetensors(header: "{not json"), field: "header", mentioning: "not valid JSON")
        expectSafetensorsError(safetensors(header: "[1, 2]"), field: "header", mentioning: "JSON object")
        var huge: [UInt8] = []
        withUnsafeBytes(of: UInt64(1 << 62).littleEndian) { huge += $0 }
        expectSafetensorsError(huge + [0x7B], field: "header length", mentioning: "limit")
        expectSafetensorsError(safetensors(header: "{}").dropLast(1).map { $0 }, field: "header", mentioning: "truncated")
        expectSafetensorsError(safetensors(header: #"{"__metadata__": {"a": 1}}"#), field: "__metadata__.a", mentioning: "string")
    }

    @Test func safetensorsTensorProblems() {
        let four = [UInt8](repeating: 0, count: 16)
        expectSafetensorsError(safetensors(header: #"{"w": {"dtype": "F33", "shape": [4], "data_offsets": [0, 16]}}"#, data: four),
                               field: "w.dtype", mentioning: "unknown dtype")
        expectSafetensorsError(safetensors(header: #"{"w": {"dtype": "F32", "shape": [5], "data_offsets": [0, 16]}}"#, data: four),
                               field: "w.data_offsets", mentioning: "needs 20")
        expectSafetensorsError(safetensors(header: #"{"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 1600]}}"#, data: four),
                               field: "w.data_offsets", mentioning: "outside")
        expectSafetensorsError(safetensors(header: #"{"w": {"dtype": "F32", "shape": [-4], "data_offsets": [0, 16]}}"#, data: four),
                               field: "w.shape", mentioning: "non-negative")
        expectSafetensorsError(safetensors(header: #"{"w": {"dtype": "F32", "shape": [4611686018427387904, 4], "data_offsets": [0, 16]}}"#, data: four),
                               field: "w.shape", mentioning: "too many")
        expectSafetensorsError(safetensors(header: #"{"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}, "b": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}}"#, data: four),
                               field: "data_offsets", mentioning: "overlaps")
        expectSafetensorsError(safetensors(header: #"{"w": {"dtype": "F32", "shape": [4]}}"#, data: four),
                               field: "w.data_offsets", mentioning: "[begin, end]")
    }

    @Test func nonFloatDtypeIsListedButNotConverted() throws {
        let bytes = safetensors(header: #"{"ids": {"dtype": "I64", "shape": [2], "data_offsets": [0, 16]}}"#, data: [UInt8](repeating: 1, count: 16))
        let file = try SafetensorsFile(mapped: MappedFile(copying: bytes, path: "ids.safetensors"))
        #expect(file.info("ids")?.dtype == .i64)
        #expect(throws: CheckpointError.self) { try file.floats("ids") }
    }

    @Test func missingAndEmptyFiles() throws {
        #expect(throws: CheckpointError.self) { try GGUFFile(path: "/nonexistent/model.gguf") }
        let folder = try Fixtures.temporaryDirectory()
        #expect(FileManager.default.createFile(atPath: folder + "/empty.gguf", contents: Data()))
        #expect(throws: CheckpointError.self) { try GGUFFile(path: folder + "/empty.gguf") }
        #expect(throws: CheckpointError.self) { try SafetensorsFile(path: folder) }   // a folder
    }
}
