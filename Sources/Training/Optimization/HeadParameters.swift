import Kernels

/// A trainable tensor outside the model's arena (the reward model's `score.weight`), with its own
/// gradient and AdamW moments; stepped, clipped and checkpointed together with the model.
public final class HeadParameters: @unchecked Sendable {
    /// Hugging Face tensor name.
    public let name: String
    public let shape: [Int]
    public let values: FloatBuffer
    public let gradients: FloatBuffer
    public let optimizer: AdamW

    public init(name: String, shape: [Int], settings: AdamW.Settings) {
        self.name = name
        self.shape = shape
        let count = shape.reduce(1, *)
        values = FloatBuffer(count: count)
        gradients = FloatBuffer(count: count)
        optimizer = AdamW(parameterCount: count, decayedRanges: [0..<count], settings: settings)
    }
}
