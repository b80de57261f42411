import Foundation

/// Every folder a test writes lives under one root per test process
/// (`$TMPDIR/rlvr-tests-<pid>`), removed when the process exits, so a test run leaves nothing behind.
public enum ScratchFolder {
    /// The root, created on first use with its removal registered for process exit.
    private static let root: URL = {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("rlvr-tests-\(ProcessInfo.processInfo.processIdentifier)")
        try? FileManager.default.removeItem(at: url)   // a stale root from a killed run with this pid
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: ScratchFolder.root) }
        return url
    }()

    /// A new, empty folder `<root>/<prefix>-<uuid>`.
    public static func make(_ prefix: String) throws -> String {
        let url = root.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }

    /// A path `<root>/<prefix>-<uuid><suffix>` that does not exist yet (for a file a test creates).
    public static func path(_ prefix: String, suffix: String = "") -> String {
        root.appendingPathComponent("\(prefix)-\(UUID().uuidString)\(suffix)").path
    }
}
