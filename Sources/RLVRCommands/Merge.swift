import ArgumentParser
import Foundation
import ModelIO
import Tokenization

struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Merge a LoRA adapter into its base model: a Hugging Face folder with W + s·B·A in every adapted projection.",
        discussion: """
        --model is the base (a .gguf file, a .safetensors file or a Hugging Face folder) and --adapter a \
        PEFT LoRA folder; or --model alone is an adapter folder that names its base (a LoRA run's final/ \
        or checkpoints/step-N). The folder written holds config.json, model.safetensors (f32) and the \
        tokenizer and generation files (the adapter folder's own when it has them, else the base's). \
        See docs/training.md.
        """
    )

    @Option(help: "The base model, or an adapter folder naming its base.")
    var model: String

    @Option(help: "A LoRA adapter folder (Hugging Face PEFT: adapter_config.json, adapter_model.safetensors).")
    var adapter: String?

    @Option(help: "The folder to write.")
    var out: String

    @OptionGroup var compute: ComputeOptions

    func run() throws {
        compute.apply()
        // the output folder first: a bad --out is reported before minutes of loading and merging
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: out, isDirectory: &isFolder), !isFolder.boolValue {
            throw ModelFileError(file: out, key: "", problem: "exists and is not a folder (--out names the folder to write)")
        }
        do {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        } catch {
            throw ModelFileError(file: out, key: "", problem: "cannot create the folder (\((error as NSError).localizedDescription))")
        }
        let loaded = try LlamaCheckpoint.load(model, adapter: adapter)
        guard loaded.adapters != nil else {
            throw ModelFileError(file: model, key: "", problem: "carries no LoRA adapter: pass one with --adapter")
        }
        let merged = try loaded.merged()
        // the tokenizer travels with the adapter when it was saved there (a run's final/), else the base's
        let adapterFolder = adapter ?? model
        let hasOwnTokenizer = FileManager.default.fileExists(atPath: adapterFolder + "/tokenizer.json")
        let tokenizerSource = hasOwnTokenizer ? adapterFolder : (adapter != nil ? model : try LoRAAdapterFiles.baseModel(of: model))
        let tokenizer = try BPETokenizer.load(checkpoint: tokenizerSource)
        try LlamaCheckpoint.save(merged, to: out)
        let sourceFolder = FileManager.default.fileExists(atPath: tokenizerSource, isDirectory: &isFolder) && isFolder.boolValue ? tokenizerSource : nil
        try HuggingFaceFolderFiles.write(to: out, config: merged.config, tokenizer: tokenizer, sourceFolder: sourceFolder)
        StandardOutput.write("wrote \(out): \(merged.layout.count) parameters, LoRA merged\n")
    }
}
