import Kernels
import LlamaModel

/// Refuses, before anything large is allocated, a run whose planned memory exceeds the machine's.
public enum MemoryPlanCheck {
    /// Throws a `TrainerError` naming every part, the total, the machine's memory and `suggestion`
    /// (a way down, e.g. LoRA) when the plan does not fit in physical memory.
    public static func refuseOverPhysicalMemory(_ parts: [(what: String, bytes: Int)], what: String, suggestion: String,
                                                physical: Int = physicalMemoryBytes()) throws {
        let total = parts.reduce(0) { $0 + $1.bytes }
        guard physical > 0, total > physical else { return }
        let text = parts.map { "\($0.what) \(formatBytes($0.bytes))" }.joined(separator: ", ")
        throw TrainerError("\(what) needs \(formatBytes(total)) (\(text)), more than this machine's \(formatBytes(physical)); \(suggestion)")
    }

    /// Full fine-tuning's fixed part (weights, gradients, two AdamW moments: 16 bytes per weight)
    /// against the machine, with LoRA's as the way down (rank 16 on every projection).
    public static func refuseFullFineTuningOverPhysicalMemory(_ model: LlamaModel, extraCopies: Int = 0, physical: Int = physicalMemoryBytes()) throws {
        guard model.adapters == nil else { return }
        let floats = MemoryLayout<Float>.stride, weights = model.layout.count * floats
        var parts: [(what: String, bytes: Int)] = [("weights", weights), ("gradients", weights), ("AdamW moments", 2 * weights)]
        if extraCopies > 0 { parts.append(("reference and value copies", extraCopies * weights)) }
        let adapters = LoRAAdapters.parameterCount(config: model.config, rank: 16, targets: LoRAAdapters.Target.allCases) * floats
        try refuseOverPhysicalMemory(parts, what: "full fine-tuning of this \(model.layout.count / 1_000_000)M-parameter model", suggestion:
            "train LoRA adapters instead (model.lora: {rank: 16}): weights \(formatBytes(weights)) frozen, adapters with gradients and moments \(formatBytes(4 * adapters)), before activations",
            physical: physical)
    }
}
