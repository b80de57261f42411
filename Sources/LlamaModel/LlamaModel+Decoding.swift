import CKernels
import Foundation
import Kernels

/// Scratch for one decoding step of up to `batch` sequences.
public final class DecodeWorkspace: @unchecked Sendable {
    public let batch: Int
    let residual: FloatBuffer, normed: FloatBuffer, projected: FloatBuffer   // (B, hidden)
    let query: FloatBuffer, attention: FloatBuffer                         // (B, heads·headDim)
    let key: FloatBuffer, value: FloatBuffer                               // (B, kvHeads·headDim)
    let gate: FloatBuffer, up: FloatBuffer, hiddenMLP: FloatBuffer         // (B, intermediate)
    let hidden: FloatBuffer                                                // (B, hidden) final
    /// (B, vocabulary) logits of the last step, and (B) their log Σ e^z.
    public let logits: FloatBuffer
    public let logZ: FloatBuffer
    let runningMax: FloatBuffer, runningSum: FloatBuffer, runningWeighted: FloatBuffer
    let scores: FloatBuffer
    public let longest: Int
    /// The forward pass's buffers for prefills, kept between them and grown when a group needs more:
    /// allocating (and zeroing) them for every group cost about a tenth of an evaluation's time.
    /// Prefill never runs backward, so the MLP's gate/up buffers are shared by all layers.
    private var prefillActivations: LlamaActivations?

    public init(config c: LlamaConfig, batch: Int, longestSequence: Int) {
        self.batch = batch
        longest = longestSequence
        let h = c.hiddenSize, q = c.numAttentionHeads * c.headDim, kv = c.numKeyValueHeads * c.headDim, i = c.intermediateSize
        residual = FloatBuffer(count: batch * h)
        normed = FloatBuffer(count: batch * h)
        projected = FloatBuffer(count: batch * h)
        query = FloatBuffer(count: batch * q)
        attention = FloatBuffer(count: batch * q)
        key = FloatBuffer(count: batch * kv)
        value = FloatBuffer(count: batch * kv)
        gate = FloatBuffer(count: batch * i)
        up = FloatBuffer(count: batch * i)
        hiddenMLP = FloatBuffer(count: batch * i)
        hidden = FloatBuffer(count: batch * h)
        logits = FloatBuffer(count: batch * c.vocabSize)
        logZ = FloatBuffer(count: batch)
        runningMax = FloatBuffer(count: batch)
        runningSum = FloatBuffer(count: batch)
        runningWeighted = FloatBuffer(count: batch)
        scores = FloatBuffer(count: ComputeThreads.maximum * Self.scoresPerThread(config: c, longest: longestSequence))
    }

    /// Scratch floats per thread for a decoding step's attention: a row of scores for each query head
    /// of a key/value head's group, and their log-sum-exps.
    static func scoresPerThread(config c: LlamaConfig, longest: Int) -> Int {
        let group = c.numAttentionHeads / c.numKeyValueHeads
        return group * max(16, longest) + group
    }

    /// Activations for a prefill of `tokens` tokens whose longest sequence has `longest`.
    func activationsForPrefill(tokens: Int, longest: Int, config: LlamaConfig) -> LlamaActivations {
        if let kept = prefillActivations, kept.capacity >= tokens, kept.longestSequence >= longest { return kept }
        let capacity = max(tokens, prefillActivations?.capacity ?? 0)
        let longestSequence = max(longest, prefillActivations?.longestSequence ?? 0)
        prefillActivations = nil   // the old buffers go before the new ones come
        let grown = LlamaActivations(config: config, capacity: capacity, longestSequence: longestSequence, retention: .recomputeMLP)
        prefillActivations = grown
        return grown
    }
}

extension LlamaModel {
    /// Runs the prompts through the training forward pass (so their numbers are the trainer's),
    /// stores each prompt's keys and values in its cache, and leaves each prompt's last-position
    /// logits and log Z in rows 0..<prompts.count of `workspace`.
    public func prefill(prompts: [[Int32]], caches: [KVCache], workspace: DecodeWorkspace) throws {
        precondition(prompts.count == caches.count && prompts.count <= workspace.batch, "one cache per prompt, within the workspace")
        let sequences = PackedSequences(lengths: prompts.map(\.count))
        let activations = workspace.activationsForPrefill(tokens: sequences.tokenCount, longest: sequences.longest, config: config)
        try forward(tokens: prompts.flatMap { $0 }, sequences: sequences, activations: activations)
        let kvw = attentionShape.keyValueWidth, h = config.hiddenSize
        for (index, cache) in caches.enumerated() {
            let start = sequences.starts[index], length = sequences.lengths[index]
            guard cache.count + length <= cache.capacity else {
                throw LlamaModelError("a prompt of \(length) tokens does not fit its KV cache (capacity \(cache.capacity))")
            }
            for l in 0..<config.numHiddenLayers {
                (cache.keys(layer: l) + cache.count * kvw).update(from: activations.key[l].pointer + start * kvw, count: length * kvw)
                (cache.values(layer: l) + cache.count * kvw).update(from: activations.value[l].pointer + start * kvw, count: length * kvw)
            }
            cache.count += length
            (workspace.hidden.pointer + index * h).update(from: activations.finalHidden.pointer + (start + length - 1) * h, count: h)
        }
        logitsAndLogZ(workspace: workspace, rows: prompts.count)
    }

    /// One decoding step: `tokens[b]` is the next token of the sequence whose cache is `caches[b]`.
    /// Appends its key and value to the cache and leaves its logits and log Z in row b of `workspace`.
    /// Every number equals what the training forward pass computes for that token in its sequence.
    public func decodeStep(tokens: [Int32], caches: [KVCache], workspace ws: DecodeWorkspace) throws {
        let b = tokens.count
        precondition(b == caches.count && b <= ws.batch, "one cache per token, within the workspace")
        if let bad = tokens.first(where: { $0 < 0 || Int($0) >= config.vocabSize }) {
            throw LlamaModelError("token id \(bad) is outside the vocabulary (0..<\(config.vocabSize))")
        }
        for cache in caches where cache.count >= cache.capacity || cache.length >= config.maxPositionEmbeddings {
            throw LlamaModelError("a sequence reached \(cache.length) tokens: its KV cache (capacity \(cache.capacity)) or the context (\(config.maxPositionEmbeddings)) is full")
        }
        let c = config, h = c.hiddenSize, inter = c.intermediateSize, eps = Float(c.rmsNormEps)
        let qw = attentionShape.queryWidth, kvw = attentionShape.keyValueWidth, d = c.headDim
        let w = parameters.pointer
        let positions = caches.map { Int32($0.length) }
        rope.reserve(positions: Int(positions.max() ?? 0) + 1)
        tokens.withUnsafeBufferPointer { t in
            Embedding.forward(ws.residual.pointer, table: w + layout.embedding, tokens: t.baseAddress!, rows: b, dim: h)
        }
        positions.withUnsafeBufferPointer { positionBuffer in
            let pos = positionBuffer.baseAddress!
            for l in layout.layers.indices {
                let (lw, p) = layerWeights(l)   // this layer's weights: the arena, or widened from bf16
                let x = ws.residual.pointer
                Profiler.measure(.norms) {
                    RMSNorm.forward(ws.normed.pointer, rstd: ws.logZ.pointer, x, weight: lw + p.inputNorm, rows: b, dim: h, eps: eps)
                }
                Profiler.measure(.projectionsForward) {
                    Linear.forward([.init(ws.query.pointer, lw + p.query, outFeatures: qw), .init(ws.key.pointer, lw + p.key, outFeatures: kvw),
                                    .init(ws.value.pointer, lw + p.value, outFeatures: kvw)], x: ws.normed.pointer, rows: b, inFeatures: h)
                    if let lora = activeAdapters {
                        lora.addDelta(to: ws.query.pointer, x: ws.normed.pointer, layer: l, target: .q, rows: b)
                        lora.addDelta(to: ws.key.pointer, x: ws.normed.pointer, layer: l, target: .k, rows: b)
                        lora.addDelta(to: ws.value.pointer, x: ws.normed.pointer, layer: l, target: .v, rows: b)
                    }
                }
                Profiler.measure(.elementwise) {
                    rope.forward(ws.query.pointer, rows: b, heads: c.numAttentionHeads, positionOfRow: pos)
                    rope.forward(ws.key.pointer, rows: b, heads: c.numKeyValueHeads, positionOfRow: pos)
                }
                Profiler.measure(.attentionForward) {
                    for (row, cache) in caches.enumerated() {
                        (cache.keys(layer: l) + cache.count * kvw).update(from: ws.key.pointer + row * kvw, count: kvw)
                        (cache.values(layer: l) + cache.count * kvw).update(from: ws.value.pointer + row * kvw, count: kvw)
                    }
                    // One kernel call per (row, key/value head) for the query heads sharing it.
                    let shape = attentionShape, scale = shape.scale, stride = DecodeWorkspace.scoresPerThread(config: c, longest: ws.longest)
                    parallelChunks(b * shape.keyValueHeads) { chunk, range in
                        let scores = ws.scores.pointer + chunk * stride
                        let lse = scores + shape.group * max(16, ws.longest)
                        for item in range {
                            let row = item / shape.keyValueHeads, kvHead = item % shape.keyValueHeads
                            let cache = caches[row], kvOffset = kvHead * d, head = kvHead * shape.group
                            let own = cache.count + 1   // this token's row is written above
                            let prefixCount = cache.prefix?.count ?? 0
                            let prefixKeys = cache.prefix.map { UnsafePointer($0.keys(layer: l)) } ?? UnsafePointer(cache.keys(layer: l))
                            let prefixValues = cache.prefix.map { UnsafePointer($0.values(layer: l)) } ?? UnsafePointer(cache.values(layer: l))
                            rlvr_attend_group(
                                ws.query.pointer + row * qw + head * d, shape.group,
                                prefixKeys + kvOffset, prefixValues + kvOffset, kvw, prefixCount,
                                cache.keys(layer: l) + kvOffset, cache.values(layer: l) + kvOffset, kvw, own,
                                d, scale, scores, ws.attention.pointer + row * qw + head * d, lse)
                        }
                    }
                }
                Profiler.measure(.projectionsForward) {
                    Linear.forward(ws.projected.pointer, ws.attention.pointer, lw + p.output, rows: b, inFeatures: qw, outFeatures: h)
                    activeAdapters?.addDelta(to: ws.projected.pointer, x: ws.attention.pointer, layer: l, target: .o, rows: b)
                }
                Profiler.measure(.elementwise) { addInPlace(x, ws.projected.pointer, count: b * h) }
                Profiler.measure(.norms) {
                    RMSNorm.forward(ws.normed.pointer, rstd: ws.logZ.pointer, x, weight: lw + p.postNorm, rows: b, dim: h, eps: eps)
                }
                Profiler.measure(.mlpForward) {
                    Linear.forward([.init(ws.gate.pointer, lw + p.gate, outFeatures: inter), .init(ws.up.pointer, lw + p.up, outFeatures: inter)],
                                   x: ws.normed.pointer, rows: b, inFeatures: h)
                    if let lora = activeAdapters {
                        lora.addDelta(to: ws.gate.pointer, x: ws.normed.pointer, layer: l, target: .gate, rows: b)
                        lora.addDelta(to: ws.up.pointer, x: ws.normed.pointer, layer: l, target: .up, rows: b)
                    }
                    SwiGLU.forward(ws.hiddenMLP.pointer, gate: ws.gate.pointer, up: ws.up.pointer, count: b * inter)
                    Linear.forward(ws.projected.pointer, ws.hiddenMLP.pointer, lw + p.down, rows: b, inFeatures: inter, outFeatures: h)
                    activeAdapters?.addDelta(to: ws.projected.pointer, x: ws.hiddenMLP.pointer, layer: l, target: .down, rows: b)
                }
                Profiler.measure(.elementwise) { addInPlace(x, ws.projected.pointer, count: b * h) }
            }
        }
        for cache in caches { cache.count += 1 }
        RMSNorm.forward(ws.hidden.pointer, rstd: ws.logZ.pointer, ws.residual.pointer, weight: w + layout.finalNorm, rows: b, dim: h, eps: eps)
        Profiler.measure(.lmHeadForward) { logitsAndLogZ(workspace: ws, rows: b) }
    }

    private func addInPlace(_ x: UnsafeMutablePointer<Float>, _ y: UnsafePointer<Float>, count: Int) {
        // x + y in the same order as the training pass's out = x + y
        for i in 0..<count { x[i] = x[i] + y[i] }
    }

    /// Full logits of `rows` final hidden states and their log Z, computed chunk by chunk exactly as
    /// the training head computes log Z (same chunks, same online update).
    func logitsAndLogZ(workspace ws: DecodeWorkspace, rows: Int) {
        let v = config.vocabSize, h = config.hiddenSize
        let chunk = min(VocabularyHead.defaultChunkSize, v)
        let m = ws.runningMax.pointer, s = ws.runningSum.pointer, a = ws.runningWeighted.pointer
        for r in 0..<rows { m[r] = -.infinity; s[r] = 0; a[r] = 0 }
        // All logits at once (each is the canonical dot product, however the call is split), then
        // log Z with the training head's chunks and online update, so it has the same bits.
        Linear.forward(ws.logits.pointer, ws.hidden.pointer, parameters.pointer + layout.lmHead, rows: rows, inFeatures: h, outFeatures: v)
        parallelFor(rows) { range in
            for r in range {
                var first = 0
                while first < v {
                    let width = min(chunk, v - first)
                    rlvr_online_softmax_update(ws.logits.pointer + r * v + first, width, m + r, s + r, a + r)
                    first += width
                }
            }
        }
        for r in 0..<rows { ws.logZ[r] = m[r] + rlvr_log(s[r]) }
    }
}
