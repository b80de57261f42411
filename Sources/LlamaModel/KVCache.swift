import Kernels

/// Keys (after RoPE) and values of one sequence, every layer: [layers, capacity, kvHeads·headDim].
/// A cache may continue a shared, read-only `prefix` (the prompt of G samples), whose positions come
/// first; attention reads the prefix and then the cache's own rows, with the same bits as one
/// contiguous cache.
public final class KVCache: @unchecked Sendable {
    public let capacity: Int
    public let layers: Int
    public let width: Int
    public let prefix: KVCache?
    let keys: FloatBuffer
    let values: FloatBuffer
    /// Rows filled in this cache (not counting the prefix).
    public internal(set) var count = 0

    public init(config: LlamaConfig, capacity: Int, prefix: KVCache? = nil) {
        self.capacity = capacity
        self.layers = config.numHiddenLayers
        self.width = config.numKeyValueHeads * config.headDim
        self.prefix = prefix
        keys = FloatBuffer(count: layers * capacity * width)
        values = FloatBuffer(count: layers * capacity * width)
    }

    /// Tokens seen: the prefix's and this cache's.
    public var length: Int { (prefix?.length ?? 0) + count }

    public static func bytes(config: LlamaConfig, capacity: Int) -> Int {
        2 * config.numHiddenLayers * capacity * config.numKeyValueHeads * config.headDim * MemoryLayout<Float>.stride
    }

    func keys(layer: Int) -> UnsafeMutablePointer<Float> { keys.pointer + layer * capacity * width }
    func values(layer: Int) -> UnsafeMutablePointer<Float> { values.pointer + layer * capacity * width }
}
