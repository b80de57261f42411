import Testing
import Checkpoints

/// FIPS 180-4 digests against Python's hashlib.
@Suite struct SHA256Tests {
    @Test func knownDigests() {
        #expect(SHA256.hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        // hashlib.sha256(bytes(range(256)) * 1000): many blocks, fed in uneven pieces below.
        let bytes = (0..<1000).flatMap { _ in (0..<256).map { UInt8($0) } }
        #expect(SHA256.hex(bytes) == "b57b64b198d5d59ce5a22a9b9f25e72a7d081476d432051aa923f3dbebb90934")
        var pieces = SHA256()
        var offset = 0
        for size in [1, 63, 64, 65, 7, 1000, 100_000] where offset < bytes.count {
            let end = min(bytes.count, offset + size)
            pieces.update(Array(bytes[offset..<end]))
            offset = end
        }
        pieces.update(Array(bytes[offset...]))
        #expect(pieces.finalize() == SHA256.hex(bytes))
    }
}
