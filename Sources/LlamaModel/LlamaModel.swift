import Kernels

/// A Llama decoder (SmolLM2's architecture) with hand-written forward and backward passes over
/// packed variable-length sequences (the llm.c pattern):
///
///     x₀ = embed(tokens)
///     for each layer: x += o_proj(attention(rope(q_proj(n)), rope(k_proj(n)), v_proj(n))),  n = rms₁(x)
///                     x += down_proj(silu(gate_proj(m)) ⊙ up_proj(m)),                       m = rms₂(x)
///     hidden = rms_f(x);  logits = hidden · Wᵀ  (W = the embedding when tied, else lm_head)
///
/// One parameter arena holds every weight (`layout` names them); `gradients` has the same layout.
/// Training losses are heads on top: `tokenLogProbs` + `backward(dLogProb:…)` for SFT/DPO/PPO,
/// `finalHidden` + `backward(dHidden:)` for scalar reward and value heads.
public final class LlamaModel: @unchecked Sendable {
    public let config: LlamaConfig
    public let layout: LlamaParameterLayout
    public let parameters: FloatBuffer
    /// The base weights' gradients; nil while the base is frozen under LoRA adapters.
    public private(set) var gradients: FloatBuffer?
    /// LoRA adapters on the projections (frozen base: only they train). Attach before
    /// `enableGradients()`.
    public var adapters: LoRAAdapters?
    /// Off: the forward passes compute the base model alone (the reference of DPO and RL's KL).
    public var adaptersEnabled = true
    /// The decoder layers as bfloat16 once `storeBaseInBF16()` has run (their fp32 pages released).
    var bf16Layers: FrozenBF16Layers?
    public let rope: RotaryEmbedding
    public let attentionShape: AttentionShape
    private var heads: [Int: VocabularyHead] = [:]

    public init(config: LlamaConfig) throws {
        if let problem = config.problems().first {
            throw LlamaModelError("invalid model configuration: \(problem.key): \(problem.problem)")
        }
        self.config = config
        layout = LlamaParameterLayout(config: config)
        parameters = FloatBuffer(count: layout.count)
        rope = RotaryEmbedding(headDim: config.headDim, theta: config.ropeTheta, positions: min(config.maxPositionEmbeddings, 4096))
        attentionShape = AttentionShape(queryHeads: config.numAttentionHeads, keyValueHeads: config.numKeyValueHeads, headDim: config.headDim)
    }

    /// Allocates the gradient arena (zeroed) for training: the adapters' alone when there are
    /// adapters (the base is frozen: no weight gradient is computed for it, only dX).
    public func enableGradients() {
        if let adapters {
            adapters.enableGradients()
        } else if gradients == nil {
            gradients = FloatBuffer(count: layout.count)
        }
    }

    public func zeroGradients() {
        gradients?.zero()
        adapters?.gradients?.zero()
    }

    /// The adapters the forward passes apply now (nil: none, or switched off).
    var activeAdapters: LoRAAdapters? { adaptersEnabled ? adapters : nil }

    /// Whether backward has anything to accumulate into: the base's gradients, or the gradients of
    /// adapters that are switched on (with the base frozen and the adapters off there is nothing).
    var hasGradients: Bool { gradients != nil || activeAdapters?.gradients != nil }

    /// A pointer to a named weight (Hugging Face name) in the parameter arena.
    public func weight(_ name: String) -> UnsafeMutablePointer<Float>? {
        layout.entry(name).map { parameters.pointer + $0.offset }
    }

    /// Checks tokens and sequence lengths against the vocabulary, the context and the activations.
    public func validate(tokens: [Int32], sequences: PackedSequences, activations: LlamaActivations) throws {
        guard tokens.count == sequences.tokenCount else {
            throw LlamaModelError("\(tokens.count) tokens but the sequences hold \(sequences.tokenCount)")
        }
        if let bad = tokens.firstIndex(where: { $0 < 0 || Int($0) >= config.vocabSize }) {
            throw LlamaModelError("token id \(tokens[bad]) at position \(bad) is outside the vocabulary (0..<\(config.vocabSize))")
        }
        if sequences.longest > config.maxPositionEmbeddings {
            throw LlamaModelError("a sequence of \(sequences.longest) tokens is longer than the model's context (\(config.maxPositionEmbeddings))")
        }
        guard sequences.tokenCount <= activations.capacity, sequences.longest <= activations.longestSequence else {
            throw LlamaModelError("a batch of \(sequences.tokenCount) tokens (longest sequence \(sequences.longest)) exceeds the activations' capacity (\(activations.capacity) tokens, longest \(activations.longestSequence))")
        }
    }

    // MARK: Forward

    /// Runs the decoder over the packed tokens; leaves the final hidden states in
    /// `activations.finalHidden` (N, hidden) and everything backward needs in `activations`.
    public func forward(tokens: [Int32], sequences: PackedSequences, activations a: LlamaActivations) throws {
        try validate(tokens: tokens, sequences: sequences, activations: a)
        rope.reserve(positions: sequences.longest)
        let c = config, n = sequences.tokenCount, h = c.hiddenSize, inter = c.intermediateSize
        let qw = attentionShape.queryWidth, kvw = attentionShape.keyValueWidth
        let w = parameters.pointer, eps = Float(c.rmsNormEps)
        Profiler.measure(.embedding) {
            tokens.withUnsafeBufferPointer { tokenPointer in
                Embedding.forward(a.residual[0].pointer, table: w + layout.embedding, tokens: tokenPointer.baseAddress!, rows: n, dim: h)
            }
        }
        sequences.positions.withUnsafeBufferPointer { positionBuffer in
            let positions = positionBuffer.baseAddress!
            for l in layout.layers.indices {
                let (lw, p) = layerWeights(l)   // this layer's weights: the arena, or widened from bf16
                let x = a.residual[l].pointer, normed = a.normed.pointer
                // attention block
                Profiler.measure(.norms) {
                    RMSNorm.forward(normed, rstd: a.rstd1[l].pointer, x, weight: lw + p.inputNorm, rows: n, dim: h, eps: eps)
                }
                let q = a.query[l].pointer, k = a.key[l].pointer, v = a.value[l].pointer
                Profiler.measure(.projectionsForward) {
                    Linear.forward([.init(q, lw + p.query, outFeatures: qw), .init(k, lw + p.key, outFeatures: kvw), .init(v, lw + p.value, outFeatures: kvw)],
                                   x: normed, rows: n, inFeatures: h)
                    if let lora = activeAdapters {
                        lora.addDelta(to: q, x: normed, layer: l, target: .q, rows: n)
                        lora.addDelta(to: k, x: normed, layer: l, target: .k, rows: n)
                        lora.addDelta(to: v, x: normed, layer: l, target: .v, rows: n)
                    }
                }
                Profiler.measure(.elementwise) {
                    rope.forward(q, rows: n, heads: c.numAttentionHeads, positionOfRow: positions)
                    rope.forward(k, rows: n, heads: c.numKeyValueHeads, positionOfRow: positions)
                }
                Profiler.measure(.attentionForward) {
                    CausalAttention.forward(out: a.attention[l].pointer, lse: a.lse[l].pointer, q: q, k: k, v: v,
                                            sequences: sequences, shape: attentionShape, scratch: a.attentionScratch.pointer)
                }
                Profiler.measure(.projectionsForward) {
                    Linear.forward(a.projected.pointer, a.attention[l].pointer, lw + p.output, rows: n, inFeatures: qw, outFeatures: h)
                    activeAdapters?.addDelta(to: a.projected.pointer, x: a.attention[l].pointer, layer: l, target: .o, rows: n)
                }
                let middle = a.middle[l].pointer
                Profiler.measure(.elementwise) { add(middle, x, a.projected.pointer, count: n * h) }
                // MLP block
                Profiler.measure(.norms) {
                    RMSNorm.forward(normed, rstd: a.rstd2[l].pointer, middle, weight: lw + p.postNorm, rows: n, dim: h, eps: eps)
                }
                Profiler.measure(.mlpForward) {
                    Linear.forward([.init(a.gate[l].pointer, lw + p.gate, outFeatures: inter), .init(a.up[l].pointer, lw + p.up, outFeatures: inter)],
                                   x: normed, rows: n, inFeatures: h)
                    if let lora = activeAdapters {
                        lora.addDelta(to: a.gate[l].pointer, x: normed, layer: l, target: .gate, rows: n)
                        lora.addDelta(to: a.up[l].pointer, x: normed, layer: l, target: .up, rows: n)
                    }
                    SwiGLU.forward(a.hiddenMLP.pointer, gate: a.gate[l].pointer, up: a.up[l].pointer, count: n * inter)
                    Linear.forward(a.projected.pointer, a.hiddenMLP.pointer, lw + p.down, rows: n, inFeatures: inter, outFeatures: h)
                    activeAdapters?.addDelta(to: a.projected.pointer, x: a.hiddenMLP.pointer, layer: l, target: .down, rows: n)
                }
                Profiler.measure(.elementwise) { add(a.residual[l + 1].pointer, middle, a.projected.pointer, count: n * h) }
            }
        }
        Profiler.measure(.norms) {
            RMSNorm.forward(a.finalHidden.pointer, rstd: a.finalRstd.pointer, a.residual[c.numHiddenLayers].pointer,
                            weight: w + layout.finalNorm, rows: n, dim: h, eps: eps)
        }
        a.tokenCount = n
        a.sequences = sequences
        a.tokens = tokens
    }

    /// out = x + y (elementwise, rows in parallel).
    private func add(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, count: Int) {
        parallelFor(count, minimumChunk: 4096) { range in
            for i in range { out[i] = x[i] + y[i] }
        }
    }

    // MARK: Language-model head

    func head(for a: LlamaActivations) -> VocabularyHead {
        if let head = heads[a.capacity] { return head }
        let made = VocabularyHead(vocabulary: config.vocabSize, hiddenSize: config.hiddenSize, capacity: a.capacity)
        heads[a.capacity] = made
        return made
    }

    /// After `forward`: the log-probability of `targets[r]` (−1: none) at every row and the entropy of
    /// every row's next-token distribution, in `activations.logProb` / `activations.entropy`.
    public func tokenLogProbs(targets: [Int32], activations a: LlamaActivations) throws {
        let n = a.tokenCount
        guard targets.count == n else { throw LlamaModelError("\(targets.count) targets for \(n) tokens") }
        if let bad = targets.firstIndex(where: { $0 < -1 || Int($0) >= config.vocabSize }) {
            throw LlamaModelError("target id \(targets[bad]) at position \(bad) is outside the vocabulary (0..<\(config.vocabSize)); use −1 for none")
        }
        a.targets.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: targets, count: n) }
        Profiler.measure(.lmHeadForward) {
            a.targets.withUnsafeBufferPointer { t in
                head(for: a).forward(hidden: a.finalHidden.pointer, weight: parameters.pointer + layout.lmHead, targets: t.baseAddress!, rows: n,
                                     logZ: a.logZ.pointer, logProb: a.logProb.pointer, entropy: a.entropy.pointer)
            }
        }
    }

    /// The full logits of every row (N, vocabulary): for inspection of short sequences only.
    public func logits(activations a: LlamaActivations) -> [Float] {
        head(for: a).logits(hidden: a.finalHidden.pointer, weight: parameters.pointer + layout.lmHead, rows: a.tokenCount)
    }

    // MARK: Backward

    /// Backward from dL/d(log-prob of each row's target) (and optionally dL/d entropy), after
    /// `tokenLogProbs`. Accumulates into `gradients`.
    public func backward(dLogProb: [Float], dEntropy: [Float]? = nil, activations a: LlamaActivations) {
        precondition(hasGradients, "enableGradients() before backward")
        let g = gradients
        let n = a.tokenCount
        precondition(dLogProb.count == n && (dEntropy?.count ?? n) == n, "one gradient per token")
        let scratch = a.backwardScratch()
        let dHidden = scratch.dNormed
        dHidden.pointer.update(repeating: 0, count: n * config.hiddenSize)
        // The head's gradient lands in dNormed, which the final RMSNorm backward consumes before the
        // layers reuse that scratch.
        Profiler.measure(.lmHeadBackward) { dLogProb.withUnsafeBufferPointer { dlp in
            a.targets.withUnsafeBufferPointer { t in
                let run = { (dent: UnsafePointer<Float>?) in
                    self.head(for: a).backward(
                        dhidden: dHidden.pointer, dweight: g.map { $0.pointer + self.layout.lmHead },
                        hidden: a.finalHidden.pointer, weight: self.parameters.pointer + self.layout.lmHead,
                        targets: t.baseAddress!, rows: n, logZ: a.logZ.pointer, entropy: a.entropy.pointer,
                        dLogProb: dlp.baseAddress!, dEntropy: dent)
                }
                if let dEntropy {
                    dEntropy.withUnsafeBufferPointer { run($0.baseAddress!) }
                } else {
                    run(nil)
                }
            }
        } }
        backwardDecoder(dHidden: UnsafePointer(dHidden.pointer), activations: a)
    }

    /// Backward from dL/d(final hidden states) (N, hidden): for scalar heads on chosen rows (reward
    /// and value models) put their gradient in those rows and zeros elsewhere.
    public func backward(dHidden: UnsafePointer<Float>, activations a: LlamaActivations) {
        precondition(hasGradients, "enableGradients() before backward")
        backwardDecoder(dHidden: dHidden, activations: a)
    }

    private func backwardDecoder(dHidden: UnsafePointer<Float>, activations a: LlamaActivations) {
        guard let sequences = a.sequences, hasGradients else { return }
        // the base's weight gradients (none while it is frozen under adapters) and the adapters'
        let base = gradients?.pointer
        func g(_ offset: Int) -> UnsafeMutablePointer<Float>? { base.map { $0 + offset } }
        let lora = activeAdapters
        let c = config, n = a.tokenCount, h = c.hiddenSize, inter = c.intermediateSize
        let qw = attentionShape.queryWidth, kvw = attentionShape.keyValueWidth
        let w = parameters.pointer
        let s = a.backwardScratch()
        let dx = s.dResidual.pointer
        dx.update(repeating: 0, count: n * h)
        Profiler.measure(.norms) {
            RMSNorm.backward(dinp: dx, dweight: g(layout.finalNorm), dout: dHidden, inp: a.residual[c.numHiddenLayers].pointer,
                             weight: w + layout.finalNorm, rstd: a.finalRstd.pointer, rows: n, dim: h)
        }
        sequences.positions.withUnsafeBufferPointer { positionBuffer in
            let positions = positionBuffer.baseAddress!
            for l in stride(from: c.numHiddenLayers - 1, through: 0, by: -1) {
                let (lw, p) = layerWeights(l), gp = layout.layers[l]   // weights (maybe widened); gradient offsets in the arena
                let normed = a.normed.pointer, dNormed = s.dNormed.pointer
                // MLP block: dx holds dL/d residual[l+1]
                let middle = a.middle[l].pointer
                Profiler.measure(.norms) { RMSNorm.recompute(normed, rstd: a.rstd2[l].pointer, middle, weight: lw + p.postNorm, rows: n, dim: h) }
                Profiler.measure(.mlpBackward) {
                    if a.retention == .recomputeMLP {
                        Linear.forward(a.gate[l].pointer, normed, lw + p.gate, rows: n, inFeatures: h, outFeatures: inter)
                        Linear.forward(a.up[l].pointer, normed, lw + p.up, rows: n, inFeatures: h, outFeatures: inter)
                        lora?.addDelta(to: a.gate[l].pointer, x: normed, layer: l, target: .gate, rows: n)
                        lora?.addDelta(to: a.up[l].pointer, x: normed, layer: l, target: .up, rows: n)
                    }
                    SwiGLU.forward(a.hiddenMLP.pointer, gate: a.gate[l].pointer, up: a.up[l].pointer, count: n * inter)
                    zero(s.dHiddenMLP, n * inter)
                    Linear.backward(dx: s.dHiddenMLP.pointer, dw: g(gp.down), dy: dx, x: a.hiddenMLP.pointer, w: lw + p.down,
                                    rows: n, inFeatures: inter, outFeatures: h)
                    lora?.backward(dx: s.dHiddenMLP.pointer, dy: dx, x: a.hiddenMLP.pointer, layer: l, target: .down, rows: n)
                    zero(s.dGate, n * inter)
                    zero(s.dUp, n * inter)
                    SwiGLU.backward(dgate: s.dGate.pointer, dup: s.dUp.pointer, dh: s.dHiddenMLP.pointer,
                                    gate: a.gate[l].pointer, up: a.up[l].pointer, count: n * inter)
                    zero(s.dNormed, n * h)
                    Linear.backward(dx: dNormed, dw: g(gp.gate), dy: s.dGate.pointer, x: normed, w: lw + p.gate, rows: n, inFeatures: h, outFeatures: inter)
                    Linear.backward(dx: dNormed, dw: g(gp.up), dy: s.dUp.pointer, x: normed, w: lw + p.up, rows: n, inFeatures: h, outFeatures: inter)
                    lora?.backward(dx: dNormed, dy: s.dGate.pointer, x: normed, layer: l, target: .gate, rows: n)
                    lora?.backward(dx: dNormed, dy: s.dUp.pointer, x: normed, layer: l, target: .up, rows: n)
                }
                Profiler.measure(.norms) {
                    RMSNorm.backward(dinp: dx, dweight: g(gp.postNorm), dout: dNormed, inp: middle, weight: lw + p.postNorm,
                                     rstd: a.rstd2[l].pointer, rows: n, dim: h)
                }
                // attention block: dx holds dL/d middle[l]
                Profiler.measure(.projectionsBackward) {
                    zero(s.dAttention, n * qw)
                    Linear.backward(dx: s.dAttention.pointer, dw: g(gp.output), dy: dx, x: a.attention[l].pointer, w: lw + p.output,
                                    rows: n, inFeatures: qw, outFeatures: h)
                    lora?.backward(dx: s.dAttention.pointer, dy: dx, x: a.attention[l].pointer, layer: l, target: .o, rows: n)
                }
                Profiler.measure(.attentionBackward) {
                    zero(s.dQuery, n * qw)
                    zero(s.dKey, n * kvw)
                    zero(s.dValue, n * kvw)
                    CausalAttention.backward(dq: s.dQuery.pointer, dk: s.dKey.pointer, dv: s.dValue.pointer, dout: s.dAttention.pointer,
                                             q: a.query[l].pointer, k: a.key[l].pointer, v: a.value[l].pointer,
                                             out: a.attention[l].pointer, lse: a.lse[l].pointer, sequences: sequences,
                                             shape: attentionShape, scratch: a.attentionScratch.pointer)
                }
                Profiler.measure(.elementwise) {
                    rope.backward(s.dQuery.pointer, rows: n, heads: c.numAttentionHeads, positionOfRow: positions)
                    rope.backward(s.dKey.pointer, rows: n, heads: c.numKeyValueHeads, positionOfRow: positions)
                }
                let x = a.residual[l].pointer
                Profiler.measure(.norms) { RMSNorm.recompute(normed, rstd: a.rstd1[l].pointer, x, weight: lw + p.inputNorm, rows: n, dim: h) }
                Profiler.measure(.projectionsBackward) {
                    zero(s.dNormed, n * h)
                    Linear.backward(dx: dNormed, dw: g(gp.query), dy: s.dQuery.pointer, x: normed, w: lw + p.query, rows: n, inFeatures: h, outFeatures: qw)
                    Linear.backward(dx: dNormed, dw: g(gp.key), dy: s.dKey.pointer, x: normed, w: lw + p.key, rows: n, inFeatures: h, outFeatures: kvw)
                    Linear.backward(dx: dNormed, dw: g(gp.value), dy: s.dValue.pointer, x: normed, w: lw + p.value, rows: n, inFeatures: h, outFeatures: kvw)
                    lora?.backward(dx: dNormed, dy: s.dQuery.pointer, x: normed, layer: l, target: .q, rows: n)
                    lora?.backward(dx: dNormed, dy: s.dKey.pointer, x: normed, layer: l, target: .k, rows: n)
                    lora?.backward(dx: dNormed, dy: s.dValue.pointer, x: normed, layer: l, target: .v, rows: n)
                }
                Profiler.measure(.norms) {
                    RMSNorm.backward(dinp: dx, dweight: g(gp.inputNorm), dout: dNormed, inp: x, weight: lw + p.inputNorm,
                                     rstd: a.rstd1[l].pointer, rows: n, dim: h)
                }
            }
        }
        if let table = g(layout.embedding) {
            Profiler.measure(.embedding) { a.tokens.withUnsafeBufferPointer { t in
                Embedding.backward(dtable: table, dout: dx, tokens: t.baseAddress!, rows: n, dim: h)
            } }
        }
    }

    private func zero(_ buffer: FloatBuffer, _ count: Int) {
        buffer.pointer.update(repeating: 0, count: count)
    }
}
