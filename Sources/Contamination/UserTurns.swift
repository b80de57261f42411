import JSON

/// The user turns of one training row, read straight from its JSON line: Tülu 3 compares prompts
/// only (completions are often regenerated), i.e. the user turns of each conversation.
///
/// Fields read: `messages` (open-instruct SFT and RLVR rows), `chosen` and `rejected` (preference
/// rows; their user turns are normally the same), each a list of `{"role", "content"}`, and `prompt`
/// (TRL: a string, which is a user turn, or a list of messages). Other fields are skipped; a row with
/// none of these is an error, as is a message whose content is not a string.
struct UserTurns {
    /// The turns' UTF-8 bytes one after another; turn `i` ends at `ends[i]`.
    private(set) var text: [UInt8] = []
    private(set) var ends: [Int] = []
    private var role: [UInt8] = []
    private var content: [UInt8] = []

    static let fields: [[UInt8]] = ["messages", "chosen", "rejected"].map { Array($0.utf8) }
    static let prompt = Array("prompt".utf8)
    static let roleKey = Array("role".utf8)
    static let contentKey = Array("content".utf8)
    static let user = Array("user".utf8)

    /// A row that is not what the reader expects, in words (the caller adds file and line).
    struct Problem: Error { let description: String }

    /// Calls `body` with each turn's bytes, in order.
    func forEachTurn(_ body: (UnsafeRawBufferPointer) -> Void) {
        text.withUnsafeBytes { bytes in
            var start = 0
            for end in ends {
                body(UnsafeRawBufferPointer(rebasing: bytes[start..<end]))
                start = end
            }
        }
    }

    /// Reads the user turns of the JSON object in `line`.
    mutating func read(line: UnsafeRawBufferPointer) throws {
        text.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
        var cursor = JSONCursor(line)
        var sawField = false
        do {
            try cursor.beginObject()
            while try cursor.nextKey() {
                if Self.fields.contains(cursor.key) {
                    try readMessages(&cursor, field: String(decoding: cursor.key, as: UTF8.self))
                    sawField = true
                } else if cursor.key == Self.prompt {
                    if try cursor.peekKind() == .string {
                        try cursor.string(into: &text)
                        ends.append(text.count)
                    } else {
                        try readMessages(&cursor, field: "prompt")
                    }
                    sawField = true
                } else {
                    try cursor.skipValue()
                }
            }
            try cursor.finish()
        } catch let malformed as JSONCursor.Malformed {
            throw Problem(description: malformed.description)
        }
        guard sawField else { throw Problem(description: "no prompt to compare: expected \"messages\", \"chosen\", \"rejected\" or \"prompt\"") }
    }

    private mutating func readMessages(_ cursor: inout JSONCursor, field: String) throws {
        guard try cursor.peekKind() == .array else { throw Problem(description: "\"\(field)\" must be a list of {\"role\", \"content\"} messages") }
        try cursor.beginArray()
        var index = 0
        while try cursor.nextElement() {
            guard try cursor.peekKind() == .object else { throw Problem(description: "\(field)[\(index)]: expected {\"role\": string, \"content\": string}") }
            role.removeAll(keepingCapacity: true)
            content.removeAll(keepingCapacity: true)
            var hasRole = false, hasContent = false
            try cursor.beginObject()
            while try cursor.nextKey() {
                if cursor.key == Self.roleKey || cursor.key == Self.contentKey {
                    let isRole = cursor.key == Self.roleKey
                    guard try cursor.peekKind() == .string else {
                        throw Problem(description: "\(field)[\(index)].\(isRole ? "role" : "content"): expected a string")
                    }
                    if isRole { try cursor.string(into: &role); hasRole = true } else { try cursor.string(into: &content); hasContent = true }
                } else {
                    try cursor.skipValue()
                }
            }
            guard hasRole, hasContent else { throw Problem(description: "\(field)[\(index)]: expected {\"role\": string, \"content\": string}") }
            if role == Self.user {
                text.append(contentsOf: content)
                ends.append(text.count)
            }
            index += 1
        }
    }
}
