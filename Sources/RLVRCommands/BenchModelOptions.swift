import ArgumentParser
import Benchmarks
import RunConfig
import Training

/// `--preset` and `--lora-rank` of the training benchmarks: an architecture of the SmolLM2 family
/// with random weights (its weights cannot be fetched here), and LoRA adapters instead of full
/// fine-tuning.
struct BenchModelOptions: ParsableArguments {
    @Option(help: "Benchmark a built-in architecture with random weights: \(ModelPreset.names).")
    var preset: String?

    @Option(name: .customLong("lora-rank"), parsing: .unconditional, help: "Train LoRA adapters of this rank on every projection instead of all weights (0: full fine-tuning).")
    var loraRank = 0

    @Option(name: .customLong("base-dtype"), help: "With --lora-rank: store the frozen base's decoder layers as f32 or bf16 (model.base_dtype).")
    var baseDType = "f32"

    func validate() throws {
        if let preset, ModelPreset(rawValue: preset) == nil { throw ValidationError("unknown preset \"\(preset)\" (known: \(ModelPreset.names))") }
        if loraRank < 0 { throw ValidationError("--lora-rank must be ≥ 0, got \(loraRank)") }
        guard let dtype = ModelSection.BaseDType(rawValue: baseDType) else { throw ValidationError("--base-dtype must be f32 or bf16, got \"\(baseDType)\"") }
        if dtype == .bf16 && loraRank == 0 { throw ValidationError("--base-dtype bf16 stores a frozen base: it needs --lora-rank") }
    }

    /// Whether the frozen base's layers are stored as bfloat16.
    var baseBF16: Bool { baseDType == ModelSection.BaseDType.bf16.rawValue }

    var chosenPreset: ModelPreset? { preset.flatMap(ModelPreset.init(rawValue:)) }

    /// `model.lora` of the benchmarked run (rank 0: off).
    var lora: LoRASection {
        var section = LoRASection()
        section.rank = loraRank
        return section
    }

    /// What a trainer-driven benchmark trains: the preset's random weights (else `--model`'s), with
    /// the adapters and base storage asked for.
    var choice: BenchmarkModelChoice {
        var choice = BenchmarkModelChoice()
        if let chosen = chosenPreset { choice.startingModel = { try benchmarkModel(nil, preset: chosen) } }
        choice.lora = lora
        choice.baseDType = baseBF16 ? .bf16 : .f32
        return choice
    }

    /// How the header line names the benchmarked weights.
    func describe(model: String) -> String {
        var text = chosenPreset.map { "\($0.rawValue) (random weights; tokenizer of \(model))" } ?? model
        if loraRank > 0 { text += ", LoRA rank \(loraRank) on every projection" + (baseBF16 ? ", bf16 base" : "") }
        return text
    }
}
