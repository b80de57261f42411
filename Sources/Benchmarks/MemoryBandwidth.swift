import Kernels

/// How fast this machine streams memory: the ceiling for decoding one sequence, which reads every
/// weight once per token.
public enum MemoryBandwidth {
    /// Bytes per second at which the engine's threads read a `bytes`-long buffer (far larger than
    /// the caches), best of `repeats` passes: sixteen-float loads into four independent sums.
    public static func streamingRead(bytes: Int = 512 << 20, repeats: Int = 4) -> Double {
        let count = bytes / MemoryLayout<Float>.stride / 64 * 64
        let buffer = FloatBuffer(count: count)
        for i in stride(from: 0, to: count, by: 1024) { buffer[i] = 1 }   // touch every page
        let sums = FloatBuffer(count: ComputeThreads.maximum * 16)
        var best = 0.0
        for _ in 0..<repeats {
            let start = Profiler.now()
            parallelChunks(count / 64) { chunk, range in
                let raw = UnsafeRawPointer(buffer.pointer)
                var a = SIMD16<Float>(), b = a, c = a, d = a
                for block in range {
                    let base = raw + block * 256
                    a += base.loadUnaligned(as: SIMD16<Float>.self)
                    b += (base + 64).loadUnaligned(as: SIMD16<Float>.self)
                    c += (base + 128).loadUnaligned(as: SIMD16<Float>.self)
                    d += (base + 192).loadUnaligned(as: SIMD16<Float>.self)
                }
                sums[chunk * 16] = (a + b + c + d).sum()   // keeps the loads alive
            }
            best = max(best, Double(count * MemoryLayout<Float>.stride) / (Profiler.now() - start))
        }
        return best
    }
}
