import Checkpoints
import Foundation
import LlamaModel
import ModelIO
import Testing
import TestSupport
import Tokenization

/// `rlvr export`'s GGUF: read back by the engine's own GGUF loader (which undoes llama.cpp's row
/// permutation), an f32 file gives the model bit for bit, the tokenizer comes back whole, and
/// quantized files load within their type's error. (Byte equality with llama.cpp's own file and with
/// the gguf package is the recorded check in docs/checkpoints.md.)
@Suite struct GGUFExportTests {
    /// A random Llama (untied, so output.weight is written too) and a byte-level tokenizer with merges,
    /// added tokens and a chat template.
    static func modelAndTokenizer() throws -> (LlamaModel, BPETokenizer) {
        let model = try randomLlama(vocab: 261, tied: false)
        let bytes = (0..<256).map { ByteLevel.token(for: [UInt8($0)]) }
        let tokens = bytes + ["Ġt", "Ġth", "Ġthe", "<|im_start|>", "<|im_end|>"]
        let tokenizer = try BPETokenizer(tokens: tokens, merges: [("Ġ", "t"), ("Ġt", "h"), ("Ġth", "e")],
                                         addedTokens: [("<|im_start|>", 259, true), ("<|im_end|>", 260, true)],
                                         preTokenizer: PreTokenizer(kind: .digitsThenGPT2), bosTokenID: 259, eosTokenID: 260, padTokenID: 260,
                                         chatTemplate: "{% for m in messages %}<|im_start|>{{ m.content }}<|im_end|>{% endfor %}")
        return (model, tokenizer)
    }

    @Test func f32RoundTripsBitForBit() throws {
        let (model, tokenizer) = try Self.modelAndTokenizer()
        let path = try ScratchFolder.make("rlvr-export") + "/model.gguf"
        try GGUFExport.write(model, tokenizer: tokenizer, type: .f32, name: "tiny", to: path)
        let file = try GGUFFile(path: path)
        #expect(file["general.architecture"]?.stringValue == "llama" && file["general.name"]?.stringValue == "tiny")
        #expect(file.info("output.weight") != nil && file.info("blk.1.attn_q.weight")?.type == .f32)
        let loaded = try LlamaCheckpoint.load(path)
        let (a, b) = (loaded.config, model.config)   // the special token ids come from the tokenizer
        let shapeA: [Int] = [a.vocabSize, a.hiddenSize, a.intermediateSize, a.numHiddenLayers, a.numAttentionHeads, a.numKeyValueHeads, a.headDim, a.maxPositionEmbeddings]
        let shapeB: [Int] = [b.vocabSize, b.hiddenSize, b.intermediateSize, b.numHiddenLayers, b.numAttentionHeads, b.numKeyValueHeads, b.headDim, b.maxPositionEmbeddings]
        #expect(shapeA == shapeB)
        #expect(a.rmsNormEps == b.rmsNormEps && a.ropeTheta == b.ropeTheta && a.tieWordEmbeddings == b.tieWordEmbeddings)
        #expect(a.bosTokenID == 259 && a.eosTokenIDs == [260])
        #expect(Array(loaded.parameters.buffer) == Array(model.parameters.buffer))
        let back = try BPETokenizer(gguf: file)
        #expect(back.tokens == tokenizer.tokens && back.mergeList.map { $0.0 + " " + $0.1 } == tokenizer.mergeList.map { $0.0 + " " + $0.1 })
        #expect(back.addedTokens.map(\.content) == tokenizer.addedTokens.map(\.content) && back.chatTemplate == tokenizer.chatTemplate)
        #expect(back.bosTokenID == 259 && back.eosTokenID == 260 && back.padTokenID == 260 && back.preTokenizer.kind == .digitsThenGPT2)
        let text = "<|im_start|> the 2 thin theme<|im_end|>"
        #expect(back.encode(text) == tokenizer.encode(text))
    }

    /// attn_q/attn_k rows are stored in llama.cpp's interleaved order, not as the model holds them.
    @Test func rotaryRowsArePermutedAsLlamaCppsConverterDoes() throws {
        let (model, tokenizer) = try Self.modelAndTokenizer()
        let path = try ScratchFolder.make("rlvr-export") + "/model.gguf"
        try GGUFExport.write(model, tokenizer: tokenizer, type: .f32, name: "tiny", to: path)
        let stored = try GGUFFile(path: path).floats("blk.0.attn_q.weight")
        let entry = try #require(model.layout.entries.first { $0.name == "model.layers.0.self_attn.q_proj.weight" })
        let columns = model.config.hiddenSize, d = model.config.headDim
        // GGUF row h·d + 2i + 1 is Hugging Face row h·d + d/2 + i
        for (h, i) in [(0, 0), (1, 3), (3, d / 2 - 1)] {
            let ggufRow = h * d + 2 * i + 1, hfRow = h * d + d / 2 + i
            #expect(Array(stored[ggufRow * columns..<(ggufRow + 1) * columns])
                    == Array(model.parameters.buffer[entry.offset + hfRow * columns..<entry.offset + (hfRow + 1) * columns]))
        }
    }

    @Test(arguments: GGUFExport.WeightType.allCases)
    func everyTypeLoadsWithinItsError(type: GGUFExport.WeightType) throws {
        let (model, tokenizer) = try Self.modelAndTokenizer()
        let path = try ScratchFolder.make("rlvr-export") + "/model-\(type.rawValue).gguf"
        try GGUFExport.write(model, tokenizer: tokenizer, type: type, name: "tiny", to: path)
        let file = try GGUFFile(path: path)
        let expected: GGMLType = [.f32: .f32, .f16: .f16, .q8_0: .q8_0, .q4_0: .q4_0, .q4_1: .q4_1, .q4_k: .q5_0][type]!   // 64-wide rows: Q5_0 for Q4_K
        #expect(file.info("blk.0.ffn_gate.weight")?.type == expected)
        #expect(file.info("blk.0.attn_norm.weight")?.type == .f32)
        #expect(file.info("token_embd.weight")?.type == ([.f32, .f16].contains(type) ? expected : .q8_0))
        #expect(file["general.file_type"]?.intValue == Int(type == .q4_k ? 14 : [.f32: 0, .f16: 1, .q8_0: 7, .q4_0: 2, .q4_1: 3][type]!))
        let loaded = try LlamaCheckpoint.load(path)
        // weights uniform in ±0.15: a 4-bit step is at most 0.3/15
        let bound: Float = [.f32: 0, .f16: 1e-4, .q8_0: 0.0013][type] ?? 0.021
        let worst = zip(loaded.parameters.buffer, model.parameters.buffer).map { abs($0 - $1) }.max()!
        #expect(worst <= bound, "\(type): \(worst)")
    }
}
