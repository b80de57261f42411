import Foundation

/// What the commands write to standard output goes through the C stream `print` uses, so that every
/// failed write (a full disk, `> /dev/full`) is noticed: `CommandLineEntry` flushes the stream when
/// a command ends and turns an error into one line and exit code 1.
enum StandardOutput {
    static func write(_ text: String) {
        fputs(text, stdout)
    }

    static func write(_ data: Data) {
        data.withUnsafeBytes { bytes in _ = fwrite(bytes.baseAddress, 1, bytes.count, stdout) }
    }

    /// Flushes standard output; the reason in words when this or an earlier write failed, else nil.
    static func flushFailure() -> String? {
        if fflush(stdout) != 0 { return String(cString: strerror(errno)) }
        if ferror(stdout) != 0 { return "an earlier write failed" }
        return nil
    }
}
