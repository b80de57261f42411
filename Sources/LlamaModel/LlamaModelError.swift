import Diagnostics

/// Input the model cannot take, with the offending values.
public struct LlamaModelError: BadInput, Equatable, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
