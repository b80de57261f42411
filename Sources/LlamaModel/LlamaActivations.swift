import Kernels

/// Everything a forward pass keeps for backward, plus the scratch the backward pass needs, sized
/// once for at most `capacity` tokens per micro-batch and sequences of at most `longestSequence`
/// tokens. A training step allocates nothing.
///
/// Saved per layer l (N = tokens in the micro-batch):
///   residual[l]   (N, hidden)          the residual stream entering layer l (residual[L]: the last layer's output)
///   rstd1, rstd2  (N)                  RMSNorm scales (the normalised rows are recomputed in backward)
///   query         (N, heads·headDim)   after RoPE
///   key, value    (N, kvHeads·headDim) key after RoPE
///   attention     (N, heads·headDim)   attention output before o_proj
///   lse           (N, heads)           log-sum-exp of each attention row (probabilities are recomputed)
///   middle        (N, hidden)          the residual stream after attention
///   gate, up      (N, intermediate)    MLP projections (silu(gate)·up is recomputed)
public final class LlamaActivations: @unchecked Sendable {
    /// What to keep for backward.
    public enum Retention: String, Sendable, CaseIterable {
        /// Keep everything listed above: the fastest backward.
        case all
        /// Keep one shared gate/up buffer and recompute both projections in backward: saves
        /// 2·layers·N·intermediate floats (755 MB for SmolLM2-135M at 2048 tokens) for about 2·N·hidden·
        /// intermediate·2 extra FLOPs per layer.
        case recomputeMLP = "recompute-mlp"
    }

    public let retention: Retention
    public let capacity: Int
    public let longestSequence: Int
    let config: LlamaConfig

    let residual: [FloatBuffer]
    let rstd1: [FloatBuffer], rstd2: [FloatBuffer]
    let query: [FloatBuffer], key: [FloatBuffer], value: [FloatBuffer]
    let attention: [FloatBuffer], lse: [FloatBuffer]
    let middle: [FloatBuffer]
    let gate: [FloatBuffer], up: [FloatBuffer]
    /// (N) final RMSNorm scale and (N, hidden) the final hidden states (the LM head's input).
    let finalRstd: FloatBuffer
    public let finalHidden: FloatBuffer
    /// Head outputs: (N) log Z, log-prob of the target, entropy; (N) targets of the last head call.
    public let logZ: FloatBuffer, logProb: FloatBuffer, entropy: FloatBuffer
    var targets: [Int32]
    /// The batch of the last forward pass.
    public internal(set) var tokenCount = 0
    var sequences: PackedSequences?
    var tokens: [Int32] = []

    // Scratch shared by forward and backward.
    let normed: FloatBuffer          // (N, hidden)
    let projected: FloatBuffer       // (N, hidden)
    let hiddenMLP: FloatBuffer       // (N, intermediate)
    let attentionScratch: FloatBuffer
    // Backward-only scratch, allocated on first backward.
    var gradients: BackwardScratch?

    final class BackwardScratch {
        let dResidual: FloatBuffer   // (N, hidden)
        let dNormed: FloatBuffer     // (N, hidden)
        let dHiddenMLP: FloatBuffer  // (N, intermediate)
        let dGate: FloatBuffer, dUp: FloatBuffer   // (N, intermediate)
        let dAttention: FloatBuffer, dQuery: FloatBuffer   // (N, heads·headDim)
        let dKey: FloatBuffer, dValue: FloatBuffer         // (N, kvHeads·headDim)

        init(capacity n: Int, config c: LlamaConfig) {
            let q = c.numAttentionHeads * c.headDim, kv = c.numKeyValueHeads * c.headDim
            dResidual = FloatBuffer(count: n * c.hiddenSize)
            dNormed = FloatBuffer(count: n * c.hiddenSize)
            dHiddenMLP = FloatBuffer(count: n * c.intermediateSize)
            dGate = FloatBuffer(count: n * c.intermediateSize)
            dUp = FloatBuffer(count: n * c.intermediateSize)
            dAttention = FloatBuffer(count: n * q)
            dQuery = FloatBuffer(count: n * q)
            dKey = FloatBuffer(count: n * kv)
            dValue = FloatBuffer(count: n * kv)
        }
    }

    public init(config c: LlamaConfig, capacity n: Int, longestSequence: Int, retention: Retention = .all) {
        precondition(n > 0 && longestSequence > 0 && longestSequence <= n, "activation capacity \(n), longest sequence \(longestSequence)")
        config = c
        self.retention = retention
        capacity = n
        self.longestSequence = longestSequence
        let h = c.hiddenSize, q = c.numAttentionHeads * c.headDim, kv = c.numKeyValueHeads * c.headDim, i = c.intermediateSize
        let layers = c.numHiddenLayers
        residual = (0...layers).map { _ in FloatBuffer(count: n * h) }
        rstd1 = (0..<layers).map { _ in FloatBuffer(count: n) }
        rstd2 = (0..<layers).map { _ in FloatBuffer(count: n) }
        query = (0..<layers).map { _ in FloatBuffer(count: n * q) }
        key = (0..<layers).map { _ in FloatBuffer(count: n * kv) }
        value = (0..<layers).map { _ in FloatBuffer(count: n * kv) }
        attention = (0..<layers).map { _ in FloatBuffer(count: n * q) }
        lse = (0..<layers).map { _ in FloatBuffer(count: n * c.numAttentionHeads) }
        middle = (0..<layers).map { _ in FloatBuffer(count: n * h) }
        if retention == .recomputeMLP {
            let sharedGate = FloatBuffer(count: n * i), sharedUp = FloatBuffer(count: n * i)
            gate = [FloatBuffer](repeating: sharedGate, count: layers)
            up = [FloatBuffer](repeating: sharedUp, count: layers)
        } else {
            gate = (0..<layers).map { _ in FloatBuffer(count: n * i) }
            up = (0..<layers).map { _ in FloatBuffer(count: n * i) }
        }
        finalRstd = FloatBuffer(count: n)
        finalHidden = FloatBuffer(count: n * h)
        logZ = FloatBuffer(count: n)
        logProb = FloatBuffer(count: n)
        entropy = FloatBuffer(count: n)
        targets = [Int32](repeating: -1, count: n)
        normed = FloatBuffer(count: n * h)
        projected = FloatBuffer(count: n * h)
        hiddenMLP = FloatBuffer(count: n * i)
        attentionScratch = FloatBuffer(count: CausalAttention.scratchCount(longestSequence: longestSequence))
    }

    /// Bytes held for saved activations and forward scratch (backward scratch excluded).
    public static func bytes(config c: LlamaConfig, capacity n: Int, retention: Retention = .all) -> Int {
        let h = c.hiddenSize, q = c.numAttentionHeads * c.headDim, kv = c.numKeyValueHeads * c.headDim, i = c.intermediateSize
        let mlp = retention == .all ? 2 * i : 0
        let perLayer = h + 2 + q + 2 * kv + q + c.numAttentionHeads + h + mlp
        let shared = retention == .all ? 0 : 2 * i
        let floats = n * (c.numHiddenLayers * perLayer + shared + h + 1 + h + 3 + h + h + i)
        return floats * MemoryLayout<Float>.stride
    }

    /// Bytes a training pass holds for these activations: saved activations, forward scratch and
    /// the backward scratch.
    public var trainingBytes: Int {
        Self.bytes(config: config, capacity: capacity) + Self.backwardBytes(config: config, capacity: capacity)
    }

    /// Bytes of the backward scratch.
    public static func backwardBytes(config c: LlamaConfig, capacity n: Int) -> Int {
        let q = c.numAttentionHeads * c.headDim, kv = c.numKeyValueHeads * c.headDim
        return n * (2 * c.hiddenSize + 3 * c.intermediateSize + 2 * q + 2 * kv) * MemoryLayout<Float>.stride
    }

    func backwardScratch() -> BackwardScratch {
        if let gradients { return gradients }
        let made = BackwardScratch(capacity: capacity, config: config)
        gradients = made
        return made
    }
}
