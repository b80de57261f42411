/// Which checkpoint to start from and how to talk to it.
public struct ModelSection: RunConfigSection, Equatable {
    /// A `.gguf` file, a `.safetensors` file or a Hugging Face model folder. Required.
    public var path: String?
    /// `auto` reads the template from the checkpoint; the others force a known family.
    public var chatTemplate: ChatTemplate
    /// Low-rank adapters (off by default: full fine-tuning).
    public var lora: LoRASection

    public enum ChatTemplate: String, ConfigChoice {
        case auto, chatml, tulu, plain
    }

    enum CodingKeys: String, CodingKey {
        case path
        case chatTemplate = "chat_template"
        case lora
    }

    public init() {
        path = nil
        chatTemplate = .auto
        lora = LoRASection()
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Self()
        path = try c.decodeIfPresent(String.self, forKey: .path)
        chatTemplate = try c.value(.chatTemplate, or: d.chatTemplate)
        lora = try c.value(.lora, or: d.lora)
    }

    public func problems() -> [ConfigProblem] {
        guard let path, !path.isEmpty else {
            return [ConfigProblem("path", "required: a .gguf file, a .safetensors file or a Hugging Face model folder")]
        }
        return lora.problems().map { $0.inSection("lora") }
    }
}
