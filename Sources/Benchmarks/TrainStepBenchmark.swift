import Foundation
import Training
import Kernels
import LlamaModel
import RunConfig

/// Times full training steps (forward, log-probs, backward, clipping, AdamW) on random tokens and
/// compares the achieved rate with OpenBLAS sgemm at the model's own matrix shapes, measured in the
/// same process.
///
/// FLOPs counted per step (B sequences of T tokens, N = B·T):
///   matrix products: 6·N·P, where P = layers·(q, k, v, o, gate, up, down weights) + vocab·hidden
///                    (2 per weight and token forward, 4 backward);
///   attention:       3 · layers · 4·heads·headDim · B·T(T+1)/2 (scores and weighted values,
///                    causal, forward once and backward twice).
public struct TrainStepBenchmark {
    public struct Result {
        public var stepSeconds: [Double]
        public var tokensPerStep: Int
        public var flopsPerStep: Double
        public var matmulFlopsPerStep: Double
        public var attentionFlopsPerStep: Double
        /// The better of OpenBLAS with its own threads and OpenBLAS split across the engine's pool.
        public var sgemmGFLOPs: Double
        public var sgemmNativeGFLOPs: Double
        public var sgemmPoolGFLOPs: Double
        public var sgemmShapes: [(m: Int, n: Int, k: Int, gflops: Double)]
        public var phases: [(phase: Phase, seconds: Double)]
        public var plannedBytes: [(what: String, bytes: Int)]
        public var peakResidentBytes: Int

        public var medianStepSeconds: Double { stepSeconds.sorted()[stepSeconds.count / 2] }
        public var tokensPerSecond: Double { Double(tokensPerStep) / medianStepSeconds }
        public var achievedGFLOPs: Double { flopsPerStep / medianStepSeconds / 1e9 }
    }

    public let model: LlamaModel
    public let batch: Int
    public let sequenceLength: Int
    public let steps: Int
    public let retention: LlamaActivations.Retention

    public init(model: LlamaModel, batch: Int, sequenceLength: Int, steps: Int, retention: LlamaActivations.Retention = .all) {
        self.model = model
        self.retention = retention
        self.batch = batch
        self.sequenceLength = sequenceLength
        self.steps = steps
    }

    /// The SmolLM2-135M architecture (for random-weight benchmarks without the file).
    public static let smolLM2_135M = ModelPreset.smolLM2_135M.config

    /// Fills the weights with small deterministic values (norm gains 1).
    public static func randomize(_ model: LlamaModel, seed: UInt64) {
        var state = seed
        for entry in model.layout.entries {
            let p = model.parameters.pointer + entry.offset
            if entry.isNorm {
                for i in 0..<entry.count { p[i] = 1 }
                continue
            }
            for i in 0..<entry.count {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                p[i] = (Float(state >> 40) / Float(1 << 24) - 0.5) * 0.04
            }
        }
    }

    /// The bytes a step holds, by part, before anything is allocated: weights, gradients and AdamW
    /// moments (under LoRA the base without them and the adapters with), activations, backward
    /// scratch and the LM head's chunk.
    public static func plan(config c: LlamaConfig, batch: Int, sequenceLength: Int, retention: LlamaActivations.Retention,
                            lora: LoRASection, baseBF16: Bool = false) -> [(what: String, bytes: Int)] {
        let floats = MemoryLayout<Float>.stride, n = batch * sequenceLength
        let parameterBytes = LlamaParameterLayout(config: c).count * floats
        let weightParts: [(String, Int)]
        if lora.enabled {
            let targets = lora.targets.compactMap { LoRAAdapters.Target(rawValue: $0.rawValue) }
            let trained = LoRAAdapters.parameterCount(config: c, rank: lora.rank, targets: targets) * floats
            weightParts = [(baseBF16 ? "parameters (frozen; decoder layers bf16)" : "parameters (frozen)",
                            LlamaModel.weightBytes(config: c, bf16Layers: baseBF16)), ("LoRA adapters", trained), ("adapter gradients", trained), ("AdamW moments", 2 * trained),
                           ("LoRA scratch", LoRAAdapters.scratchBytes(config: c, rank: lora.rank, targets: targets, rows: n))]
        } else {
            weightParts = [("parameters", parameterBytes), ("gradients", parameterBytes), ("AdamW moments", 2 * parameterBytes)]
        }
        return (weightParts + [
            ("activations", LlamaActivations.bytes(config: c, capacity: n, retention: retention)),
            ("backward scratch", LlamaActivations.backwardBytes(config: c, capacity: n)),
            ("LM head chunk", n * min(4096, c.vocabSize) * floats),
        ]).map { (what: $0.0, bytes: $0.1) }
    }

    public func run(progress: (String) -> Void = { _ in }) throws -> Result {
        let c = model.config
        let n = batch * sequenceLength
        let optimizer = try OptimizerGroup(model: model, settings: .init(weightDecay: 0.01), maxGradNorm: 1.0)
        let activations = LlamaActivations(config: c, capacity: n, longestSequence: sequenceLength, retention: retention)
        var lora = LoRASection()
        if let adapters = model.adapters {
            lora.rank = adapters.rank
            lora.targets = adapters.targets.compactMap { LoRASection.Target(rawValue: $0.rawValue) }
        }
        let planned = Self.plan(config: c, batch: batch, sequenceLength: sequenceLength, retention: retention, lora: lora, baseBF16: model.baseIsBF16)

        var state: UInt64 = 12345
        let tokens: [Int32] = (0..<n).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int32((state >> 33) % UInt64(c.vocabSize))
        }
        let sequences = PackedSequences(lengths: [Int](repeating: sequenceLength, count: batch))
        var targets = [Int32](repeating: -1, count: n)
        for b in 0..<batch {
            for t in 0..<(sequenceLength - 1) { targets[b * sequenceLength + t] = tokens[b * sequenceLength + t + 1] }
        }
        let predicted = Float(targets.filter { $0 >= 0 }.count)
        let dLogProb = targets.map { $0 >= 0 ? -1 / predicted : Float(0) }

        func step() throws {
            model.zeroGradients()
            try model.forward(tokens: tokens, sequences: sequences, activations: activations)
            try model.tokenLogProbs(targets: targets, activations: activations)
            model.backward(dLogProb: dLogProb, activations: activations)
            Profiler.measure(.optimizer) { _ = optimizer.step(lr: 1e-5) }
        }

        progress("warm-up step")
        try step()
        Profiler.reset()
        Profiler.enabled = true
        defer { Profiler.enabled = false }
        var times: [Double] = []
        for index in 0..<steps {
            let start = Profiler.now()
            try step()
            times.append(Profiler.now() - start)
            progress(String(format: "step %d/%d: %.2f s", index + 1, steps, times.last!))
        }
        let phases = Profiler.totals().map { ($0.phase, $0.seconds / Double(steps)) }
        Profiler.enabled = false

        // FLOPs of one step
        let h = c.hiddenSize, q = c.numAttentionHeads * c.headDim, kv = c.numKeyValueHeads * c.headDim
        let perLayerWeights = 2 * h * q + 2 * h * kv + 3 * h * c.intermediateSize
        let matmulWeights = Double(c.numHiddenLayers * perLayerWeights + c.vocabSize * h)
        // full fine-tuning: 2 FLOPs per weight and token forward, 4 backward (dX and dW); under LoRA
        // the frozen weights get no dW (2 backward), and each adapter costs 2·r·(4·in + 3·out) per token
        let loraFlops = model.adapters.map { adapters in adapters.all.reduce(0.0) { $0 + LoRAAdapters.trainingFlopsPerToken($1, rank: adapters.rank) } } ?? 0
        let matmulFlopsLoRA = loraFlops * Double(n)
        let matmulFlops = (model.adapters == nil ? 6 : 4) * Double(n) * matmulWeights + matmulFlopsLoRA
        let causalPairs = Double(batch) * Double(sequenceLength) * Double(sequenceLength + 1) / 2
        let attentionFlops = 3 * Double(c.numHiddenLayers) * 4 * Double(q) * causalPairs

        progress("measuring sgemm at the model's shapes")
        let (native, _) = measureSgemm(tokens: n, openBLASThreads: true)
        let (pool, shapes) = measureSgemm(tokens: n, openBLASThreads: false)
        return Result(stepSeconds: times, tokensPerStep: n, flopsPerStep: matmulFlops + attentionFlops,
                      matmulFlopsPerStep: matmulFlops, attentionFlopsPerStep: attentionFlops,
                      sgemmGFLOPs: max(native, pool), sgemmNativeGFLOPs: native, sgemmPoolGFLOPs: pool,
                      sgemmShapes: shapes, phases: phases, plannedBytes: planned,
                      peakResidentBytes: peakResidentBytes())
    }

    /// OpenBLAS sgemm over one step's worth of the model's matrix products (forward x·Wᵀ, backward
    /// dy·W and dyᵀ·x for every weight shape and the LM head), weighted by how often each occurs.
    private func measureSgemm(tokens n: Int, openBLASThreads: Bool) -> (Double, [(m: Int, n: Int, k: Int, gflops: Double)]) {
        let c = model.config
        let h = c.hiddenSize, q = c.numAttentionHeads * c.headDim, kv = c.numKeyValueHeads * c.headDim, i = c.intermediateSize
        // (out, in, occurrences per step)
        let weights: [(Int, Int, Int)] = [(q, h, 2 * c.numHiddenLayers), (kv, h, 2 * c.numHiddenLayers), (h, q, 0),
                                          (i, h, 2 * c.numHiddenLayers), (h, i, c.numHiddenLayers), (min(4096, c.vocabSize), h, (c.vocabSize + 4095) / 4096)]
        // q_proj and o_proj have the same shape when q == h; count o_proj with q_proj then.
        var shapes: [(m: Int, n: Int, k: Int, count: Int)] = []
        for (out, inp, count) in weights where count > 0 {
            shapes.append((n, out, inp, count))       // forward  y = x · Wᵀ
            shapes.append((n, inp, out, count))       // backward dx = dy · W
            shapes.append((out, inp, n, count))       // backward dW = dyᵀ · x
        }
        if q != h { for shape in [(n, h, q), (n, q, h), (h, q, n)] { shapes.append((shape.0, shape.1, shape.2, c.numHiddenLayers)) } }
        var totalFlops = 0.0, totalSeconds = 0.0
        var measured: [(m: Int, n: Int, k: Int, gflops: Double)] = []
        for shape in shapes {
            let a = FloatBuffer(count: shape.m * shape.k), b = FloatBuffer(count: shape.k * shape.n), out = FloatBuffer(count: shape.m * shape.n)
            for index in 0..<a.count { a[index] = Float(index % 7) * 0.01 }
            for index in 0..<b.count { b[index] = Float(index % 5) * 0.01 }
            let flops = Gemm.flops(m: shape.m, n: shape.n, k: shape.k)
            func product() {
                if openBLASThreads {
                    Gemm.multiplyWithOpenBLASThreads(a.pointer, .none, b.pointer, .none, into: out.pointer, m: shape.m, n: shape.n, k: shape.k)
                } else {
                    Gemm.multiply(a.pointer, .none, b.pointer, .none, into: out.pointer, m: shape.m, n: shape.n, k: shape.k)
                }
            }
            product()
            var repeats = 0
            let start = Profiler.now()
            while repeats < 3 || Profiler.now() - start < 0.15 {
                product()
                repeats += 1
            }
            let seconds = (Profiler.now() - start) / Double(repeats)
            measured.append((shape.m, shape.n, shape.k, flops / seconds / 1e9))
            totalFlops += flops * Double(shape.count)
            totalSeconds += seconds * Double(shape.count)
        }
        return (totalFlops / totalSeconds / 1e9, measured)
    }
}
