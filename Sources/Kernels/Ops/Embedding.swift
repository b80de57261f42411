/// Token embedding lookup: out[r] = table[token[r]]; backward scatters dout rows back into dtable.
public enum Embedding {
    /// out: [rows, dim]; table: [vocabulary, dim]. Token ids were validated by the caller.
    public static func forward(_ out: UnsafeMutablePointer<Float>, table: UnsafePointer<Float>, tokens: UnsafePointer<Int32>, rows: Int, dim: Int) {
        parallelFor(rows, minimumChunk: 64) { range in
            for r in range {
                (out + r * dim).update(from: table + Int(tokens[r]) * dim, count: dim)
            }
        }
    }

    /// dtable[token[r]] += dout[r]. Columns are split between threads and rows are visited in
    /// order, so repeated tokens accumulate in the same order whatever the thread count.
    public static func backward(dtable: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, tokens: UnsafePointer<Int32>, rows: Int, dim: Int) {
        parallelFor(dim, minimumChunk: 32) { columns in
            for r in 0..<rows {
                let source = dout + r * dim, target = dtable + Int(tokens[r]) * dim
                for i in columns { target[i] += source[i] }
            }
        }
    }
}
