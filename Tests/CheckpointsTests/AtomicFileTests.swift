import Foundation
import Testing
@testable import Checkpoints

/// Files are replaced whole; devices are written in place, never replaced by a renamed file.
@Suite struct AtomicFileTests {
    @Test func regularFilesAreReplacedWhole() throws {
        let path = NSTemporaryDirectory() + "rlvr-atomic-\(UUID().uuidString).txt"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("old".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: CheckpointError.self) {
            try AtomicFile.write(to: path) { _ in throw CheckpointError(file: path, field: "", problem: "stopped halfway") }
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "old")
        try AtomicFile.write(to: path) { sink in try Array("new".utf8).withUnsafeBytes { try sink.write($0) } }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "new")
    }

    /// `--out /dev/full` is "no space left", and /dev/full stays the device (a rename over it, as root,
    /// would have put a regular file there).
    @Test(.enabled(if: AtomicFile.isSpecialFile("/dev/full")))
    func devicesAreWrittenInPlace() throws {
        #expect(throws: CheckpointError.self) {
            try AtomicFile.write(to: "/dev/full") { sink in try Array("x".utf8).withUnsafeBytes { try sink.write($0) } }
        }
        #expect(AtomicFile.isSpecialFile("/dev/full"))
        try AtomicFile.write(to: "/dev/null") { sink in try Array("x".utf8).withUnsafeBytes { try sink.write($0) } }
        #expect(AtomicFile.isSpecialFile("/dev/null"))
    }
}
