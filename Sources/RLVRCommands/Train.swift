import ArgumentParser
import Foundation
import RunConfig
import Training

/// `--config FILE [--set …] [--out RUN_DIR] [--max-steps N] [--resume RUN_DIR]`, shared by the trainers.
struct TrainingOptions: ParsableArguments {
    @OptionGroup var config: ConfigOptions

    @Option(help: "The run folder (default: output.dir of the config).")
    var out: String?

    @Option(name: .customLong("max-steps"), help: "Stop after this many optimizer steps (overrides the config).")
    var maxSteps: Int?

    @Option(help: "Resume the run in this folder from its newest checkpoint.")
    var resume: String?

    func validate() throws {
        if let maxSteps, maxSteps < 1 { throw ValidationError("--max-steps must be at least 1") }
        if out != nil && resume != nil { throw ValidationError("give --out or --resume, not both (--resume names the run folder)") }
    }

    func trainerOptions() -> SFTTrainer.Options {
        SFTTrainer.Options(outDir: resume ?? out, maxSteps: maxSteps, resume: resume != nil)
    }
}

struct SFT: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sft",
        abstract: "Supervised fine-tuning on conversations (loss on assistant tokens).",
        discussion: "Writes config.yaml, metrics.jsonl, checkpoints/step-N and final/ (a Hugging Face folder) into the run folder."
    )

    @OptionGroup var options: TrainingOptions

    func run() throws {
        let config = try options.config.load()
        do {
            let trainer = try SFTTrainer(config: config, options: options.trainerOptions())
            try trainer.train()
        } catch let error as SFTDataset.DataError {
            throw InputError(error.description)
        } catch let error as SFTTrainer.TrainerError {
            throw InputError(error.description)
        }
    }
}
