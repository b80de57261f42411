import Foundation
import LlamaModel
import ModelIO
import Testing
import TestSupport
import Tokenization

/// The files written beside a saved model so that transformers' `from_pretrained(...).generate()`
/// works on it: copied from a Hugging Face source, written from the tokenizer and config otherwise.
@Suite struct HuggingFaceFolderFilesTests {
    private func jsonObject(_ path: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
    }

    @Test func writesAllFourFromTheTokenizerAndConfig() throws {
        let source = try tinyModelFolder(prefix: "hf-files") + "/model"
        let tokenizer = try BPETokenizer.load(checkpoint: source)
        let config = try LlamaConfig(huggingFaceConfigAt: source + "/config.json")
        let out = try ScratchFolder.make("hf-files-out")
        try HuggingFaceFolderFiles.write(to: out, config: config, tokenizer: tokenizer, sourceFolder: nil)
        for name in HuggingFaceFolderFiles.names { #expect(FileManager.default.fileExists(atPath: out + "/" + name), "\(name)") }

        let generation = try jsonObject(out + "/generation_config.json")
        #expect(generation["eos_token_id"] as? Int == 257)
        #expect(generation["bos_token_id"] == nil)
        let special = try jsonObject(out + "/special_tokens_map.json")
        #expect(special["eos_token"] as? String == "<|im_end|>")
        #expect(special["additional_special_tokens"] as? [String] == ["<|im_start|>", "<|im_end|>"])
        // the written tokenizer reads back to the same ids
        let reloaded = try BPETokenizer.load(checkpoint: out)
        #expect(reloaded.encode("<|im_start|>hi<|im_end|>") == tokenizer.encode("<|im_start|>hi<|im_end|>"))
    }

    @Test func endTokensOfConfigAndTokenizerAreJoined() throws {
        let source = try tinyModelFolder(prefix: "hf-files-eos") + "/model"
        let tokenizer = try BPETokenizer.load(checkpoint: source)
        var config = try LlamaConfig(huggingFaceConfigAt: source + "/config.json")
        config.eosTokenIDs = [0]
        config.bosTokenID = 256
        let generation = HuggingFaceFolderFiles.generationConfig(config: config, tokenizer: tokenizer)
        #expect(generation["eos_token_id"] as? [Int] == [0, 257])
        #expect(generation["bos_token_id"] as? Int == 256)
    }

    @Test func copiesTheSourceFolderFilesByteForByte() throws {
        let source = try tinyModelFolder(prefix: "hf-files-copy") + "/model"
        let authored = Data("{\n  \"eos_token_id\": 257,\n  \"temperature\": 0.2\n}\n".utf8)
        try authored.write(to: URL(fileURLWithPath: source + "/generation_config.json"))
        let tokenizer = try BPETokenizer.load(checkpoint: source)
        let config = try LlamaConfig(huggingFaceConfigAt: source + "/config.json")
        let out = try ScratchFolder.make("hf-files-copy-out")
        try HuggingFaceFolderFiles.write(to: out, config: config, tokenizer: tokenizer, sourceFolder: source)
        #expect(try Data(contentsOf: URL(fileURLWithPath: out + "/generation_config.json")) == authored)
        for name in ["tokenizer.json", "tokenizer_config.json"] {
            #expect(try Data(contentsOf: URL(fileURLWithPath: out + "/" + name)) == Data(contentsOf: URL(fileURLWithPath: source + "/" + name)))
        }
        // the source has no special_tokens_map.json: written from the tokenizer
        #expect(try jsonObject(out + "/special_tokens_map.json")["eos_token"] as? String == "<|im_end|>")
    }
}
