#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The lines of JSON Lines bytes as the readers count them: numbered from 1, blank lines (only
/// spaces, tabs and `\r`) counted but not passed on.
enum RowLines {
    /// Calls `body(line, bytes)` for each non-blank line, in order, until it returns false; returns
    /// how many lines it went through.
    @discardableResult
    static func forEach(in text: UnsafeRawBufferPointer, _ body: (Int, UnsafeRawBufferPointer) throws -> Bool) rethrows -> Int {
        guard let base = text.baseAddress else { return 0 }
        var start = 0, line = 0
        while start < text.count {
            let newline = memchr(base + start, Int32(UInt8(ascii: "\n")), text.count - start)
            let end = newline.map { UnsafeRawPointer($0) - base } ?? text.count
            line += 1
            let bytes = UnsafeRawBufferPointer(rebasing: text[start..<end])
            start = end + 1
            guard bytes.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else { continue }
            guard try body(line, bytes) else { break }
        }
        return line
    }
}
