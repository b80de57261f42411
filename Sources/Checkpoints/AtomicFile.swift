#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a file so that readers see either the old content or the complete new content: write to
/// `<path>.tmp-<pid>` in the same folder, fsync, rename over `path`, then fsync the folder.
public enum AtomicFile {
    public final class Sink {
        fileprivate let fd: Int32
        fileprivate let path: String
        fileprivate init(fd: Int32, path: String) { self.fd = fd; self.path = path }

        public func write(_ bytes: UnsafeRawBufferPointer) throws {
            var done = 0
            while done < bytes.count {
                let wrote = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
                if wrote < 0 {
                    if errno == EINTR { continue }
                    throw CheckpointError(file: path, field: "", problem: "write failed: \(systemErrorText())")
                }
                done += wrote
            }
        }
    }

    public static func write(to path: String, _ body: (Sink) throws -> Void) throws {
        if isSpecialFile(path) {
            try writeInPlace(to: path, body)
            return
        }
        let temporary = "\(path).tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else {
            throw CheckpointError(file: path, field: "", problem: "cannot create \(temporary): \(systemErrorText())")
        }
        var committed = false
        defer {
            if !committed {
                close(fd)
                unlink(temporary)
            }
        }
        try body(Sink(fd: fd, path: path))
        guard fsync(fd) == 0 else {
            throw CheckpointError(file: path, field: "", problem: "fsync failed: \(systemErrorText())")
        }
        committed = true
        close(fd)
        guard rename(temporary, path) == 0 else {
            let reason = systemErrorText()
            unlink(temporary)
            throw CheckpointError(file: path, field: "", problem: "cannot rename the temporary file into place: \(reason)")
        }
        syncParentFolder(of: path)
    }

    /// A device, pipe or socket (`/dev/stdout`, `/dev/full`, a FIFO): it cannot be replaced by a
    /// renamed file (that would put a regular file in place of the device), so it is written directly.
    static func isSpecialFile(_ path: String) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0 else { return false }
        let kind = info.st_mode & S_IFMT
        return kind != S_IFREG && kind != S_IFDIR
    }

    private static func writeInPlace(to path: String, _ body: (Sink) throws -> Void) throws {
        let fd = open(path, O_WRONLY)
        guard fd >= 0 else { throw CheckpointError(file: path, field: "", problem: "cannot open: \(systemErrorText())") }
        defer { close(fd) }
        try body(Sink(fd: fd, path: path))
    }

    /// Makes the rename itself durable. Best effort: some file systems refuse to open folders.
    private static func syncParentFolder(of path: String) {
        let folder = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        let fd = open(folder.isEmpty ? "/" : folder, O_RDONLY)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
    }
}
