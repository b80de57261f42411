import Foundation
import RLVRCommands
#if canImport(Glibc)
import Glibc

// Buffers of 1 MiB and more (KV caches, activations, logits) are mapped on their own and given back
// to the system when freed. glibc's default threshold grows after the first such free, moving later
// buffers into the heap, where caches of ever-different sizes fragmented it: a long evaluation's
// resident memory crept up (GSM8K 5-shot: +0.3 GB per 70 documents) instead of staying flat.
// mallopt(M_MMAP_THRESHOLD = -3, bytes) from <malloc.h>, which the Glibc module does not export.
if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") {
    typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
    _ = unsafeBitCast(symbol, to: Mallopt.self)(-3, 1 << 20)
}
#endif

exit(CommandLineEntry.run(Array(CommandLine.arguments.dropFirst())))
