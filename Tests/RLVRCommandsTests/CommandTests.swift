import ArgumentParser
import Checkpoints
import Foundation
import LlamaModel
import ModelIO
import Tokenization
import RunConfig
import Testing
import TestSupport
import RLVRCommands

func temporaryFolder() throws -> String {
    try ScratchFolder.make("rlvr-cli")
}

/// A complete tiny Llama GGUF: metadata of SmolLM2's shape (scaled down) and one Q8_0 tensor.
private func writeTinyGGUF(to path: String) throws {
    var g = GGUFBytes()
    g.header(tensors: 2, kvs: 10)
    g.kv("general.architecture", string: "llama")
    g.kv("general.name", string: "Tiny")
    g.kv("llama.block_count", u32: 2)
    g.kv("llama.embedding_length", u32: 32)
    g.kv("llama.feed_forward_length", u32: 64)
    g.kv("llama.attention.head_count", u32: 4)
    g.kv("llama.attention.head_count_kv", u32: 2)
    g.kv("llama.rope.freq_base", f32: 100_000)
    g.kv("llama.vocab_size", u32: 3)
    g.kv("tokenizer.ggml.model", string: "gpt2")
    g.string("token_embd.weight"); g.u32(2); g.u64(32); g.u64(3); g.u32(8); g.u64(0)   // Q8_0, 3 rows of 32
    g.f32Tensor("output_norm.weight", count: 32, offset: 128)
    g.padTo(32)
    g.bytes += [UInt8](repeating: 0, count: 128 + 128)
    try Data(g.bytes).write(to: URL(fileURLWithPath: path))
}

@Suite struct InspectTests {
    @Test func textReportListsTheFacts() throws {
        let folder = try temporaryFolder()
        try writeTinyGGUF(to: folder + "/tiny.gguf")
        let summary = try ModelSummary(inspecting: folder + "/tiny.gguf")
        let text = InspectReport.text(summary, includeTensors: true)
        #expect(text.contains("format             gguf v3"))
        #expect(text.contains("layers             2"))
        #expect(text.contains("attention heads    4 query, 2 key/value, head dim 8"))
        #expect(text.contains("RoPE theta         100000"))
        #expect(text.contains("parameters         128 in 2 tensors (1 F32, 1 Q8_0)"))
        #expect(text.contains("token_embd.weight   Q8_0  [3, 32]"))
        #expect(text.contains("chat template      absent"))
    }

    @Test func jsonReportIsValidJSON() throws {
        let folder = try temporaryFolder()
        try writeTinyGGUF(to: folder + "/tiny.gguf")
        let summary = try ModelSummary(inspecting: folder + "/tiny.gguf")
        let json = try InspectReport.json(summary, includeTensors: true)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["format"] as? String == "gguf")
        #expect((object["config"] as? [String: Any])?["num_hidden_layers"] as? Int == 2)
        #expect((object["tensors"] as? [Any])?.count == 2)
        let brief = try #require(try JSONSerialization.jsonObject(with: Data(try InspectReport.json(summary, includeTensors: false).utf8)) as? [String: Any])
        #expect((brief["tensors"] as? [Any])?.isEmpty == true)
    }

    @Test func numberFormatting() {
        #expect(InspectReport.grouped(134_515_008) == "134,515,008")
        #expect(InspectReport.grouped(999) == "999")
        #expect(InspectReport.number(100_000) == "100000")
        #expect(InspectReport.number(1e-5) == "1e-05")
    }
}

@Suite struct ExitCodeTests {
    @Test func badInputExitsWithTwo() {
        #expect(CommandLineEntry.outcome(of: CheckpointError(file: "f", field: "x", problem: "bad")).code == 2)
        #expect(CommandLineEntry.outcome(of: ModelFileError(file: "f", key: "k", problem: "bad")).code == 2)
        #expect(CommandLineEntry.outcome(of: ConfigError(location: "c.yaml:1:1", key: "k", problem: "bad")).code == 2)
        #expect(CommandLineEntry.outcome(of: CheckpointError(file: "f", field: "x", problem: "bad")).message == "rlvr: error: f: x: bad")
    }

    @Test func usageErrorsExitWithTwo() {
        #expect(CommandLineEntry.run(["inspect"]) == 2)
        #expect(CommandLineEntry.run(["no-such-command"]) == 2)
        #expect(CommandLineEntry.run(["inspect", "/nonexistent/file.gguf"]) == 2)
    }

    @Test func helpExitsWithZero() {
        #expect(CommandLineEntry.outcome(of: CleanExit.helpRequest()).code == 0)
    }

    @Test func configShowValidatesAndRuns() throws {
        let folder = try temporaryFolder()
        let path = folder + "/run.yaml"
        try Data("model:\n  path: m.gguf\ndata:\n  train: t.jsonl\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect(CommandLineEntry.run(["config", "show", "--config", path, "--set", "optimizer.lr=2e-5"]) == 0)
        #expect(CommandLineEntry.run(["config", "show", "--config", path, "--set", "optimizer.lrr=2e-5"]) == 2)
        #expect(CommandLineEntry.run(["config", "show", "--config", folder + "/missing.yaml"]) == 2)
    }
}

@Suite struct ScoreCommandTests {
    /// A small random Llama saved as a Hugging Face folder with a byte-level tokenizer.json.
    private func tinyModelFolder() throws -> String {
        let folder = try temporaryFolder()
        let config = LlamaConfig(vocabSize: 40, hiddenSize: 16, intermediateSize: 32, numHiddenLayers: 1,
                                 numAttentionHeads: 2, numKeyValueHeads: 1, maxPositionEmbeddings: 32)
        let model = try LlamaModel(config: config)
        for i in 0..<model.layout.count { model.parameters[i] = Float((i * 7919) % 101) / 101 - 0.5 }
        try LlamaCheckpoint.save(model, to: folder)
        let vocabulary = (0..<40).map { "\"\(ByteLevel.token(for: [UInt8(97 + $0 % 26)]))\($0 >= 26 ? String($0) : "")\": \($0)" }
        try Data(#"{"model": {"type": "BPE", "vocab": {\#(vocabulary.joined(separator: ", "))}, "merges": []}}"#.utf8)
            .write(to: URL(fileURLWithPath: folder + "/tokenizer.json"))
        return folder
    }

    @Test func scoresTokensAndReportsEveryPosition() throws {
        let folder = try tinyModelFolder()
        let model = try LlamaCheckpoint.load(folder)
        let vocabulary = try TokenVocabulary.load(checkpoint: folder)
        let report = try ScoreReport(model: model, tokens: [1, 2, 3, 4], vocabulary: vocabulary)
        #expect(report.positions.count == 4)
        #expect(report.positions[0].logprob == nil && report.positions[1].logprob != nil)
        #expect(report.positions[1].text == "c" && report.positions[1].top5.count == 5)
        #expect(report.positions.dropFirst().allSatisfy { ($0.rank ?? 0) >= 1 && ($0.logprob ?? 1) <= 0 })
        #expect(abs(report.totalLogprob - report.positions.compactMap(\.logprob).reduce(0, +)) < 1e-9)
        // The top alternative's log-prob is the largest, and ranks agree with the alternatives.
        for p in report.positions.dropFirst() {
            #expect(p.top5.first!.logprob >= p.logprob! - 1e-6)
            if p.rank == 1 { #expect(p.top5.first!.id == p.id) }
        }
        #expect(report.table().contains("total log-prob"))
        #expect(CommandLineEntry.run(["score", "--model", folder, "--tokens", "1,2,3", "--json", "--threads", "1"]) == 0)
    }

    @Test func badTokensAndOptionsExitWithTwo() throws {
        let folder = try tinyModelFolder()
        #expect(CommandLineEntry.run(["score", "--model", folder, "--tokens", "1,40"]) == 2)       // outside the vocabulary
        #expect(CommandLineEntry.run(["score", "--model", folder, "--tokens", "1,x"]) == 2)
        #expect(CommandLineEntry.run(["score", "--model", folder, "--tokens", Array(repeating: "1", count: 33).joined(separator: ",")]) == 2)  // longer than the context
        #expect(CommandLineEntry.run(["score", "--model", folder]) == 2)
        #expect(CommandLineEntry.run(["score", "--model", folder, "--tokens", "1", "--threads", "0"]) == 2)
        #expect(CommandLineEntry.run(["score", "--model", folder + "/missing", "--tokens", "1"]) == 2)
    }
}

/// A tiny model whose vocabulary is the 256 byte symbols plus two merges and two special tokens,
/// saved as a Hugging Face folder with a ChatML template.
private func tinyChatModelFolder() throws -> String {
    let folder = try temporaryFolder()
    let byteTokens = (0..<256).map { ByteLevel.token(for: [UInt8($0)]) }
    let tokens = byteTokens + ["he", "ll", "<|im_start|>", "<|im_end|>"]
    let config = LlamaConfig(vocabSize: tokens.count, hiddenSize: 16, intermediateSize: 32, numHiddenLayers: 1,
                             numAttentionHeads: 2, numKeyValueHeads: 1, maxPositionEmbeddings: 128, eosTokenIDs: [259])
    let model = try LlamaModel(config: config)
    for i in 0..<model.layout.count { model.parameters[i] = Float((i * 7919) % 101) / 101 - 0.5 }
    try LlamaCheckpoint.save(model, to: folder)
    func quoted(_ text: String) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: text, options: [.fragmentsAllowed]), as: UTF8.self)
    }
    let vocabulary = try tokens.enumerated().map { "\(try quoted($0.element)): \($0.offset)" }.joined(separator: ", ")
    let tokenizer = """
    {"model": {"type": "BPE", "vocab": {\(vocabulary)}, "merges": ["h e", "l l"]},
     "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "use_regex": true},
     "added_tokens": [{"id": 258, "content": "<|im_start|>", "special": true}, {"id": 259, "content": "<|im_end|>", "special": true}]}
    """
    try Data(tokenizer.utf8).write(to: URL(fileURLWithPath: folder + "/tokenizer.json"))
    let template = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\\\n' + message['content'] + '<|im_end|>' + '\\\\n'}}{% endfor %}"
    try Data(#"{"eos_token": "<|im_end|>", "chat_template": "\#(template)"}"#.utf8).write(to: URL(fileURLWithPath: folder + "/tokenizer_config.json"))
    return folder
}

@Suite struct GenerationCommandTests {
    // A checkpoint without a chat template generates from plain prompts; only rendering a chat needs
    // one (an error naming --template), and an unknown template name is refused either way.
    @Test func plainPromptsNeedNoChatTemplate() throws {
        let folder = try tinyModelFolder(prefix: "no-template") + "/model"
        let base = ["generate", "--model", folder, "--prompt", "ab", "--max-new-tokens", "2", "--threads", "1"]
        #expect(CommandLineEntry.run(base) == 0)
        #expect(CommandLineEntry.run(base + ["--chat"]) == 2)
        #expect(CommandLineEntry.run(base + ["--chat", "--template", "chatml"]) == 0)
        #expect(CommandLineEntry.run(base + ["--template", "nosuch"]) == 2)
    }

    @Test func tokenizeRoundTripsThroughTheCommand() throws {
        let folder = try tinyChatModelFolder()
        let tokenizer = try BPETokenizer.load(checkpoint: folder)
        #expect(tokenizer.encode("hello") == [256, 257, Int32(UInt8(ascii: "o"))])
        #expect(tokenizer.encode("<|im_start|>hi") == [258, Int32(UInt8(ascii: "h")), Int32(UInt8(ascii: "i"))])
        #expect(CommandLineEntry.run(["tokenize", "--model", folder, "--text", "hello"]) == 0)
        #expect(CommandLineEntry.run(["tokenize", "--model", folder, "--text", "256,257", "--decode"]) == 0)
        #expect(CommandLineEntry.run(["tokenize", "--model", folder]) == 2)
    }

    @Test func generateRunsForPromptsAndMessages() throws {
        let folder = try tinyChatModelFolder()
        let prompts = folder + "/prompts.jsonl"
        try Data(#"""
        {"prompt": "hello"}
        {"messages": [{"role": "user", "content": "hi"}]}
        """#.utf8).write(to: URL(fileURLWithPath: prompts))
        #expect(CommandLineEntry.run(["generate", "--model", folder, "--prompts", prompts, "--n", "2", "--max-new-tokens", "5",
                                      "--json", "--threads", "1"]) == 0)
        #expect(CommandLineEntry.run(["generate", "--model", folder, "--prompt", "hi", "--chat", "--temperature", "0", "--max-new-tokens", "3"]) == 0)
    }

    @Test func generateRejectsBadInput() throws {
        let folder = try tinyChatModelFolder()
        let bad = folder + "/bad.jsonl"
        try Data("{\"prompt\": \"ok\"}\n{\"text\": 1}\n".utf8).write(to: URL(fileURLWithPath: bad))
        #expect(CommandLineEntry.run(["generate", "--model", folder, "--prompts", bad]) == 2)       // line 2: no prompt
        try Data([0x7B, 0x22, 0x70, 0x22, 0x3A, 0x22, 0xFF, 0x22, 0x7D, 0x0A]).write(to: URL(fileURLWithPath: bad))
        #expect(CommandLineEntry.run(["generate", "--model", folder, "--prompts", bad]) == 2)       // invalid UTF-8
        #expect(CommandLineEntry.run(["generate", "--model", folder, "--prompt", "x", "--top-p", "0"]) == 2)
        #expect(CommandLineEntry.run(["generate", "--model", folder, "--prompt", "x", "--template", "llama3"]) == 2)
        #expect(CommandLineEntry.run(["generate", "--model", folder, "--prompt", String(repeating: "x", count: 200)]) == 2)   // longer than the context
    }
}

@Suite struct VerifyCommandTests {
    @Test func verifiesAFileAndRejectsBadRows() throws {
        let folder = try temporaryFolder()
        let requests = folder + "/requests.jsonl"
        try Data("""
        {"id": 1, "dataset": "gsm8k", "response": "#### 18", "ground_truth": "18"}
        {"id": 2, "dataset": "MATH", "response": "\\\\boxed{0.5}", "ground_truth": "\\\\frac{1}{2}"}
        {"id": 3, "dataset": "ifeval", "response": "no commas here", "ground_truth": {"instruction_id_list": ["punctuation:no_comma"], "kwargs": [{}]}}
        """.utf8).write(to: URL(fileURLWithPath: requests))
        #expect(CommandLineEntry.run(["verify", "--input", requests, "--verifiers", folder, "--threads", "1"]) == 0)
        #expect(CommandLineEntry.run(["verify", "--input", requests, "--verifiers", folder, "--mode", "loose"]) == 0)
        try Data("{\"dataset\": \"gsm9k\", \"response\": \"1\", \"ground_truth\": \"1\"}\n".utf8).write(to: URL(fileURLWithPath: requests))
        #expect(CommandLineEntry.run(["verify", "--input", requests, "--verifiers", folder]) == 2)   // unknown verifier
        try Data("{\"dataset\": \"gsm8k\", \"ground_truth\": \"1\"}\n".utf8).write(to: URL(fileURLWithPath: requests))
        #expect(CommandLineEntry.run(["verify", "--input", requests, "--verifiers", folder]) == 2)   // no response
        #expect(CommandLineEntry.run(["verify", "--input", requests, "--mode", "lenient"]) == 2)
    }
}

/// The trainers' bad-input cases end with exit status 2 and a message, never a trap.
@Suite struct TrainerCommandTests {
    private func exitCode(_ command: String, rows: [String], extra: String = "", maxLength: Int = 64) throws -> Int32 {
        let folder = try tinyModelFolder(prefix: "rlvr-cli-train")
        try Data(rows.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: folder + "/rows.jsonl"))
        try Data("""
        seed: 1
        threads: 1
        model: {path: \(folder)/model, chat_template: chatml}
        data: {train: \(folder)/rows.jsonl, max_length: \(maxLength)}
        training: {batch_size: 2, micro_batch_size: 1, max_steps: 1}
        output: {dir: \(folder)/run}
        dpo: {reference_cache: \(folder)/cache}
        \(extra)
        """.utf8).write(to: URL(fileURLWithPath: folder + "/run.yaml"))
        return CommandLineEntry.run([command, "--config", folder + "/run.yaml"])
    }

    static let pair = #"{"prompt": "q", "chosen": "yes", "rejected": "no"}"#
    static let conversation = #"{"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}"#

    @Test func goodInputRunsEveryStage() throws {
        #expect(try exitCode("sft", rows: [Self.conversation, Self.conversation]) == 0)
        #expect(try exitCode("dpo", rows: [Self.pair, Self.pair]) == 0)
        #expect(try exitCode("rm", rows: [Self.pair, Self.pair]) == 0)
    }

    @Test func badInputExitsWithTwo() throws {
        #expect(try exitCode("sft", rows: []) == 2)                                                       // empty
        #expect(try exitCode("sft", rows: [#"{"messages": [{"role": "user", "content": "q"}]}"#]) == 2)   // no assistant turn
        #expect(try exitCode("dpo", rows: [#"{"prompt": "q", "chosen": "same", "rejected": "same"}"#]) == 2)
        #expect(try exitCode("rm", rows: [Self.pair], maxLength: 8) == 2)                                 // every response cut away
        #expect(try exitCode("sft", rows: [Self.conversation], extra: "optimizer: {lr: -1}") == 2)       // config problem
        // a config naming a missing file
        let folder = try temporaryFolder()
        try Data("model: {path: \(folder)/missing}\ndata: {train: \(folder)/missing.jsonl}\n".utf8).write(to: URL(fileURLWithPath: folder + "/run.yaml"))
        #expect(CommandLineEntry.run(["rm", "--config", folder + "/run.yaml"]) == 2)
        try Data("{}".utf8).write(to: URL(fileURLWithPath: folder + "/rows.jsonl"))
        try Data("model: {path: \(folder)/missing}\ndata: {train: \(folder)/rows.jsonl}\n".utf8).write(to: URL(fileURLWithPath: folder + "/run.yaml"))
        #expect(CommandLineEntry.run(["dpo", "--config", folder + "/run.yaml"]) == 2)
    }
}
