import Foundation
import JSON

/// One finished document, a line of `samples.jsonl`: what was asked, what the model did, how it scored.
/// The file doubles as the cache an interrupted evaluation resumes from.
public struct SampleRecord: Codable, Equatable, Sendable {
    public var task: String
    public var docIndex: Int
    public var group: String?
    /// The prompt as rendered (chat template applied, shots included), before tokenization.
    public var prompt: String
    // Multiple choice
    public var continuations: [String]?
    public var gold: Int?
    public var loglikelihoods: [Double]?
    public var isGreedy: [Bool]?
    // Generation
    public var reference: String?
    public var responses: [String]?
    public var extracted: [[String: String]]?
    /// Every metric's values for this document (one each, or one per instruction for IFEval's
    /// instruction-level metrics).
    public var metrics: [String: [Double]]

    public init(task: String, docIndex: Int, group: String? = nil, prompt: String, continuations: [String]? = nil, gold: Int? = nil,
                loglikelihoods: [Double]? = nil, isGreedy: [Bool]? = nil, reference: String? = nil, responses: [String]? = nil,
                extracted: [[String: String]]? = nil, metrics: [String: [Double]]) {
        self.task = task
        self.docIndex = docIndex
        self.group = group
        self.prompt = prompt
        self.continuations = continuations
        self.gold = gold
        self.loglikelihoods = loglikelihoods
        self.isGreedy = isGreedy
        self.reference = reference
        self.responses = responses
        self.extracted = extracted
        self.metrics = metrics
    }

    enum CodingKeys: String, CodingKey {
        case task, docIndex = "doc_index", group, prompt, continuations, gold, loglikelihoods, isGreedy = "is_greedy"
        case reference, responses, extracted, metrics
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    public func jsonLine() throws -> Data {
        var data = try Self.encoder.encode(self)
        data.append(UInt8(ascii: "\n"))
        return data
    }
}

/// `samples.jsonl` as a cache: the records already there, and appending as documents finish.
public final class SampleStore {
    public let path: String
    public private(set) var records: [SampleRecord] = []
    private var handle: FileHandle?

    /// Opens (creating) the file. A last line cut short by a killed run is dropped; any other
    /// unreadable line is an error naming it.
    public init(path: String) throws {
        self.path = path
        let manager = FileManager.default
        if !manager.fileExists(atPath: path) {
            guard manager.createFile(atPath: path, contents: nil) else { throw EvalError("\(path): cannot be created") }
        }
        guard var data = manager.contents(atPath: path) else { throw EvalError("\(path): cannot be read") }
        if let last = data.last, last != UInt8(ascii: "\n") {
            data = data.prefix(upTo: data.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? data.startIndex)
            try data.write(to: URL(fileURLWithPath: path))
        }
        let decoder = JSONDecoder()
        for (number, line) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() where !line.isEmpty {
            do {
                records.append(try decoder.decode(SampleRecord.self, from: Data(line)))
            } catch {
                throw EvalError("\(path):\(number + 1): not a sample record of rlvr eval (\(error.localizedDescription)); remove the file or choose another --out")
            }
        }
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle?.seekToEnd()
    }

    deinit { try? handle?.close() }

    public func append(_ new: [SampleRecord]) throws {
        guard !new.isEmpty else { return }
        var data = Data()
        for record in new { data.append(try record.jsonLine()) }
        do {
            try handle?.write(contentsOf: data)
            try handle?.synchronize()
        } catch {
            throw EvalError("\(path): could not write (\(error.localizedDescription))")
        }
        records += new
    }
}
