import Foundation
import Testing
@testable import Checkpoints

/// TensorBoard event files: CRC-32C against RFC 3720's vectors, the TFRecord framing, and the events
/// against a golden file that TensorBoard's own reader decoded (`scripts/check_tensorboard.py --golden`).
@Suite struct TensorBoardTests {
    @Test func crc32cMatchesTheRFCVectors() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)        // RFC 3720 B.4
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum(Array(0...31)) == 0x46DD_794E)
    }

    @Test func framedRecordsReadBackAndCorruptionIsCaught() {
        let payloads: [[UInt8]] = [[], [1, 2, 3], Array(repeating: 7, count: 300)]
        let stream = payloads.flatMap(TFRecord.frame)
        #expect(TFRecord.records(stream) == payloads)
        for position in [0, 9, 14, stream.count - 1] {
            var broken = stream
            broken[position] ^= 0x10
            #expect(TFRecord.records(broken) == nil, "byte \(position)")
        }
        #expect(TFRecord.records(Array(stream.dropLast())) == nil)
    }

    /// The bytes of a small log, with fixed wall times, equal the committed golden file.
    @Test func eventsMatchTheGoldenFile() throws {
        let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path + "/Fixtures/tensorboard/events.out.tfevents.1765000000.rlvr"
        #expect(try Array(Data(contentsOf: URL(fileURLWithPath: golden))) == Self.goldenStream())
    }

    /// Version record; step 1 with loss 0.75, lr 3e-6 and a nested verified rate; step 2; a restart
    /// after step 1; step 2 again with other values.
    static func goldenStream() -> [UInt8] {
        let t = 1_765_000_000.0
        let events: [[UInt8]] = [
            TensorBoardEvent.fileVersion(wallTime: t),
            TensorBoardEvent.scalars([("loss", 0.75), ("lr", 3e-6), ("verified/ifeval", 0.25)], step: 1, wallTime: t + 1),
            TensorBoardEvent.scalars([("loss", 0.5), ("lr", 3e-6), ("verified/ifeval", 0.5)], step: 2, wallTime: t + 2),
            TensorBoardEvent.sessionStart(step: 2, wallTime: t + 3),
            TensorBoardEvent.scalars([("loss", 0.625), ("lr", 3e-6), ("verified/ifeval", 0.375)], step: 2, wallTime: t + 4),
        ]
        return events.flatMap(TFRecord.frame)
    }

    @Test func metricsLinesBecomeScalars() throws {
        let folder = NSTemporaryDirectory() + "rlvr-tb-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let log = try TensorBoardLog(folder: folder, wallTime: 5)
        try log.append(metrics: ["step": 3, "loss": 1.5, "tokens": 40, "stopped": true, "name": "x", "verified": ["gsm8k": 0.5], "ones": 1, "zeros": 0], wallTime: 6)
        try log.append(metrics: ["loss": 1.0], wallTime: 7)                 // no step: nothing written
        #expect(try TensorBoardLog(folder: folder).file == log.file)         // reopened, not a second file
        let records = try #require(TFRecord.records(Array(Data(contentsOf: URL(fileURLWithPath: log.file)))))
        #expect(records.count == 2)
        #expect(records[1] == TensorBoardEvent.scalars([("loss", 1.5), ("ones", 1), ("tokens", 40), ("verified/gsm8k", 0.5), ("zeros", 0)], step: 3, wallTime: 6))
    }
}
