import ArgumentParser
import Checkpoints
import Foundation
import JSON
import Generation
import Kernels
import Tokenization

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sample continuations of prompts with the batched KV-cache engine.",
        discussion: """
        --prompts reads JSONL rows {"prompt": "text"} (plain text) or {"messages": [{"role", "content"}, …]} \
        (rendered with the chat template and its generation prompt). With --json, one object per sample: \
        prompt, response, token_ids, logprobs (under the model, the trainer's numbers), sampling_logprobs, \
        finish_reason (eos, stop, length).
        """
    )

    @Option(help: "A .gguf file or a Hugging Face model folder.")
    var model: String

    @Option(help: "A LoRA adapter folder (Hugging Face PEFT: adapter_config.json, adapter_model.safetensors) to apply to --model.")
    var adapter: String?

    @Option(help: "One prompt.")
    var prompt: String?

    @Option(help: "A JSONL file of prompts (- for standard input).")
    var prompts: String?

    @Option(parsing: .unconditional, help: "Samples per prompt.")
    var n: Int = 1

    @Flag(help: "Treat --prompt as a user message and render it with the chat template.")
    var chat = false

    @Option(help: "Chat template: auto (from the checkpoint), chatml, tulu or plain.")
    var template: String = "auto"

    @Option(parsing: .unconditional, help: "Most sequences decoded together.")
    var batch: Int = 32

    @Flag(help: "Print one JSON object per sample.")
    var json = false

    @OptionGroup var sampling: SamplingOptions
    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        if (prompt == nil) == (prompts == nil) { throw ValidationError("give exactly one of --prompt or --prompts") }
        if n < 1 || batch < 1 { throw ValidationError("--n and --batch must be at least 1") }
    }

    func run() throws {
        compute.apply()
        let loaded = try LoadedChatModel(path: model, adapter: adapter, templateName: template)
        let texts = try promptTexts(loaded)
        let requests = texts.enumerated().map { GenerationRequest(id: $0.offset, prompt: loaded.tokenizer.encode($0.element), samples: n) }
        let tokenizer = loaded.tokenizer
        let generator = try Generator(model: loaded.model, settings: sampling.settings, eosTokens: loaded.eosTokens, maxBatch: batch,
                                      decode: { tokenizer.decode($0, skipSpecial: true) })
        let started = Profiler.now()
        let samples = try generator.generate(requests)
        let seconds = Profiler.now() - started
        for sample in samples {
            let response = sample.text ?? tokenizer.decode(sample.tokens, skipSpecial: true)
            if json {
                let object: [String: Any] = [
                    "prompt_index": sample.requestID, "sample": sample.sampleIndex, "prompt": texts[sample.requestID],
                    "response": response, "token_ids": sample.tokens.map(Int.init),
                    "logprobs": sample.modelLogProbs.map(Double.init), "sampling_logprobs": sample.samplingLogProbs,
                    "finish_reason": sample.finishReason.rawValue,
                ]
                let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
                print(String(decoding: data, as: UTF8.self))
            } else {
                print("=== prompt \(sample.requestID), sample \(sample.sampleIndex) (\(sample.finishReason.rawValue), \(sample.tokens.count) tokens)")
                print(response)
            }
        }
        let stats = generator.statistics
        let total = samples.reduce(0) { $0 + $1.tokens.count }
        FileHandle.standardError.write(Data(String(format: "%d sample%@, %d tokens in %.2f s (prefill %d tokens %.2f s, decode %.1f tokens/s)\n",
                                                   samples.count, samples.count == 1 ? "" : "s", total, seconds, stats.prefillTokens, stats.prefillSeconds,
                                                   Double(stats.decodedTokens) / max(stats.decodeSeconds, 1e-9)).utf8))
    }

    /// The text of each prompt, chat-rendered where asked.
    private func promptTexts(_ loaded: LoadedChatModel) throws -> [String] {
        if let prompt {
            return [chat ? try loaded.template().render([ChatMessage(role: "user", content: prompt)], addGenerationPrompt: true) : prompt]
        }
        let path = prompts ?? ""
        var texts: [String] = []
        for (line, row) in try JSONLines.objects(try InputFile.read(path), source: path) {
            if let text = row["prompt"]?.string {
                texts.append(chat ? try loaded.template().render([ChatMessage(role: "user", content: text)], addGenerationPrompt: true) : text)
            } else if let messages = row["messages"]?.array {
                let parsed = try messages.enumerated().map { item -> ChatMessage in
                    guard let role = item.element.object?["role"]?.string, let content = item.element.object?["content"]?.string else {
                        throw InputError("\(path):\(line): messages[\(item.offset)]: expected \"role\" and \"content\" strings")
                    }
                    return ChatMessage(role: role, content: content)
                }
                texts.append(try loaded.template().render(parsed, addGenerationPrompt: true))
            } else {
                throw InputError("\(path):\(line): expected \"prompt\" (a string) or \"messages\" (a list)")
            }
        }
        guard !texts.isEmpty else { throw InputError("\(path): no prompts") }
        return texts
    }
}

struct Chat: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Chat with a model in the terminal (the chat template, tokens streamed as they come).",
        discussion: "Type a message and press return; an empty line or end of input quits; /reset starts over."
    )

    @Option(help: "A .gguf file or a Hugging Face model folder.")
    var model: String

    @Option(help: "A LoRA adapter folder (Hugging Face PEFT: adapter_config.json, adapter_model.safetensors) to apply to --model.")
    var adapter: String?

    @Option(help: "Chat template: auto, chatml, tulu or plain.")
    var template: String = "auto"

    @Option(help: "A system message (default: the template's own, if any).")
    var system: String?

    @OptionGroup var sampling: SamplingOptions
    @OptionGroup var compute: ComputeOptions

    func run() throws {
        compute.apply()
        let loaded = try LoadedChatModel(path: model, adapter: adapter, templateName: template)
        let chatTemplate = try loaded.template()
        let tokenizer = loaded.tokenizer
        var messages: [ChatMessage] = system.map { [ChatMessage(role: "system", content: $0)] } ?? []
        var turn = 0
        while true {
            print("> ", terminator: "")
            fflush(stdout)
            guard let line = readLine(strippingNewline: true), !line.isEmpty else { break }
            if line == "/reset" {
                messages = system.map { [ChatMessage(role: "system", content: $0)] } ?? []
                continue
            }
            messages.append(ChatMessage(role: "user", content: line))
            let prompt = tokenizer.encode(chatTemplate.render(messages, addGenerationPrompt: true))
            var settings = sampling.settings
            settings.seed = sampling.seed &+ UInt64(turn)
            let generator = try Generator(model: loaded.model, settings: settings, eosTokens: loaded.eosTokens, maxBatch: 1,
                                          decode: { tokenizer.decode($0, skipSpecial: true) })
            var shown = 0
            generator.onToken = { _, _, tokens in
                let text = tokenizer.decode(tokens, skipSpecial: true)
                // Print whole characters only: hold back a trailing replacement character (a split byte sequence).
                let stable = text.hasSuffix("\u{FFFD}") ? String(text.dropLast()) : text
                if stable.count > shown {
                    print(String(stable.dropFirst(shown)), terminator: "")
                    fflush(stdout)
                    shown = stable.count
                }
            }
            let reply = try generator.generate([GenerationRequest(id: turn, prompt: prompt)])[0]
            let text = reply.text ?? tokenizer.decode(reply.tokens, skipSpecial: true)
            if text.count > shown { print(String(text.dropFirst(shown)), terminator: "") }
            print("")
            messages.append(ChatMessage(role: "assistant", content: text))
            turn += 1
        }
    }
}
