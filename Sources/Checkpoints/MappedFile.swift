#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only memory map of a whole file. Readers take bounds-checked views of `bytes`; nothing is
/// copied until a tensor is converted to Float.
public final class MappedFile: @unchecked Sendable {
    public let path: String
    public let bytes: UnsafeRawBufferPointer
    private let isMapped: Bool

    /// Holds a copy of `contents` in memory under the name `path` (for tests and in-memory files).
    public init(copying contents: [UInt8], path: String) throws {
        guard !contents.isEmpty else {
            throw CheckpointError(file: path, field: "", problem: "the file is empty")
        }
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: contents.count, alignment: 64)
        storage.copyBytes(from: contents)
        self.path = path
        self.bytes = UnsafeRawBufferPointer(storage)
        self.isMapped = false
    }

    public init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw CheckpointError(file: path, field: "", problem: "cannot open: \(systemErrorText())")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw CheckpointError(file: path, field: "", problem: "cannot stat: \(systemErrorText())")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw CheckpointError(file: path, field: "", problem: "not a regular file")
        }
        let size = Int(info.st_size)
        guard size > 0 else {
            throw CheckpointError(file: path, field: "", problem: "the file is empty")
        }
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else {
            throw CheckpointError(file: path, field: "", problem: "cannot map into memory: \(systemErrorText())")
        }
        bytes = UnsafeRawBufferPointer(start: base, count: size)
        isMapped = true
    }

    deinit {
        if isMapped {
            munmap(UnsafeMutableRawPointer(mutating: bytes.baseAddress), bytes.count)
        } else {
            bytes.deallocate()
        }
    }

    public var count: Int { bytes.count }
}

func systemErrorText() -> String {
    String(cString: strerror(errno))
}
