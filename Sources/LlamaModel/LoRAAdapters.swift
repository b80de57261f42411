import Kernels

/// Low-rank adapters on a Llama model's projections (LoRA: Hu et al. 2021, "LoRA: Low-Rank
/// Adaptation of Large Language Models", eq. 3):
///
///     y = x·Wᵀ + s·(x·Aᵀ)·Bᵀ,   A: [rank, in], B: [out, rank], s = alpha / rank
///
/// W stays frozen; A and B live in their own arena (`parameters`, same offsets in `gradients`),
/// named as Hugging Face PEFT names them. With B = 0 (PEFT's initialisation) the adapted model is
/// the base model exactly. Every product goes through the batch-invariant forward kernel, so a
/// row's result never depends on the rows computed with it: sampling and training agree bit for bit
/// with adapters as without. One caller at a time: the products share scratch buffers (as a model's
/// forward passes share its activations).
public final class LoRAAdapters: @unchecked Sendable {
    /// The projections an adapter can sit on, named as in `model.lora.targets`.
    public enum Target: String, CaseIterable, Sendable, Codable {
        case q, k, v, o, gate, up, down

        /// The projection's name (`q_proj`, …, `down_proj`): PEFT's `target_modules` entries.
        public var projection: String { rawValue + "_proj" }

        /// The Hugging Face module path in a layer (`self_attn.q_proj`, `mlp.gate_proj`, …).
        public var module: String {
            switch self {
            case .q, .k, .v, .o: return "self_attn." + projection
            case .gate, .up, .down: return "mlp." + projection
            }
        }

        /// (in, out) features of the projection in a model of `c`.
        func shape(_ c: LlamaConfig) -> (inFeatures: Int, outFeatures: Int) {
            let h = c.hiddenSize, q = c.numAttentionHeads * c.headDim, kv = c.numKeyValueHeads * c.headDim, i = c.intermediateSize
            switch self {
            case .q: return (h, q)
            case .k, .v: return (h, kv)
            case .o: return (q, h)
            case .gate, .up: return (h, i)
            case .down: return (i, h)
            }
        }
    }

    /// Where one adapter's A and B sit in the arena.
    public struct Adapter: Sendable {
        public let layer: Int
        public let target: Target
        public let inFeatures: Int
        public let outFeatures: Int
        public let a: Int            // (rank, in)    …lora_A.weight
        public let b: Int            // (out, rank)   …lora_B.weight
    }

    public let rank: Int
    public let alpha: Double
    public let targets: [Target]
    /// Rank-stabilised scaling (Kalajdzievski 2023, "A Rank Stabilization Scaling Factor for
    /// Fine-Tuning with LoRA": s = alpha/√rank), PEFT's `use_rslora`.
    public let rankStabilised: Bool
    /// s = alpha / rank (or alpha / √rank rank-stabilised): PEFT's `scaling`.
    public let scale: Float
    /// adapters[layer][target]; nil where a target is not adapted.
    public let adapters: [[Target: Adapter]]
    public let parameters: FloatBuffer
    public private(set) var gradients: FloatBuffer?
    /// Reused per call: t = x·Aᵀ (rows, rank) and u = t·Bᵀ (rows, out).
    private var scratchT = FloatBuffer(count: 0)
    private var scratchU = FloatBuffer(count: 0)
    private var scratchDT = FloatBuffer(count: 0)
    /// Under dropout: the dropped input (rows, in) and dt·A (rows, in).
    private var scratchX = FloatBuffer(count: 0)
    private var scratchDX = FloatBuffer(count: 0)

    /// PEFT's `lora_dropout` p: during a training pass each adapter sees its input as
    /// x ⊙ m / (1 − p), m ~ Bernoulli(1 − p) per element (inverted dropout: Srivastava et al. 2014,
    /// "Dropout: A Simple Way to Prevent Neural Networks from Overfitting"). The base projection
    /// sees x itself, as in PEFT.
    public var dropout: Double = 0
    /// The run's seed, mixed into every mask.
    public var dropoutSeed: UInt64 = 0
    /// The training pass under way; nil (sampling, evaluation, reference passes): no dropout. A mask
    /// is a pure function of (seed, step, micro-batch, layer, target, row, column), so backward and
    /// recomputation draw the forward's mask, and a resumed run draws the masks it would have drawn.
    public var dropoutPass: DropoutPass?

    public struct DropoutPass: Sendable, Equatable {
        public let step: Int
        public let microBatch: Int
        public init(step: Int, microBatch: Int) {
            self.step = step
            self.microBatch = microBatch
        }
    }

    public init(config c: LlamaConfig, rank: Int, alpha: Double, targets: [Target], rankStabilised: Bool = false) {
        precondition(rank > 0, "LoRA rank must be positive")
        self.rank = rank
        self.alpha = alpha
        self.targets = Target.allCases.filter(targets.contains)
        self.rankStabilised = rankStabilised
        scale = Float(rankStabilised ? alpha / Double(rank).squareRoot() : alpha / Double(rank))
        var offset = 0
        var layers: [[Target: Adapter]] = []
        for layer in 0..<c.numHiddenLayers {
            var adapted: [Target: Adapter] = [:]
            for target in self.targets {
                let shape = target.shape(c)
                let a = offset, b = offset + rank * shape.inFeatures
                offset = b + shape.outFeatures * rank
                adapted[target] = Adapter(layer: layer, target: target, inFeatures: shape.inFeatures, outFeatures: shape.outFeatures, a: a, b: b)
            }
            layers.append(adapted)
        }
        adapters = layers
        parameters = FloatBuffer(count: offset)
    }

    /// A and B values of adapters of `rank` on `targets` of every layer (what the arena will hold):
    /// r·(in + out) per adapter.
    public static func parameterCount(config c: LlamaConfig, rank: Int, targets: [Target]) -> Int {
        Set(targets).reduce(0) { total, target in let s = target.shape(c); return total + rank * (s.inFeatures + s.outFeatures) } * c.numHiddenLayers
    }

    /// Scratch the products hold for `rows` rows at once: t and dt (rows × r) and u (rows × the
    /// widest adapted output); under dropout also the dropped input and dt·A (rows × the widest input).
    public static func scratchBytes(config c: LlamaConfig, rank: Int, targets: [Target], rows: Int, dropout: Bool = false) -> Int {
        let widest = targets.map { $0.shape(c).outFeatures }.max() ?? 0
        let widestIn = dropout ? targets.map { $0.shape(c).inFeatures }.max() ?? 0 : 0
        return rows * (2 * rank + widest + 2 * widestIn) * MemoryLayout<Float>.stride
    }

    /// FLOPs per token of one adapter in a training step: forward t = x·Aᵀ and u = t·Bᵀ,
    /// 2·r·(in + out); backward t again, dB, dt, dA and dX, 2·r·(3·in + 2·out).
    public static func trainingFlopsPerToken(_ adapter: Adapter, rank: Int) -> Double {
        2 * Double(rank) * Double(4 * adapter.inFeatures + 3 * adapter.outFeatures)
    }

    /// Every adapter in arena order (layer by layer, targets in `Target` order).
    public var all: [Adapter] { adapters.flatMap { layer in targets.compactMap { layer[$0] } } }

    /// PEFT's tensor names: `base_model.model.model.layers.L.self_attn.q_proj.lora_A.weight`
    /// (`matrix`: "A" or "B").
    public static func peftName(_ adapter: Adapter, matrix: String) -> String {
        "base_model.model.model.layers.\(adapter.layer).\(adapter.target.module).lora_\(matrix).weight"
    }

    /// Allocates the gradient arena (zeroed) for training.
    public func enableGradients() {
        if gradients == nil { gradients = FloatBuffer(count: parameters.count) }
    }

    private func scratch(_ buffer: inout FloatBuffer, _ count: Int) -> UnsafeMutablePointer<Float> {
        if buffer.count < count { buffer = FloatBuffer(count: count) }
        return buffer.pointer
    }

    // MARK: Dropout

    /// splitmix64's finaliser (Steele, Lea & Flood 2014): a bijective mix of 64 bits.
    static func mix(_ z0: UInt64) -> UInt64 {
        var z = z0 &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The key of one adapter's mask in the current pass (nil: no dropout now).
    private func dropoutKey(_ adapter: Adapter) -> UInt64? {
        guard dropout > 0, let pass = dropoutPass else { return nil }
        let site = UInt64(adapter.layer * Target.allCases.count + Target.allCases.firstIndex(of: adapter.target)!)
        return Self.mix(Self.mix(Self.mix(dropoutSeed ^ UInt64(pass.step)) ^ UInt64(pass.microBatch)) ^ site)
    }

    /// Whether element `index` (row · in + column) survives under `key`: the top 53 bits of its mix,
    /// read as a uniform in [0, 1), are at least p.
    public static func keeps(key: UInt64, index: Int, dropout: Double) -> Bool {
        keeps(key: key, index: index, below: threshold(dropout))
    }

    /// p as a bound on 53-bit integers (2⁵³·p).
    private static func threshold(_ dropout: Double) -> UInt64 { UInt64(dropout * 9_007_199_254_740_992) }

    private static func keeps(key: UInt64, index: Int, below threshold: UInt64) -> Bool {
        mix(key ^ UInt64(index)) >> 11 >= threshold
    }

    /// out = m ⊙ v / (1 − p) over [rows, in] (out may be v itself).
    private func applyMask(key: UInt64, to v: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, rows: Int, inFeatures: Int) {
        let threshold = Self.threshold(dropout), factor = Float(1 / (1 - dropout))
        parallelFor(rows, minimumChunk: 16) { range in
            for r in range {
                for j in 0..<inFeatures {
                    let i = r * inFeatures + j
                    out[i] = Self.keeps(key: key, index: i, below: threshold) ? v[i] * factor : 0
                }
            }
        }
    }

    /// The input the adapter sees: x, or its dropped copy during a training pass.
    private func adapterInput(_ x: UnsafePointer<Float>, _ adapter: Adapter, rows: Int) -> UnsafePointer<Float> {
        guard let key = dropoutKey(adapter) else { return x }
        let dropped = scratch(&scratchX, rows * adapter.inFeatures)
        applyMask(key: key, to: x, into: dropped, rows: rows, inFeatures: adapter.inFeatures)
        return UnsafePointer(dropped)
    }

    // MARK: Products

    /// y[rows, out] += s·(x̃·Aᵀ)·Bᵀ for `target` of `layer` (nothing when it is not adapted), x̃ the
    /// adapter's input (x, or x dropped during a training pass). x: [rows, in].
    func addDelta(to y: UnsafeMutablePointer<Float>, x input: UnsafePointer<Float>, layer: Int, target: Target, rows: Int) {
        guard let adapter = adapters[layer][target], rows > 0 else { return }
        let x = adapterInput(input, adapter, rows: rows)
        let t = scratch(&scratchT, rows * rank), u = scratch(&scratchU, rows * adapter.outFeatures)
        let w = parameters.pointer
        Linear.forward(t, x, w + adapter.a, rows: rows, inFeatures: adapter.inFeatures, outFeatures: rank)
        Linear.forward(u, t, w + adapter.b, rows: rows, inFeatures: rank, outFeatures: adapter.outFeatures)
        let s = scale, out = adapter.outFeatures
        parallelFor(rows, minimumChunk: 16) { range in
            for r in range {
                let yr = y + r * out, ur = u + r * out
                for j in 0..<out { yr[j] = yr[j] + s * ur[j] }
            }
        }
    }

    /// Backward through the delta of `target` of `layer`, given dy = dL/dy [rows, out] and the
    /// layer's input x [rows, in] (x̃ = x, or m ⊙ x / (1 − p) under dropout, its mask redrawn):
    ///
    ///     t = x̃·Aᵀ (recomputed, the forward's bits);  dB += s·dyᵀ·t;  dt = s·dy·B;
    ///     dA += dtᵀ·x̃;  dx += dt·A  (under dropout: dx += m ⊙ (dt·A) / (1 − p))
    func backward(dx: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>, x input: UnsafePointer<Float>, layer: Int, target: Target, rows: Int) {
        guard let adapter = adapters[layer][target], rows > 0 else { return }
        guard let g = gradients?.pointer else { preconditionFailure("enableGradients() before backward") }
        let x = adapterInput(input, adapter, rows: rows)
        let w = parameters.pointer, inF = adapter.inFeatures, outF = adapter.outFeatures
        let t = scratch(&scratchT, rows * rank), dt = scratch(&scratchDT, rows * rank)
        Linear.forward(t, x, w + adapter.a, rows: rows, inFeatures: inF, outFeatures: rank)
        Gemm.multiply(dy, .transposed, t, .none, into: g + adapter.b, m: outF, n: rank, k: rows, alpha: scale, beta: 1)
        Gemm.multiply(dy, .none, w + adapter.b, .none, into: dt, m: rows, n: rank, k: outF, alpha: scale, beta: 0)
        Gemm.multiply(dt, .transposed, x, .none, into: g + adapter.a, m: rank, n: inF, k: rows, beta: 1)
        if let key = dropoutKey(adapter) {
            let dxTilde = scratch(&scratchDX, rows * inF)
            Gemm.multiply(dt, .none, w + adapter.a, .none, into: dxTilde, m: rows, n: inF, k: rank, beta: 0)
            applyMask(key: key, to: dxTilde, into: dxTilde, rows: rows, inFeatures: inF)
            parallelFor(rows * inF, minimumChunk: 4096) { range in
                for i in range { dx[i] += dxTilde[i] }
            }
        } else {
            Gemm.multiply(dt, .none, w + adapter.a, .none, into: dx, m: rows, n: inF, k: rank, beta: 1)
        }
    }

    /// W + s·B·A for one adapter, into `merged` (the base weight [out, in] on entry).
    public func merge(into merged: UnsafeMutablePointer<Float>, _ adapter: Adapter) {
        Gemm.multiply(parameters.pointer + adapter.b, .none, parameters.pointer + adapter.a, .none, into: merged,
                      m: adapter.outFeatures, n: adapter.inFeatures, k: rank, alpha: scale, beta: 1)
    }
}

extension LlamaModel {
    /// A new model holding this one's weights with its adapters merged in (W + s·B·A for every
    /// adapted projection; no adapters attached). Without adapters, a plain copy.
    public func merged() throws -> LlamaModel {
        precondition(!baseIsBF16, "merging needs the fp32 layers a bf16 base has given back")
        let copy = try LlamaModel(config: config)
        copy.parameters.copy(from: parameters)
        copy.adapters = adapters
        copy.mergeAdapters()
        return copy
    }

    /// Merges the adapters into the weights in place (W ← W + s·B·A) and detaches them: the model
    /// computes the same function (to fp32 rounding) as a plain model, without a second copy.
    public func mergeAdapters() {
        guard let adapters else { return }
        precondition(!baseIsBF16, "merging needs the fp32 layers a bf16 base has given back")
        for adapter in adapters.all {
            adapters.merge(into: parameters.pointer + layout.offset(of: adapter.target, layer: adapter.layer), adapter)
        }
        self.adapters = nil
    }
}

extension LlamaParameterLayout {
    /// Where the weight an adapter target sits on starts, in layer `layer`.
    public func offset(of target: LoRAAdapters.Target, layer: Int) -> Int {
        let p = layers[layer]
        switch target {
        case .q: return p.query
        case .k: return p.key
        case .v: return p.value
        case .o: return p.output
        case .gate: return p.gate
        case .up: return p.up
        case .down: return p.down
        }
    }
}
