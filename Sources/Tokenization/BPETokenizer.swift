import Foundation

/// Byte-level BPE (GPT-2, SmolLM2): text → UTF-8 bytes → added tokens matched first → pre-tokenizer
/// pieces → each piece's bytes in the byte alphabet → ranked merges → ids. Decoding maps ids back to
/// bytes, so `decodeBytes(encode(bytes:))` returns any byte string unchanged.
public final class BPETokenizer: @unchecked Sendable {
    /// id → token string (byte alphabet for ordinary tokens, plain text for added tokens).
    public let tokens: [String]
    /// Tokens matched in the raw text before pre-tokenization (the special tokens and other added tokens).
    public let addedTokens: [(content: String, id: Int32, special: Bool)]
    public let preTokenizer: PreTokenizer
    public let bosTokenID: Int32?
    public let eosTokenID: Int32?
    public let padTokenID: Int32?
    /// The checkpoint's Jinja chat template, if any (rendered by `ChatTemplate`, not by a Jinja engine).
    public let chatTemplate: String?
    /// The merges in rank order (what `tokenizer.json` and GGUF list).
    public let mergeList: [(String, String)]

    private let idOfToken: [String: Int32]
    /// (left id << 32 | right id) → (rank, merged id)
    private let merges: [UInt64: (rank: Int32, result: Int32)]
    private let byteTokens: [Int32]
    /// Added tokens by first byte, longest first.
    private let addedByFirstByte: [UInt8: [(bytes: [UInt8], id: Int32)]]
    private let addedIDs: Set<Int32>
    private var cache: [[UInt8]: [Int32]] = [:]
    private let cacheLock = NSLock()

    public init(tokens: [String], merges mergePairs: [(String, String)], addedTokens: [(content: String, id: Int32, special: Bool)],
                preTokenizer: PreTokenizer, bosTokenID: Int32? = nil, eosTokenID: Int32? = nil, padTokenID: Int32? = nil,
                chatTemplate: String? = nil, source: String = "tokenizer") throws {
        self.tokens = tokens
        self.addedTokens = addedTokens
        self.preTokenizer = preTokenizer
        self.bosTokenID = bosTokenID
        self.eosTokenID = eosTokenID
        self.padTokenID = padTokenID
        self.chatTemplate = chatTemplate
        self.mergeList = mergePairs
        var index: [String: Int32] = [:]
        index.reserveCapacity(tokens.count)
        for (id, token) in tokens.enumerated() where index[token] == nil { index[token] = Int32(id) }
        idOfToken = index

        var table: [UInt64: (rank: Int32, result: Int32)] = [:]
        table.reserveCapacity(mergePairs.count)
        for (rank, pair) in mergePairs.enumerated() {
            guard let left = index[pair.0], let right = index[pair.1], let result = index[pair.0 + pair.1] else {
                throw TokenizerError("\(source): merge \(rank) \"\(pair.0) \(pair.1)\" refers to a token missing from the vocabulary")
            }
            let key = UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
            if table[key] == nil { table[key] = (Int32(rank), result) }
        }
        merges = table

        // A vocabulary may lack a few byte symbols (SmolLM2 has no token for 21 bytes: 8 control
        // characters, the never-valid UTF-8 bytes C0, C1, F5–FF, and F1, F2). Like Hugging Face
        // `tokenizers` (BPE without byte fallback or unk token), such bytes are dropped before merging.
        let bytes = (0..<256).map { index[String(ByteLevel.characterOfByte[$0])] ?? -1 }
        guard bytes.filter({ $0 >= 0 }).count >= 128 else {
            throw TokenizerError("\(source): the vocabulary lacks most byte symbols of the GPT-2 byte alphabet; not a byte-level BPE vocabulary")
        }
        byteTokens = bytes

        var byFirst: [UInt8: [(bytes: [UInt8], id: Int32)]] = [:]
        for added in addedTokens {
            let content = Array(added.content.utf8)
            guard let first = content.first else { continue }
            byFirst[first, default: []].append((content, added.id))
        }
        for key in byFirst.keys { byFirst[key]!.sort { $0.bytes.count > $1.bytes.count } }
        addedByFirstByte = byFirst
        addedIDs = Set(addedTokens.map(\.id))
        for added in addedTokens where added.id < 0 || Int(added.id) >= tokens.count {
            throw TokenizerError("\(source): added token \"\(added.content)\" has id \(added.id), outside the vocabulary (0..<\(tokens.count))")
        }
    }

    public var vocabularySize: Int { tokens.count }

    public func id(of token: String) -> Int32? { idOfToken[token] }

    public func isAdded(_ id: Int32) -> Bool { addedIDs.contains(id) }

    /// Bytes of `text` the vocabulary cannot represent (dropped by `encode`, as Hugging Face does).
    public func unrepresentableBytes(in bytes: [UInt8]) -> [UInt8] {
        bytes.filter { byteTokens[Int($0)] < 0 }
    }

    // MARK: Encoding

    public func encode(_ text: String) -> [Int32] {
        encode(bytes: Array(text.utf8))
    }

    /// Any bytes, valid UTF-8 or not.
    public func encode(bytes: [UInt8]) -> [Int32] {
        var ids: [Int32] = []
        ids.reserveCapacity(bytes.count / 3)
        bytes.withUnsafeBufferPointer { text in
            var pieces: [Range<Int>] = []
            var segmentStart = 0
            var position = 0
            while position < text.count {
                if let candidates = addedByFirstByte[text[position]],
                   let hit = candidates.first(where: { matches($0.bytes, text, at: position) }) {
                    encodeSegment(text, segmentStart..<position, pieces: &pieces, into: &ids)
                    ids.append(hit.id)
                    position += hit.bytes.count
                    segmentStart = position
                } else {
                    position += 1
                }
            }
            encodeSegment(text, segmentStart..<text.count, pieces: &pieces, into: &ids)
        }
        return ids
    }

    private func matches(_ needle: [UInt8], _ text: UnsafeBufferPointer<UInt8>, at position: Int) -> Bool {
        guard position + needle.count <= text.count else { return false }
        for (offset, byte) in needle.enumerated() where text[position + offset] != byte { return false }
        return true
    }

    private func encodeSegment(_ text: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, pieces: inout [Range<Int>], into ids: inout [Int32]) {
        guard !range.isEmpty else { return }
        pieces.removeAll(keepingCapacity: true)
        preTokenizer.pieces(of: text, in: range, into: &pieces)
        for piece in pieces {
            let word = Array(text[piece])
            cacheLock.lock()
            let cached = cache[word]
            cacheLock.unlock()
            if let cached {
                ids += cached
                continue
            }
            let encoded = mergeWord(word)
            cacheLock.lock()
            if cache.count > 200_000 { cache.removeAll(keepingCapacity: true) }
            cache[word] = encoded
            cacheLock.unlock()
            ids += encoded
        }
    }

    /// Ranked merges: repeatedly merge every occurrence (left to right) of the adjacent pair with
    /// the lowest rank, until no adjacent pair has a merge.
    private func mergeWord(_ word: [UInt8]) -> [Int32] {
        var symbols = word.compactMap { byte -> Int32? in
            let id = byteTokens[Int(byte)]
            return id >= 0 ? id : nil
        }
        guard symbols.count > 1 else { return symbols }
        var next: [Int32] = []
        next.reserveCapacity(symbols.count)
        while symbols.count > 1 {
            var bestRank = Int32.max, bestPair: UInt64 = 0, bestResult: Int32 = 0
            for i in 0..<(symbols.count - 1) {
                let key = UInt64(UInt32(bitPattern: symbols[i])) << 32 | UInt64(UInt32(bitPattern: symbols[i + 1]))
                if let merge = merges[key], merge.rank < bestRank {
                    bestRank = merge.rank
                    bestPair = key
                    bestResult = merge.result
                }
            }
            if bestRank == Int32.max { break }
            next.removeAll(keepingCapacity: true)
            var i = 0
            while i < symbols.count {
                if i + 1 < symbols.count,
                   UInt64(UInt32(bitPattern: symbols[i])) << 32 | UInt64(UInt32(bitPattern: symbols[i + 1])) == bestPair {
                    next.append(bestResult)
                    i += 2
                } else {
                    next.append(symbols[i])
                    i += 1
                }
            }
            swap(&symbols, &next)
        }
        return symbols
    }

    // MARK: Decoding

    /// The bytes the ids stand for (added tokens as their text). Ids outside the vocabulary are skipped.
    public func decodeBytes(_ ids: [Int32], skipSpecial: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        for id in ids where id >= 0 && Int(id) < tokens.count {
            if addedIDs.contains(id) {
                if !(skipSpecial && addedTokens.contains { $0.id == id && $0.special }) { out += Array(tokens[Int(id)].utf8) }
            } else {
                out += ByteLevel.bytes(of: tokens[Int(id)]) ?? Array(tokens[Int(id)].utf8)
            }
        }
        return out
    }

    /// Text of the ids; bytes that are not valid UTF-8 (a character cut between ids) become U+FFFD.
    public func decode(_ ids: [Int32], skipSpecial: Bool = false) -> String {
        String(decoding: decodeBytes(ids, skipSpecial: skipSpecial), as: UTF8.self)
    }
}
