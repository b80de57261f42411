import Diagnostics
import Foundation

/// Reads a whole input file the way Unix tools do: a path, `-` for standard input, or a pipe such as
/// `/dev/stdin` or a shell's `<(…)`; a failure says why in words.
public enum InputFile {
    public struct Problem: BadInput {
        public let description: String
    }

    /// `path`'s bytes; `-` reads standard input to its end.
    public static func read(_ path: String) throws -> Data {
        if path == "-" { return FileHandle.standardInput.readDataToEndOfFile() }
        var status = stat()
        guard stat(path, &status) == 0 else { throw Problem(description: "\(path): \(String(cString: strerror(errno)))") }
        if status.st_mode & S_IFMT == S_IFDIR { throw Problem(description: "\(path): is a folder, not a file") }
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw Problem(description: "\(path): cannot be read: \(String(cString: strerror(errno)))") }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        do {
            return try handle.readToEnd() ?? Data()
        } catch {
            throw Problem(description: "\(path): cannot be read: \(error.localizedDescription)")
        }
    }
}
