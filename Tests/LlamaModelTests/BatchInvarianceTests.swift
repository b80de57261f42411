import CKernels
import Foundation
import Kernels
import LlamaModel
import Testing
import TestSupport
import Training

/// A token's log-probability must not depend on what else is in the batch, on the thread count,
/// or on which instruction set computes it (docs/core.md, "Batch invariance"): that is what makes the PPO ratio exactly 1.
/// Every test runs on every kernel path this CPU has.
@Suite(.serialized) struct BatchInvarianceTests {
    static let paths = KernelPath.available
    static func randomModel(vocab: Int = 300, tied: Bool = true) throws -> LlamaModel {
        try randomLlama(vocab: vocab, tied: tied)
    }

    static func randomTokens(_ count: Int, vocab: Int, seed: UInt64) -> [Int32] {
        var random = SplitMix64(state: seed)
        return (0..<count).map { _ in Int32(random.below(vocab)) }
    }

    /// Log-probs of next tokens for each sequence of a packed batch.
    static func logProbs(_ model: LlamaModel, _ sequences: [[Int32]]) throws -> [[Float]] {
        let packed = PackedSequences(lengths: sequences.map(\.count))
        let tokens = sequences.flatMap { $0 }
        let targets: [Int32] = sequences.flatMap { s -> [Int32] in Array(s.dropFirst()) + [-1] }
        let a = LlamaActivations(config: model.config, capacity: tokens.count, longestSequence: packed.longest)
        try model.forward(tokens: tokens, sequences: packed, activations: a)
        try model.tokenLogProbs(targets: targets, activations: a)
        return zip(packed.starts, packed.lengths).map { start, length in
            (0..<length).map { a.logProb[start + $0] }
        }
    }

    @Test(arguments: paths) func sequenceAloneEqualsSequenceInABatch(path: KernelPath) throws {
        try KernelPath.with(path) {
        let model = try Self.randomModel()
        let probe = Self.randomTokens(37, vocab: 300, seed: 1)
        let alone = try Self.logProbs(model, [probe])[0]
        for (other, position) in [(5, 0), (120, 1), (1, 1), (64, 2)] {
            var batch = [Self.randomTokens(other, vocab: 300, seed: UInt64(other)), Self.randomTokens(9, vocab: 300, seed: 7)]
            batch.insert(probe, at: position)
            let inBatch = try Self.logProbs(model, batch)[position]
            #expect(inBatch.map(\.bitPattern) == alone.map(\.bitPattern), "\(path): probe at \(position) with a \(other)-token neighbour")
        }
        }
    }

    @Test(arguments: paths) func prefixTokensDoNotChangeWhenTheSequenceGrows(path: KernelPath) throws {
        // Causality plus invariance: the log-probs of the first 20 tokens are the same bits whether
        // the sequence stops at 21 tokens or continues to 80 (as in incremental decoding).
        try KernelPath.with(path) {
            let model = try Self.randomModel()
            let long = Self.randomTokens(80, vocab: 300, seed: 5)
            let full = try Self.logProbs(model, [long])[0]
            let prefix = try Self.logProbs(model, [Array(long.prefix(21))])[0]
            #expect(Array(full.prefix(20)).map(\.bitPattern) == Array(prefix.prefix(20)).map(\.bitPattern), "\(path)")
        }
    }

    @Test(arguments: paths) func threadCountDoesNotChangeAnyBit(path: KernelPath) throws {
        try KernelPath.with(path) {
        let model = try Self.randomModel()
        model.enableGradients()
        let batch = [Self.randomTokens(50, vocab: 300, seed: 3), Self.randomTokens(17, vocab: 300, seed: 4)]
        var results: [[UInt32]] = []
        var gradients: [[UInt32]] = []
        for threads in [1, 2] {
            ComputeThreads.configure(threads)
            results.append(try Self.logProbs(model, batch).flatMap { $0 }.map(\.bitPattern))
            let packed = PackedSequences(lengths: batch.map(\.count))
            let a = LlamaActivations(config: model.config, capacity: 67, longestSequence: 50)
            try model.forward(tokens: batch.flatMap { $0 }, sequences: packed, activations: a)
            try model.tokenLogProbs(targets: batch.flatMap { s -> [Int32] in Array(s.dropFirst()) + [-1] }, activations: a)
            model.zeroGradients()
            model.backward(dLogProb: [Float](repeating: -0.1, count: 67), activations: a)
            gradients.append(Array(UnsafeBufferPointer(start: model.gradients!.pointer, count: model.layout.count)).map(\.bitPattern))
        }
        ComputeThreads.configure(1)
        #expect(results[0] == results[1], "\(path): forward differs between 1 and 2 threads")
        #expect(gradients[0] == gradients[1], "\(path): gradients differ between 1 and 2 threads")
        }
    }

    /// The whole model, forward and backward, on each path against the portable path (the canonical
    /// arithmetic): log-probs, entropies and every gradient bit.
    @Test(arguments: paths.filter { $0 != .portable }) func everyPathGivesThePortablePathsBits(path: KernelPath) throws {
        let model = try Self.randomModel()
        model.enableGradients()
        let batch = [Self.randomTokens(45, vocab: 300, seed: 8), Self.randomTokens(12, vocab: 300, seed: 9), Self.randomTokens(19, vocab: 300, seed: 10)]
        let count = batch.reduce(0) { $0 + $1.count }
        func run() throws -> (forward: [UInt32], gradients: [UInt32]) {
            let a = LlamaActivations(config: model.config, capacity: count, longestSequence: 45)
            try model.forward(tokens: batch.flatMap { $0 }, sequences: PackedSequences(lengths: batch.map(\.count)), activations: a)
            try model.tokenLogProbs(targets: batch.flatMap { s -> [Int32] in Array(s.dropFirst()) + [-1] }, activations: a)
            let forward = (0..<count).flatMap { [a.logProb[$0].bitPattern, a.entropy[$0].bitPattern] }
            model.zeroGradients()
            model.backward(dLogProb: [Float](repeating: -0.1, count: count), dEntropy: [Float](repeating: 0.01, count: count), activations: a)
            return (forward, Array(UnsafeBufferPointer(start: model.gradients!.pointer, count: model.layout.count)).map(\.bitPattern))
        }
        let portable = try KernelPath.with(.portable) { try run() }
        let fast = try KernelPath.with(path) { try run() }
        #expect(fast.forward == portable.forward, "\(path): \(zip(fast.forward, portable.forward).filter { $0 != $1 }.count) forward values differ")
        #expect(fast.gradients == portable.gradients,
                "\(path): \(zip(fast.gradients, portable.gradients).filter { $0 != $1 }.count) of \(fast.gradients.count) gradient values differ")
    }
}

@Suite(.serialized) struct TrainingBehaviourTests {
    @Test func overfittingOneBatchDrivesTheLossToZero() throws {
        let model = try BatchInvarianceTests.randomModel(vocab: 64, tied: false)
        model.enableGradients()
        let sequences = [BatchInvarianceTests.randomTokens(24, vocab: 64, seed: 21), BatchInvarianceTests.randomTokens(16, vocab: 64, seed: 22)]
        let packed = PackedSequences(lengths: sequences.map(\.count))
        let tokens = sequences.flatMap { $0 }
        let targets: [Int32] = sequences.flatMap { s -> [Int32] in Array(s.dropFirst()) + [-1] }
        let count = Float(targets.filter { $0 >= 0 }.count)
        let dLogProb: [Float] = targets.map { $0 >= 0 ? -1 / count : 0 }
        let a = LlamaActivations(config: model.config, capacity: tokens.count, longestSequence: 24)
        let decayed = model.layout.entries.filter { !$0.isNorm }.map { $0.offset..<($0.offset + $0.count) }
        let optimizer = AdamW(parameterCount: model.layout.count, decayedRanges: decayed, settings: .init())
        var losses: [Float] = []
        for _ in 0..<150 {
            try model.forward(tokens: tokens, sequences: packed, activations: a)
            try model.tokenLogProbs(targets: targets, activations: a)
            losses.append(-(0..<tokens.count).map { a.logProb[$0] }.reduce(0, +) / count)
            model.zeroGradients()
            model.backward(dLogProb: dLogProb, activations: a)
            GradientClipping.clip(model.gradients!, maxNorm: 1.0)
            optimizer.update(parameters: model.parameters, gradients: model.gradients!, lr: 3e-3)
        }
        #expect(losses[0] > 3.5, "initial loss \(losses[0]) should be near log(64) ≈ 4.16")
        #expect(losses.last! < 0.05, "loss after 150 steps: \(losses.last!) (first \(losses[0]))")
    }

    @Test func badInputIsAnErrorWithTheValues() throws {
        let model = try BatchInvarianceTests.randomModel(vocab: 64)
        let a = LlamaActivations(config: model.config, capacity: 8, longestSequence: 8)
        #expect(throws: LlamaModelError("token id 64 at position 1 is outside the vocabulary (0..<64)")) {
            try model.forward(tokens: [1, 64, 2], sequences: PackedSequences(lengths: [3]), activations: a)
        }
        #expect(throws: LlamaModelError.self) {
            try model.forward(tokens: [Int32](repeating: 1, count: 9), sequences: PackedSequences(lengths: [9]), activations: a)
        }
        let long = LlamaActivations(config: model.config, capacity: 300, longestSequence: 300)
        #expect(throws: LlamaModelError("a sequence of 257 tokens is longer than the model's context (256)")) {
            try model.forward(tokens: [Int32](repeating: 1, count: 257), sequences: PackedSequences(lengths: [257]), activations: long)
        }
        var config = model.config
        config.numKeyValueHeads = 3
        #expect(throws: LlamaModelError.self) { try LlamaModel(config: config) }
    }
}
