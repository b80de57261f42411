import Foundation

extension BPETokenizer {
    /// `tokenizer.json` as Hugging Face `tokenizers` writes it for a byte-level BPE (the layout of
    /// SmolLM2's own file): the whole vocabulary, added tokens included (`tokenizers` gives an added
    /// token missing from it a new id, ignoring the listed one), merges as "left right" in rank
    /// order, added tokens matched before pre-tokenization, the ByteLevel pre-tokenizer (after
    /// Digits(individual_digits) for SmolLM2) and ByteLevel decoder. Loading it back, here or with
    /// `tokenizers`, gives the same ids.
    public func huggingFaceTokenizerJSON() -> [String: Any] {
        let byteLevel: [String: Any] = ["type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true]
        let preTokenizer: [String: Any]
        switch self.preTokenizer.kind {
        case .gpt2: preTokenizer = byteLevel
        case .digitsThenGPT2:
            preTokenizer = ["type": "Sequence", "pretokenizers": [["type": "Digits", "individual_digits": true], byteLevel]]
        }
        var vocabulary: [String: Int] = [:]
        for (id, token) in tokens.enumerated() where vocabulary[token] == nil { vocabulary[token] = id }
        let added: [[String: Any]] = addedTokens.sorted { $0.id < $1.id }.map {
            ["id": Int($0.id), "content": $0.content, "single_word": false, "lstrip": false, "rstrip": false,
             "normalized": false, "special": $0.special]
        }
        return [
            "version": "1.0", "truncation": NSNull(), "padding": NSNull(), "normalizer": NSNull(),
            "added_tokens": added,
            "pre_tokenizer": preTokenizer,
            "post_processor": ["type": "ByteLevel", "add_prefix_space": true, "trim_offsets": false, "use_regex": true],
            "decoder": ["type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true],
            "model": [
                "type": "BPE", "dropout": NSNull(), "unk_token": NSNull(), "continuing_subword_prefix": NSNull(),
                "end_of_word_suffix": NSNull(), "fuse_unk": false, "byte_fallback": false, "ignore_merges": false,
                "vocab": vocabulary, "merges": mergeList.map { $0.0 + " " + $0.1 },
            ] as [String: Any],
        ]
    }

    /// `tokenizer_config.json`: the special tokens and the chat template.
    public func huggingFaceTokenizerConfig() -> [String: Any] {
        var config: [String: Any] = ["tokenizer_class": "GPT2Tokenizer", "add_prefix_space": false, "clean_up_tokenization_spaces": false]
        for (key, id) in [("bos_token", bosTokenID), ("eos_token", eosTokenID), ("pad_token", padTokenID)] {
            if let id, id >= 0, Int(id) < tokens.count { config[key] = tokens[Int(id)] }
        }
        if let chatTemplate { config["chat_template"] = chatTemplate }
        return config
    }
}
