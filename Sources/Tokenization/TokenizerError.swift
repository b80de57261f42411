import Diagnostics

/// A tokenizer that cannot be built or text it cannot take, naming the file and key at fault.
public struct TokenizerError: BadInput, Equatable, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
