import LlamaModel
import RunConfig
import Training

/// What the trainer-driven benchmarks (`bench stages`, `bench ppo`) train: the weights at the model
/// path or a random-weight architecture, fully or through LoRA adapters, over an fp32 or bf16 base.
public struct BenchmarkModelChoice {
    /// A random-weight architecture to train instead of the model path's weights (its tokenizer stays).
    public var startingModel: (@Sendable () throws -> LlamaModel)?
    /// `model.lora` (off by default: full fine-tuning).
    public var lora = LoRASection()
    /// `model.base_dtype` (bf16 needs `lora`).
    public var baseDType = ModelSection.BaseDType.f32

    public init() {}

    func apply(to config: inout RunConfiguration, options: inout TrainerOptions) {
        config.model.lora = lora
        config.model.baseDType = baseDType
        options.startingModel = startingModel
    }
}
