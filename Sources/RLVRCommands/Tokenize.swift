import ArgumentParser
import Checkpoints
import Foundation
import JSON
import ModelIO
import Tokenization

struct Tokenize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Token ids of text (or, with --decode, text of token ids) with a checkpoint's tokenizer.",
        discussion: "--input reads JSONL rows {\"text\": …} (with --decode: {\"ids\": [...]}) and prints one JSON array (or string) per row."
    )

    @Option(help: "A .gguf file or a Hugging Face model folder (tokenizer.json).")
    var model: String

    @Option(parsing: .unconditional, help: "Text to tokenize (with --decode: comma-separated ids).")
    var text: String?

    @Option(help: "A JSONL file of {\"text\": …} rows (- for standard input).")
    var input: String?

    @Flag(help: "Decode ids to text instead.")
    var decode = false

    @Flag(help: "Print JSON (ids with their token strings for --text).")
    var json = false

    func validate() throws {
        if (text == nil) == (input == nil) { throw ValidationError("give exactly one of --text or --input") }
    }

    func run() throws {
        let tokenizer = try BPETokenizer.load(checkpoint: model)
        if let text {
            if decode {
                let ids = try Score.parseTokens(text, option: "--text")
                try Self.checkRange(ids.map(Int.init), vocabulary: tokenizer.tokens.count, place: "--text")
                print(json ? try Self.jsonString(tokenizer.decode(ids)) : tokenizer.decode(ids))
            } else {
                let ids = tokenizer.encode(text)
                if json {
                    let rows = ids.map { ["id": Int($0), "token": tokenizer.tokens[Int($0)]] as [String: Any] }
                    let data = try JSONSerialization.data(withJSONObject: rows, options: [.sortedKeys, .withoutEscapingSlashes])
                    print(String(decoding: data, as: UTF8.self))
                } else {
                    print(ids.map(String.init).joined(separator: ","))
                }
            }
            return
        }
        let path = input ?? ""
        for (line, row) in try JSONLines.objects(try InputFile.read(path), source: path) {
            if decode {
                guard let values = row["ids"]?.array, let ids = Optional(values.compactMap(\.int)), ids.count == values.count else {
                    throw InputError("\(path):\(line): expected \"ids\": [integers]")
                }
                try Self.checkRange(ids, vocabulary: tokenizer.tokens.count, place: "\(path):\(line)")
                print(try Self.jsonString(tokenizer.decode(ids.map(Int32.init))))
            } else {
                guard let text = row["text"]?.string else { throw InputError("\(path):\(line): expected \"text\": a string") }
                print("[" + tokenizer.encode(text).map(String.init).joined(separator: ",") + "]")
            }
        }
    }

    /// Ids outside the vocabulary are an error, as `rlvr score` makes them, not an empty string.
    static func checkRange(_ ids: [Int], vocabulary: Int, place: String) throws {
        if let bad = ids.first(where: { $0 < 0 || $0 >= vocabulary }) {
            throw InputError("\(place): token id \(bad) is outside the vocabulary (0..<\(vocabulary))")
        }
    }

    static func jsonString(_ text: String) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: text, options: [.fragmentsAllowed, .withoutEscapingSlashes]), as: UTF8.self)
    }
}
