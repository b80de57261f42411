#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// When an eval document counts as contaminated by a training row.
public enum ContaminationRule: Sendable, Equatable {
    /// Tülu 3 (§3.2): a document token *matches* a training row when the two share an n-gram
    /// containing it; the document is contaminated when more than `threshold` of its tokens match
    /// the same row, or all of them (so that threshold 1 means "wholly covered"). Documents shorter
    /// than `size` tokens have no n-gram and score 0 (as open-instruct).
    case ngram(size: Int, threshold: Double)
    /// open-instruct's default mode: the document's whole token sequence appears, contiguous, inside
    /// one user turn (Elasticsearch `match_phrase`: containment, case and punctuation ignored).
    case exact

    /// The n-gram size behind the rule's index: `size`, or for exact matching the anchor length.
    var windowSize: Int {
        switch self {
        case .ngram(let size, _): return size
        case .exact: return EvalIndex.anchorLength
        }
    }
}

/// The eval documents as token ids, and an index from their n-grams (or, for exact matching, from
/// each document's first tokens) to where they occur. Built once; read by every scanning thread.
final class EvalIndex: @unchecked Sendable {
    /// Exact matching looks documents up by their first `anchorLength` tokens (all of a shorter one).
    static let anchorLength = 8

    struct Document {
        var set: Int
        var index: Int
        var tokens: [Int32]
    }

    let rule: ContaminationRule
    let vocabulary = Vocabulary()
    private(set) var documents: [Document] = []
    /// Hash of a window of ids → the first posting of that hash in `postings` (chained by `next`).
    private var heads: [UInt64: Int32] = [:]
    private var postings: [(document: Int32, offset: Int32, next: Int32)] = []
    /// One bit per hash value modulo its size, set for every indexed hash: most training windows
    /// are ruled out here without a dictionary lookup.
    private var filter = [UInt64](repeating: 0, count: EvalIndex.filterWords)
    private static let filterWords = 1 << 16
    /// Exact matching: which anchor lengths some document has (index 1…anchorLength).
    private var anchorLengths = [Bool](repeating: false, count: EvalIndex.anchorLength + 1)

    init(sets: [EvalSet], rule: ContaminationRule) {
        self.rule = rule
        var scratch: [UInt8] = []
        for (setIndex, set) in sets.enumerated() {
            for (index, text) in set.texts.enumerated() {
                var tokens: [Int32] = []
                let utf8 = Array(text.utf8)
                utf8.withUnsafeBytes { bytes in
                    WordTokens.forEach(in: bytes, scratch: &scratch) { tokens.append(vocabulary.insert($0)) }
                }
                documents.append(Document(set: setIndex, index: index, tokens: tokens))
            }
        }
        for (number, document) in documents.enumerated() {
            switch rule {
            case .ngram(let size, _):
                guard document.tokens.count >= size else { continue }
                for offset in 0...(document.tokens.count - size) {
                    add(Self.hash(document.tokens[offset..<(offset + size)]), document: number, offset: offset)
                }
            case .exact:
                let length = min(document.tokens.count, Self.anchorLength)
                guard length > 0 else { continue }
                anchorLengths[length] = true
                add(Self.hash(document.tokens[0..<length]), document: number, offset: 0)
            }
        }
    }

    private func add(_ hash: UInt64, document: Int, offset: Int) {
        let bit = Int(truncatingIfNeeded: hash) & (Self.filterWords * 64 - 1)
        filter[bit >> 6] |= 1 << UInt64(bit & 63)
        postings.append((Int32(document), Int32(offset), heads[hash] ?? -1))
        heads[hash] = Int32(postings.count - 1)
    }

    /// FNV-1a over 32-bit ids, then a final avalanche (splitmix64's), so nearby ids spread.
    @inline(__always)
    static func step(_ hash: UInt64, _ id: Int32) -> UInt64 {
        (hash ^ UInt64(UInt32(bitPattern: id))) &* 0x100000001B3
    }

    static let seed: UInt64 = 0xCBF29CE484222325

    @inline(__always)
    static func finish(_ hash: UInt64) -> UInt64 {
        var z = hash
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }

    static func hash(_ ids: ArraySlice<Int32>) -> UInt64 {
        finish(ids.reduce(seed, step))
    }

    /// Every place in the documents where `turn[start..<start+length]` occurs as an indexed window:
    /// calls `body(document, offset)` for each posting whose ids equal the window's.
    @inline(__always)
    private func forEachPosting(of hash: UInt64, turn: UnsafeBufferPointer<Int32>, start: Int, length: Int, _ body: (Int, Int) -> Void) {
        let bit = Int(truncatingIfNeeded: hash) & (Self.filterWords * 64 - 1)
        guard filter[bit >> 6] & (1 << UInt64(bit & 63)) != 0, var posting = heads[hash] else { return }
        while posting >= 0 {
            let entry = postings[Int(posting)]
            let tokens = documents[Int(entry.document)].tokens
            let offset = Int(entry.offset)
            var same = offset + length <= tokens.count
            var k = 0
            while same && k < length {
                same = tokens[offset + k] == turn[start + k]
                k += 1
            }
            if same { body(Int(entry.document), offset) }
            posting = entry.next
        }
    }

    /// N-gram rule: calls `body(document, offset)` for every window of `turn` (token ids, −1 for a
    /// word no document has) equal to a document's n-gram at `offset`.
    func forEachSharedNgram(in turn: UnsafeBufferPointer<Int32>, _ body: (Int, Int) -> Void) {
        let size = rule.windowSize
        var known = 0
        for end in 0..<turn.count {
            known = turn[end] < 0 ? 0 : known + 1
            guard known >= size else { continue }
            let start = end - size + 1
            var hash = Self.seed
            for k in start...end { hash = Self.step(hash, turn[k]) }
            forEachPosting(of: Self.finish(hash), turn: turn, start: start, length: size, body)
        }
    }

    /// Exact rule: calls `body(document)` for every document whose whole token sequence occurs in
    /// `turn` (once per occurrence).
    func forEachContainedDocument(in turn: UnsafeBufferPointer<Int32>, _ body: (Int) -> Void) {
        for start in 0..<turn.count {
            var hash = Self.seed
            var length = 0
            while length < Self.anchorLength && start + length < turn.count && turn[start + length] >= 0 {
                hash = Self.step(hash, turn[start + length])
                length += 1
                guard anchorLengths[length] else { continue }
                forEachPosting(of: Self.finish(hash), turn: turn, start: start, length: length) { document, _ in
                    // The anchor matched; the rest of the document must follow it.
                    let tokens = documents[document].tokens
                    guard start + tokens.count <= turn.count else { return }
                    for k in length..<tokens.count where tokens[k] != turn[start + k] { return }
                    body(document)
                }
            }
        }
    }
}

/// The words of the eval documents, each with an id; a training word outside it gets −1 (no
/// document n-gram can contain it). Keys are compared byte for byte, so hashing never merges words.
final class Vocabulary: @unchecked Sendable {
    private struct Key: Hashable {
        let hash: Int
        let bytes: UnsafeRawBufferPointer
        static func == (a: Key, b: Key) -> Bool {
            a.hash == b.hash && a.bytes.count == b.bytes.count
                && (a.bytes.count == 0 || memcmp(a.bytes.baseAddress!, b.bytes.baseAddress!, a.bytes.count) == 0)
        }
        func hash(into hasher: inout Hasher) { hasher.combine(hash) }
    }

    private var ids: [Key: Int32] = [:]
    private var owned: [UnsafeMutableRawBufferPointer] = []

    var count: Int { ids.count }

    deinit { owned.forEach { $0.deallocate() } }

    private static func fnv(_ bytes: UnsafeRawBufferPointer) -> Int {
        var hash: UInt64 = 0xCBF29CE484222325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100000001B3 }
        return Int(bitPattern: UInt(hash))
    }

    /// The id of `token`, adding it if new.
    func insert(_ token: UnsafeRawBufferPointer) -> Int32 {
        let probe = Key(hash: Self.fnv(token), bytes: token)
        if let id = ids[probe] { return id }
        let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: max(token.count, 1), alignment: 1)
        copy.copyMemory(from: token)
        owned.append(copy)
        let id = Int32(ids.count)
        ids[Key(hash: probe.hash, bytes: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(copy)[0..<token.count]))] = id
        return id
    }

    /// The id of `token`, or −1.
    @inline(__always)
    func id(_ token: UnsafeRawBufferPointer) -> Int32 {
        ids[Key(hash: Self.fnv(token), bytes: token)] ?? -1
    }
}
