/// llama.cpp's converter (convert_hf_to_gguf.py, `LlamaModel.permute`) stores each attention head's
/// attn_q / attn_k rows interleaved in pairs, for interleaved RoPE: GGUF row h·d + 2i + j holds
/// Hugging Face row h·d + j·d/2 + i (head h, d = head size, i < d/2, j ∈ {0, 1}). Reading a GGUF
/// puts the rows back; writing one applies the permutation again.
enum RotaryRowOrder {
    /// For each GGUF row, the Hugging Face row it holds.
    static func huggingFaceRows(heads: Int, headDim: Int) -> [Int] {
        let half = headDim / 2
        var rows = [Int](repeating: 0, count: heads * headDim)
        for h in 0..<heads {
            for i in 0..<half {
                for j in 0..<2 { rows[h * headDim + 2 * i + j] = h * headDim + j * half + i }
            }
        }
        return rows
    }

    /// GGUF order → Hugging Face order, in place (`weights`: [heads·headDim, columns] row-major).
    static func toHuggingFace(_ weights: UnsafeMutableBufferPointer<Float>, heads: Int, headDim: Int, columns: Int) {
        let gguf = Array(weights)
        for (ggufRow, row) in huggingFaceRows(heads: heads, headDim: headDim).enumerated() {
            for c in 0..<columns { weights[row * columns + c] = gguf[ggufRow * columns + c] }
        }
    }

    /// Hugging Face order → GGUF order (`weights`: [heads·headDim, columns] row-major).
    static func toGGUF(_ weights: [Float], heads: Int, headDim: Int, columns: Int) -> [Float] {
        var gguf = weights
        for (ggufRow, row) in huggingFaceRows(heads: heads, headDim: headDim).enumerated() {
            for c in 0..<columns { gguf[ggufRow * columns + c] = weights[row * columns + c] }
        }
        return gguf
    }
}
