import Foundation
import Testing
import Checkpoints
import TestSupport

/// Mutates real checkpoint files (truncations, byte flips, length fields set to huge values) and
/// requires every attempt to end in a parsed file or a thrown `CheckpointError`: never a crash, a
/// trap or a read outside the buffer. A parsed file also has every tensor converted, so mutated
/// offsets and sizes that slip past the header checks are exercised too.
@Suite struct CorruptionFuzzTests {
    enum Kind { case gguf, safetensors }

    struct Tally: CustomStringConvertible {
        var parsed = 0, rejected = 0
        var description: String { "\(parsed) parsed, \(rejected) rejected" }
    }

    private func attempt(_ bytes: [UInt8], kind: Kind, tally: inout Tally) {
        do {
            let file = try MappedFile(copying: bytes, path: "mutant")
            switch kind {
            case .gguf:
                let gguf = try GGUFFile(mapped: file)
                for tensor in gguf.tensors where tensor.type.canDequantize { _ = try gguf.floats(tensor) }
            case .safetensors:
                let st = try SafetensorsFile(mapped: file)
                for tensor in st.tensors where tensor.dtype.isReadableAsFloat { _ = try st.floats(tensor.name) }
            }
            tally.parsed += 1
        } catch is CheckpointError {
            tally.rejected += 1
        } catch {
            Issue.record("a mutant raised \(type(of: error)) instead of CheckpointError: \(error)")
        }
    }

    private func mutate(_ original: [UInt8], kind: Kind, headerEnd: Int, seed: UInt64, flips: Int) -> Tally {
        var tally = Tally()
        // Truncation at every offset in the header and at a stride through the data.
        var cuts = Array(0..<min(headerEnd + 64, original.count))
        cuts += stride(from: headerEnd + 64, to: original.count, by: 97)
        for cut in cuts { attempt(Array(original[0..<cut]), kind: kind, tally: &tally) }
        // Length and count fields set to huge values: every 8-byte window of the header.
        for offset in 0..<max(0, min(headerEnd, original.count) - 8) {
            for huge: UInt64 in [1 << 62, UInt64.max, 1 << 32, UInt64(original.count)] {
                var bytes = original
                withUnsafeBytes(of: huge.littleEndian) { for (i, b) in $0.enumerated() { bytes[offset + i] = b } }
                attempt(bytes, kind: kind, tally: &tally)
            }
        }
        // Random byte flips, one to four at a time, mostly in the header.
        var random = SplitMix64(state: seed)
        for _ in 0..<flips {
            var bytes = original
            for _ in 0...random.below(4) {
                let inHeader = random.below(4) != 0
                let index = inHeader ? random.below(min(headerEnd, bytes.count)) : random.below(bytes.count)
                bytes[index] ^= UInt8(1 + random.below(255))
            }
            attempt(bytes, kind: kind, tally: &tally)
        }
        return tally
    }

    @Test(arguments: ["gguf/all_types.gguf", "gguf/all_types_v2.gguf"])
    func ggufFixtures(file: String) throws {
        let path = try Fixtures.path(file)
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        let headerEnd = try GGUFFile(path: path).dataOffset
        let tally = mutate(bytes, kind: .gguf, headerEnd: headerEnd, seed: 7, flips: 400)
        #expect(tally.rejected > 0 && tally.parsed > 0, "\(tally)")
    }

    @Test(arguments: ["safetensors/python_written.safetensors", "safetensors/swift_written.safetensors"])
    func safetensorsFixtures(file: String) throws {
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: try Fixtures.path(file))))
        let headerEnd = 8 + Int(bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        let tally = mutate(bytes, kind: .safetensors, headerEnd: headerEnd, seed: 11, flips: 400)
        #expect(tally.rejected > 0 && tally.parsed > 0, "\(tally)")
    }

    /// The real model's 1.8 MB header (tokenizer vocabulary, merges, 272 tensor infos) mutated in
    /// place; the data section is cut off, so successful parses are impossible and every mutant must
    /// be rejected cleanly.
    @Test(.enabled(if: Fixtures.realModelPresent, "models/SmolLM2-135M-Instruct.Q4_1.gguf is absent: run `make model`"))
    func realModelHeader() throws {
        let full = try GGUFFile(path: Fixtures.realModelPath)
        let handle = try #require(FileHandle(forReadingAtPath: Fixtures.realModelPath))
        let header = Array(try #require(try handle.read(upToCount: full.dataOffset + 4096)))
        var tally = Tally()
        var random = SplitMix64(state: 3)
        for _ in 0..<120 {
            var bytes = header
            switch random.below(3) {
            case 0: bytes = Array(bytes[0..<random.below(bytes.count)])
            case 1:
                let offset = random.below(bytes.count - 8)
                withUnsafeBytes(of: (UInt64(1) << 62).littleEndian) { for (i, b) in $0.enumerated() { bytes[offset + i] = b } }
            default:
                for _ in 0..<8 { bytes[random.below(bytes.count)] ^= UInt8(1 + random.below(255)) }
            }
            attempt(bytes, kind: .gguf, tally: &tally)
        }
        #expect(tally.rejected > 0, "\(tally)")
    }
}
