import Checkpoints
import Foundation

/// One eval document found in one training row.
public struct ContaminationPair: Sendable, Equatable {
    /// Index into the checked eval sets, and the document's index in its set.
    public let set: Int
    public let document: Int
    /// Index into the training files, and the row's 1-based line.
    public let file: Int
    public let line: Int
    /// The document's tokens that lie in n-grams shared with the row (all of them for exact matches).
    public let coveredTokens: Int
    public let documentTokens: Int

    public var coverage: Double { Double(coveredTokens) / Double(documentTokens) }
}

/// What a check found: every contaminating pair, and each document's best coverage by any one row.
public struct ContaminationResult: Sendable {
    public struct Document: Hashable, Sendable {
        public let set: Int
        public let document: Int
    }

    public let sets: [EvalSet]
    public let trainFiles: [String]
    public let rule: ContaminationRule
    /// Ordered by training file, line, eval set, document.
    public let pairs: [ContaminationPair]
    /// For every document sharing at least one n-gram (or contained) with some row: the most tokens
    /// any single row covers, and the document's length in tokens.
    public let bestCoverage: [Document: (covered: Int, tokens: Int)]
    /// Per eval set: documents with no token (left out of the share), and documents shorter than the n-gram.
    public let emptyDocuments: [Int]
    public let shortDocuments: [Int]
    /// Per training file: rows read and bytes.
    public let rows: [Int]
    public let bytes: [Int]
    /// Building the eval index, and the pass over the training files.
    public let indexSeconds: Double
    public let scanSeconds: Double

    /// Distinct documents of `set` contaminated by `file` (nil: by any file).
    public func contaminated(set: Int, file: Int? = nil) -> Int {
        Set(pairs.lazy.filter { $0.set == set && (file == nil || $0.file == file) }.map(\.document)).count
    }

    /// The documents of `set` that count in the share (those with at least one token).
    public func scoredDocuments(set: Int) -> Int { sets[set].texts.count - emptyDocuments[set] }
}

/// Tülu 3's decontamination check without a search engine: an in-memory index of the eval
/// documents' n-grams, and one parallel pass over each training file's user turns.
public enum ContaminationCheck {
    public static func run(sets: [EvalSet], trainFiles: [String], rule: ContaminationRule, threads: Int) throws -> ContaminationResult {
        if case .ngram(let size, let threshold) = rule {
            guard size >= 1 else { throw ContaminationError("--ngram must be at least 1, got \(size)") }
            guard threshold > 0, threshold <= 1 else { throw ContaminationError("--threshold must be in (0, 1], got \(threshold)") }
        }
        let started = Date()
        let index = EvalIndex(sets: sets, rule: rule)
        let indexed = Date()
        var pairs: [ContaminationPair] = []
        var best: [ContaminationResult.Document: (covered: Int, tokens: Int)] = [:]
        var rows: [Int] = [], bytes: [Int] = []
        for (fileIndex, path) in trainFiles.enumerated() {
            let file: MappedFile
            do { file = try MappedFile(path: path) } catch let error as CheckpointError { throw ContaminationError(error.description) }
            let scan = try TrainingFileScan(file: file, fileIndex: fileIndex, index: index, threads: threads)
            pairs += scan.pairs
            for (document, covered) in scan.best {
                let key = ContaminationResult.Document(set: index.documents[document].set, document: index.documents[document].index)
                let tokens = index.documents[document].tokens.count
                if covered > best[key]?.covered ?? -1 { best[key] = (covered, tokens) }
            }
            rows.append(scan.rows)
            bytes.append(file.count)
        }
        var empty = [Int](repeating: 0, count: sets.count), short = empty
        for document in index.documents {
            if document.tokens.isEmpty { empty[document.set] += 1 }
            if !document.tokens.isEmpty, document.tokens.count < rule.windowSize, case .ngram = rule { short[document.set] += 1 }
        }
        return ContaminationResult(sets: sets, trainFiles: trainFiles, rule: rule, pairs: pairs, bestCoverage: best,
                                   emptyDocuments: empty, shortDocuments: short, rows: rows, bytes: bytes,
                                   indexSeconds: indexed.timeIntervalSince(started), scanSeconds: Date().timeIntervalSince(indexed))
    }
}

/// One training file scanned in chunks of whole lines, the chunks spread over threads and their
/// findings put back in file order.
struct TrainingFileScan {
    private(set) var pairs: [ContaminationPair] = []
    /// Document (index into the eval index) → the most of its tokens one row covers.
    private(set) var best: [Int: Int] = [:]
    private(set) var rows = 0

    private struct Chunk {
        var pairs: [ContaminationPair] = []
        var best: [Int: Int] = [:]
        var lines = 0
        var rows = 0
        var problem: (line: Int, text: String)?
    }

    init(file: MappedFile, fileIndex: Int, index: EvalIndex, threads: Int) throws {
        let bytes = file.bytes
        let workers = max(1, threads)
        let target = max(1 << 20, bytes.count / (workers * 8))
        var bounds: [Range<Int>] = []
        var start = 0
        while start < bytes.count {
            var end = min(start + target, bytes.count)
            while end < bytes.count && bytes[end - 1] != UInt8(ascii: "\n") { end += 1 }
            bounds.append(start..<end)
            start = end
        }
        var chunks = [Chunk](repeating: Chunk(), count: bounds.count)
        chunks.withUnsafeMutableBufferPointer { out in
            DispatchQueue.concurrentPerform(iterations: min(workers, bounds.count)) { worker in
                for c in stride(from: worker, to: bounds.count, by: workers) {
                    out[c] = Self.scan(UnsafeRawBufferPointer(rebasing: bytes[bounds[c]]), fileIndex: fileIndex, index: index)
                }
            }
        }
        var linesBefore = 0
        for chunk in chunks {
            if let problem = chunk.problem {
                throw ContaminationError("\(file.path):\(linesBefore + problem.line): \(problem.text)")
            }
            pairs += chunk.pairs.map {
                ContaminationPair(set: $0.set, document: $0.document, file: $0.file, line: $0.line + linesBefore,
                                  coveredTokens: $0.coveredTokens, documentTokens: $0.documentTokens)
            }
            best.merge(chunk.best, uniquingKeysWith: max)
            linesBefore += chunk.lines
            rows += chunk.rows
        }
    }

    /// The rows of one chunk of whole lines; lines numbered from 1 within the chunk.
    private static func scan(_ text: UnsafeRawBufferPointer, fileIndex: Int, index: EvalIndex) -> Chunk {
        var chunk = Chunk()
        var turns = UserTurns()
        var ids: [Int32] = [], scratch: [UInt8] = []
        var covered: [Int: [Bool]] = [:]
        var contained: Set<Int> = []
        let lines = RowLines.forEach(in: text) { number, line in
            chunk.rows += 1
            do { try turns.read(line: line) } catch {
                chunk.problem = (number, (error as? UserTurns.Problem)?.description ?? "\(error)")
                return false
            }
            covered.removeAll(keepingCapacity: true)
            contained.removeAll(keepingCapacity: true)
            turns.forEachTurn { turn in
                ids.removeAll(keepingCapacity: true)
                WordTokens.forEach(in: turn, scratch: &scratch) { ids.append(index.vocabulary.id($0)) }
                ids.withUnsafeBufferPointer { ids in
                    switch index.rule {
                    case .ngram(let size, _):
                        index.forEachSharedNgram(in: ids) { document, offset in
                            let length = index.documents[document].tokens.count
                            covered[document, default: [Bool](repeating: false, count: length)].withUnsafeMutableBufferPointer { flags in
                                for k in offset..<(offset + size) { flags[k] = true }
                            }
                        }
                    case .exact:
                        index.forEachContainedDocument(in: ids) { contained.insert($0) }
                    }
                }
            }
            var found: [ContaminationPair] = []
            for (document, flags) in covered {
                let count = flags.reduce(0) { $0 + ($1 ? 1 : 0) }
                chunk.best[document] = max(chunk.best[document] ?? 0, count)
                if case .ngram(_, let threshold) = index.rule, Double(count) / Double(flags.count) > threshold || count == flags.count {
                    found.append(pair(document, index, fileIndex, number, count))
                }
            }
            for document in contained {
                let length = index.documents[document].tokens.count
                chunk.best[document] = length
                found.append(pair(document, index, fileIndex, number, length))
            }
            chunk.pairs += found.sorted { ($0.set, $0.document) < ($1.set, $1.document) }
            return true
        }
        chunk.lines = lines
        return chunk
    }

    private static func pair(_ document: Int, _ index: EvalIndex, _ file: Int, _ line: Int, _ covered: Int) -> ContaminationPair {
        let entry = index.documents[document]
        return ContaminationPair(set: entry.set, document: entry.index, file: file, line: line,
                                 coveredTokens: covered, documentTokens: entry.tokens.count)
    }
}
