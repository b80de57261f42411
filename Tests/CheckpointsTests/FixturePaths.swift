import Foundation
import Testing
import TestSupport

/// Paths of committed fixtures and of the (optional, git-ignored) real model.
enum Fixtures {
    static func path(_ relative: String) throws -> String {
        let base = try #require(Bundle.module.resourceURL, "test bundle has no resources")
        return base.appendingPathComponent("Fixtures").appendingPathComponent(relative).path
    }

    static func json(_ relative: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: try path(relative)))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// The package root, found from this source file's location.
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `make model` puts SmolLM2-135M-Instruct here; tests that need it are skipped when it is absent.
    static let realModelPath = packageRoot.appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf").path
    static var realModelPresent: Bool { FileManager.default.fileExists(atPath: realModelPath) }

    static func temporaryDirectory() throws -> String {
        try ScratchFolder.make("rlvr-checkpoints")
    }
}

/// Float lists from JSON (NSNumber → Float, exact for float32 values written as their float64 repr).
func floats(_ value: Any?) -> [Float] {
    (value as? [Any] ?? []).map { Float(($0 as? NSNumber)?.doubleValue ?? .nan) }
}
