import Foundation

/// Where trainers' messages go: on a terminal a status line (progress bar, loss, tokens/s, ETA)
/// rewritten in place with kept lines printed above it; otherwise (a log file, CI) plain lines.
enum TerminalProgress {
    static let isTerminal = isatty(STDOUT_FILENO) != 0

    static let log: @Sendable (String) -> Void = { line in
        if isTerminal {
            StandardOutput.write("\r\u{1B}[K" + line + "\n")
            fflush(stdout)
        } else {
            print(line)
            fflush(stdout)
        }
    }

    static var status: (@Sendable (String) -> Void)? {
        guard isTerminal else { return nil }
        return { line in
            StandardOutput.write("\r\u{1B}[K" + line)
            fflush(stdout)
        }
    }
}
