import Checkpoints
import Foundation
import Kernels
import LlamaModel
import ModelIO
import Testing

/// The tiny Llama reference made by `scripts/make_llama_reference.py` (numpy float64, checked
/// against PyTorch autograd and finite differences there).
struct ReferenceFixture {
    let file: SafetensorsFile
    let config: LlamaConfig
    let tokens: [Int32]
    let lengths: [Int]
    let targets: [Int32]

    static func path(_ name: String) throws -> String {
        let base = try #require(Bundle.module.resourceURL)
        return base.appendingPathComponent("Fixtures").appendingPathComponent(name).path
    }

    init(_ variant: String) throws {
        file = try SafetensorsFile(path: try Self.path("tiny_llama_\(variant).safetensors"))
        config = try LlamaConfig(huggingFaceConfigAt: try Self.path("tiny_llama_\(variant).config.json"))
        tokens = try file.integers("input.tokens").map { Int32($0) }
        lengths = try file.integers("input.sequence_lengths")
        targets = try file.integers("input.targets").map { Int32($0) }
    }

    func model() throws -> LlamaModel {
        try LlamaCheckpoint.load(config: config, safetensors: [file])
    }

    var sequences: PackedSequences { PackedSequences(lengths: lengths) }

    func floats(_ name: String) throws -> [Float] { try file.floats(name) }

    /// dL/d log p for L = mean over target rows of −log p(target).
    var meanLossGradient: [Float] {
        let count = Float(targets.filter { $0 >= 0 }.count)
        return targets.map { $0 >= 0 ? -1 / count : 0 }
    }
}

/// max |a − b| / (tolerance scale), with the worst index, for error messages.
func maxRelativeError(_ a: [Float], _ b: [Float], floor: Float) -> (error: Float, index: Int) {
    var worst: Float = 0, index = 0
    for i in 0..<min(a.count, b.count) {
        let e = abs(a[i] - b[i]) / max(floor, abs(b[i]))
        if e > worst || e.isNaN { worst = e; index = i }
    }
    return (worst, index)
}

func buffer(_ p: UnsafeMutablePointer<Float>, _ count: Int) -> [Float] {
    Array(UnsafeBufferPointer(start: p, count: count))
}
