#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A zero-initialised, 64-byte-aligned block of Floats that lives as long as the object: the storage
/// behind parameter, gradient, optimizer-moment and activation arenas. The hot loops take its
/// `pointer` and never touch the object itself.
public final class FloatBuffer: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int

    public init(count: Int) {
        precondition(count >= 0, "negative buffer size \(count)")
        self.count = count
        let bytes = max(64, (count * MemoryLayout<Float>.stride + 63) / 64 * 64)
        guard let raw = aligned_alloc(64, bytes) else {
            fatalError("out of memory allocating \(bytes) bytes")
        }
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: count)
    }

    deinit {
        free(pointer)
    }

    public func zero() {
        pointer.update(repeating: 0, count: count)
    }

    public var buffer: UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: pointer, count: count)
    }

    public subscript(index: Int) -> Float {
        get { pointer[index] }
        set { pointer[index] = newValue }
    }

    public func copy(from other: FloatBuffer) {
        precondition(other.count == count, "copying \(other.count) floats into a buffer of \(count)")
        pointer.update(from: other.pointer, count: count)
    }

    public var bytes: Int { count * MemoryLayout<Float>.stride }
}
