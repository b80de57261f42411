#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Checkpoints
import Kernels

/// The decoder layers of a frozen base stored as bfloat16 (`model.base_dtype: bf16`): half the
/// bytes of fp32. The passes read one layer at a time through `window`, widened back to fp32 —
/// exactly, since a bfloat16 is the top half of a float — so every kernel, on every kernel path,
/// computes bit for bit what it computes for an fp32 model whose layer weights were rounded to
/// bfloat16 (round to nearest even, as PyTorch's `.to(torch.bfloat16)`), and stays batch-invariant.
/// One caller at a time, as the model's passes.
final class FrozenBF16Layers: @unchecked Sendable {
    /// Floats per layer (two norms and seven projections), contiguous in the arena.
    let layerSize: Int
    let layers: Int
    /// (layers, layerSize) bfloat16 bit patterns.
    let store: UnsafeMutablePointer<UInt16>
    /// (layerSize) the layer widened last.
    let window: FloatBuffer
    private var windowLayer: Int?

    /// Rounds `layers` layers of `layerSize` floats starting at `source` to bfloat16, giving each
    /// layer's fp32 pages back as soon as it is stored (so the two copies never both exist).
    init(taking source: UnsafeMutablePointer<Float>, layers: Int, layerSize: Int) {
        self.layers = layers
        self.layerSize = layerSize
        store = UnsafeMutablePointer<UInt16>.allocate(capacity: max(1, layers * layerSize))
        window = FloatBuffer(count: layerSize)
        for l in 0..<layers {
            narrow(layer: l, from: source + l * layerSize)
            Self.releasePages(source + l * layerSize, count: layerSize)
        }
    }

    deinit { store.deallocate() }

    var bytes: Int { layers * layerSize * MemoryLayout<UInt16>.stride + window.bytes }

    private func narrow(layer: Int, from source: UnsafePointer<Float>) {
        let out = store + layer * layerSize
        parallelFor(layerSize, minimumChunk: 1 << 16) { range in
            for i in range { out[i] = HalfPrecision.bfloat16FromFloat(source[i]) }
        }
    }

    /// Layer `layer` as fp32 in `window` (widened unless it is the layer widened last).
    func widen(layer: Int) -> UnsafeMutablePointer<Float> {
        if windowLayer != layer {
            Profiler.measure(.widenBase) {
                let source = store + layer * layerSize, out = window.pointer
                parallelFor(layerSize, minimumChunk: 1 << 16) { range in
                    for i in range { out[i] = Float(bitPattern: UInt32(source[i]) << 16) }
                }
            }
            windowLayer = layer
        }
        return window.pointer
    }

    /// Gives the pages of `count` floats at `start` back to the system (the whole pages inside the
    /// range; they read as zeros afterwards): the fp32 copy of the layers once they are stored here.
    static func releasePages(_ start: UnsafeMutablePointer<Float>, count: Int) {
        #if canImport(Glibc)
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let first = (Int(bitPattern: start) + page - 1) / page * page
        let end = (Int(bitPattern: start + count)) / page * page
        guard end > first, let address = UnsafeMutableRawPointer(bitPattern: first) else { return }
        _ = madvise(address, end - first, MADV_DONTNEED)
        #endif
    }
}

extension LlamaModel {
    /// Layer `l`'s weights for the passes: a base pointer and the layer's offsets from it — the
    /// arena and its own offsets, or (bf16 base) the widened window and offsets within one layer.
    func layerWeights(_ l: Int) -> (UnsafeMutablePointer<Float>, LlamaParameterLayout.Layer) {
        guard let bf16 = bf16Layers else { return (parameters.pointer, layout.layers[l]) }
        return (bf16.widen(layer: l), layout.layers[l].relative(to: layout.layers[l].inputNorm))
    }

    /// Whether the decoder layers are stored as bfloat16 (`storeBaseInBF16()`).
    public var baseIsBF16: Bool { bf16Layers != nil }

    /// Bytes the weights hold: the arena, less the fp32 layers given back when they are stored as
    /// bfloat16 (plus the store and its one-layer window).
    public var weightBytes: Int { Self.weightBytes(config: config, bf16Layers: baseIsBF16) }

    /// The same for a model of `config` before it exists (memory plans).
    public static func weightBytes(config: LlamaConfig, bf16Layers: Bool) -> Int {
        let layout = LlamaParameterLayout(config: config), float = MemoryLayout<Float>.stride
        guard bf16Layers else { return layout.count * float }
        let layerFloats = layout.decoderLayers.count
        return (layout.count - layerFloats) * float + layerFloats * MemoryLayout<UInt16>.stride + layout.layerSize * float
    }

    /// The bytes that define the weights, for content keys: the arena, with the bfloat16 store in
    /// place of the layers' released fp32 region.
    public func withWeightBytes(_ body: ([UnsafeRawBufferPointer]) -> Void) {
        let arena = UnsafeRawPointer(parameters.pointer), float = MemoryLayout<Float>.stride
        guard let bf16 = bf16Layers else { return body([UnsafeRawBufferPointer(start: arena, count: parameters.bytes)]) }
        let layers = layout.decoderLayers
        body([UnsafeRawBufferPointer(start: arena, count: layers.lowerBound * float),
              UnsafeRawBufferPointer(start: bf16.store, count: layers.count * MemoryLayout<UInt16>.stride),
              UnsafeRawBufferPointer(start: arena + layers.upperBound * float, count: (layout.count - layers.upperBound) * float)])
    }

    /// Stores the decoder layers of a frozen base as bfloat16 and gives their fp32 pages back (the
    /// embedding, the final norm and an untied head stay fp32). From here on the forward passes,
    /// decoding and backward's dX read the layers widened, one at a time. The base must be frozen:
    /// adapters attached and no gradient arena.
    public func storeBaseInBF16() throws {
        guard bf16Layers == nil else { return }
        guard adapters != nil, gradients == nil else {
            throw LlamaModelError("a bf16 base must be frozen: attach LoRA adapters and train only them")
        }
        bf16Layers = FrozenBF16Layers(taking: parameters.pointer + layout.decoderLayers.lowerBound, layers: layout.layers.count,
                                      layerSize: layout.layerSize)
    }
}

extension LlamaParameterLayout.Layer {
    /// The same offsets counted from `start` (the layer's first weight: offsets within the layer).
    func relative(to start: Int) -> Self {
        Self(inputNorm: inputNorm - start, query: query - start, key: key - start, value: value - start, output: output - start,
             postNorm: postNorm - start, gate: gate - start, up: up - start, down: down - start)
    }
}
