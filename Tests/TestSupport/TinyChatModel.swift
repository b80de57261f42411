import Foundation
import LlamaModel
import ModelIO
import Tokenization

/// A temporary folder holding a tiny byte-level chat model saved as a Hugging Face folder
/// (`model/`: 2 layers, hidden 32, ChatML markers) for trainer tests.
public func tinyModelFolder(prefix: String) throws -> String {
    let folder = try ScratchFolder.make(prefix)
    try FileManager.default.createDirectory(atPath: folder + "/model", withIntermediateDirectories: true)
    let tokens = (0..<256).map { ByteLevel.token(for: [UInt8($0)]) } + ["<|im_start|>", "<|im_end|>"]
    let config = LlamaConfig(vocabSize: tokens.count, hiddenSize: 32, intermediateSize: 64, numHiddenLayers: 2,
                             numAttentionHeads: 4, numKeyValueHeads: 2, maxPositionEmbeddings: 128, eosTokenIDs: [257])
    let model = try LlamaModel(config: config)
    var state: UInt64 = 3
    for entry in model.layout.entries {
        for i in 0..<entry.count {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            model.parameters[entry.offset + i] = entry.isNorm ? 1 : (Float(state >> 40) / Float(1 << 24) - 0.5) * 0.2
        }
    }
    try LlamaCheckpoint.save(model, to: folder + "/model")
    let vocabulary = try tokens.enumerated().map { index, token in
        String(decoding: try JSONSerialization.data(withJSONObject: token, options: [.fragmentsAllowed]), as: UTF8.self) + ": \(index)"
    }.joined(separator: ", ")
    try Data("""
    {"model": {"type": "BPE", "vocab": {\(vocabulary)}, "merges": []},
     "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "use_regex": true},
     "added_tokens": [{"id": 256, "content": "<|im_start|>", "special": true}, {"id": 257, "content": "<|im_end|>", "special": true}]}
    """.utf8).write(to: URL(fileURLWithPath: folder + "/model/tokenizer.json"))
    try Data(#"{"eos_token": "<|im_end|>"}"#.utf8).write(to: URL(fileURLWithPath: folder + "/model/tokenizer_config.json"))
    return folder
}

