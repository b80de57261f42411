import Foundation

/// A message printed when the launcher stops this process. When one rank dies, `mpirun` stops the
/// others with SIGTERM while they wait in a collective; the notice tells the user where the run can
/// carry on from instead of leaving a silent exit.
public enum TerminationNotice {
    nonisolated(unsafe) private static var text: UnsafeMutablePointer<CChar>?
    nonisolated(unsafe) private static var length = 0

    /// Prints `message` (one line) on SIGTERM, then exits with 143 (128 + SIGTERM).
    public static func install(_ message: String) {
        let bytes = Array((message + "\n").utf8CString)
        let copy = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count)
        copy.initialize(from: bytes, count: bytes.count)
        let previous = text
        (text, length) = (copy, bytes.count - 1)
        previous?.deallocate()
        signal(SIGTERM) { _ in
            // only async-signal-safe calls here: write(2) and _exit(2)
            if let text = TerminationNotice.text { _ = write(2, text, TerminationNotice.length) }
            _exit(143)
        }
    }
}
