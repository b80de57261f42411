import Foundation
import RunConfig
import Testing
import TestSupport
import Training

/// sft → rm → ppo (GAE with the reward model as the value model) on the tiny model. Stopped inside
/// the first stage, the pipeline resumes it; run again when done, it skips every stage.
@Test func pipelineRunsStagesInOrderAndResumes() throws {
    let folder = try tinyModelFolder(prefix: "rlvr-pipeline")
    try writeRows((1...8).map { #"{"messages": [{"role": "user", "content": "q\#($0)"}, {"role": "assistant", "content": "7"}]}"# }, to: folder, name: "sft.jsonl")
    try writeRows((1...8).map { #"{"prompt": "q\#($0)", "chosen": "7", "rejected": "\#($0 + 10)"}"# }, to: folder, name: "pairs.jsonl")
    try writeRows((1...8).map { #"{"prompt": "q\#($0)", "ground_truth": "7", "dataset": "gsm8k"}"# }, to: folder, name: "prompts.jsonl")
    let common = "seed: 2\nthreads: 1\nmodel: {path: \(folder)/model, chat_template: chatml}\noptimizer: {lr: 0.003}\n"
    try Data((common + "stage: sft\ndata: {train: \(folder)/sft.jsonl}\ntraining: {batch_size: 4, micro_batch_size: 4, epochs: 2}\noutput: {save_every: 1}\n").utf8)
        .write(to: URL(fileURLWithPath: folder + "/sft.yaml"))
    try Data((common + "stage: rm\ndata: {train: \(folder)/pairs.jsonl}\ntraining: {batch_size: 4, micro_batch_size: 4}\n").utf8)
        .write(to: URL(fileURLWithPath: folder + "/rm.yaml"))
    try Data((common + "stage: ppo\ndata: {train: \(folder)/prompts.jsonl}\ntraining: {batch_size: 8, micro_batch_size: 8, max_steps: 2}\nrollout: {prompts_per_step: 4, samples_per_prompt: 2, max_response_length: 3}\nalgorithm: {advantage: gae}\n").utf8)
        .write(to: URL(fileURLWithPath: folder + "/ppo.yaml"))
    let pipelineYAML = """
    out: \(folder)/runs
    stages:
      - {name: sft, config: \(folder)/sft.yaml}
      - {name: rm, config: \(folder)/rm.yaml, set: ["model.path={sft}"]}
      - {name: ppo, config: \(folder)/ppo.yaml, set: ["model.path={sft}", "algorithm.value_model={rm}"]}
      - {name: eval, model: "{ppo}", evaluate: {tasks: [piqa], data: \(try benchmarkDataFolder()), chat: false}}
    """
    let configuration = try ConfigLoader.load(PipelineConfiguration.self, yaml: pipelineYAML)
    var stopped = TrainerOptions(log: { _ in })
    stopped.maxSteps = 1
    #expect(throws: TrainerError.self) { try Pipeline(configuration: configuration, options: stopped).run() }
    #expect(!FileManager.default.fileExists(atPath: folder + "/runs/sft/final"))
    let ran = try Pipeline(configuration: configuration, options: TrainerOptions(log: { _ in })).run()
    #expect(ran == ["sft", "rm", "ppo", "eval"])
    let results = try String(contentsOfFile: folder + "/runs/eval/results.json", encoding: .utf8)
    #expect(results.contains("\"piqa\"") && results.contains("\"acc_norm\""))
    for path in ["sft/final/model.safetensors", "rm/final/model.safetensors", "ppo/final/model.safetensors", "ppo/value/model.safetensors"] {
        #expect(FileManager.default.fileExists(atPath: folder + "/runs/" + path), "\(path)")
    }
    let resumedLog = try String(contentsOfFile: folder + "/runs/sft/metrics.jsonl", encoding: .utf8).split(separator: "\n")
    #expect(resumedLog.count == 4)   // 8 rows / batch 4 × 2 epochs, step 1 from the stopped run
    #expect(try Pipeline(configuration: configuration, options: TrainerOptions(log: { _ in })).run().isEmpty)
    // an evaluation stage needs a model and tasks, and trains nothing
    #expect(throws: ConfigError.self) { try ConfigLoader.load(PipelineConfiguration.self, yaml: "stages:\n  - {name: e, evaluate: {tasks: [piqa]}}\n") }
    #expect(throws: ConfigError.self) {
        try ConfigLoader.load(PipelineConfiguration.self, yaml: "stages:\n  - {name: e, model: m, config: x.yaml, evaluate: {tasks: [piqa]}}\n")
    }
    // a reference to a later stage is a configuration error
    #expect(throws: ConfigError.self) {
        try ConfigLoader.load(PipelineConfiguration.self, yaml: "stages:\n  - {name: a, config: x.yaml, set: [\"model.path={b}\"]}\n  - {name: b, config: y.yaml}\n")
    }
}
