/// Which checkpoint to start from and how to talk to it.
public struct ModelSection: RunConfigSection, Equatable {
    /// A `.gguf` file, a `.safetensors` file or a Hugging Face model folder. Required.
    public var path: String?
    /// `auto` reads the template from the checkpoint; the others force a known family.
    public var chatTemplate: ChatTemplate
    /// Low-rank adapters (off by default: full fine-tuning).
    public var lora: LoRASection
    /// How the frozen base's decoder layers are stored under LoRA: f32, or bf16 (half the bytes;
    /// read widened to fp32, so the model is exactly the fp32 one with bf16-rounded layer weights).
    public var baseDType: BaseDType

    public enum BaseDType: String, ConfigChoice {
        case f32, bf16
    }

    public enum ChatTemplate: String, ConfigChoice {
        case auto, chatml, tulu, plain
    }

    enum CodingKeys: String, CodingKey {
        case path
        case chatTemplate = "chat_template"
        case lora
        case baseDType = "base_dtype"
    }

    public init() {
        path = nil
        chatTemplate = .auto
        lora = LoRASection()
        baseDType = .f32
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Self()
        path = try c.decodeIfPresent(String.self, forKey: .path)
        chatTemplate = try c.value(.chatTemplate, or: d.chatTemplate)
        lora = try c.value(.lora, or: d.lora)
        baseDType = try c.value(.baseDType, or: d.baseDType)
    }

    public func problems() -> [ConfigProblem] {
        guard let path, !path.isEmpty else {
            return [ConfigProblem("path", "required: a .gguf file, a .safetensors file or a Hugging Face model folder")]
        }
        var found = lora.problems().map { $0.inSection("lora") }
        if baseDType == .bf16 && !lora.enabled {
            found.append(ConfigProblem("base_dtype", "bf16 stores a frozen base: it needs LoRA adapters (model.lora.rank > 0); full fine-tuning trains fp32 weights"))
        }
        return found
    }
}
