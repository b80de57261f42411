/// A model file or folder that is missing something or holds a value the engine cannot use.
import Diagnostics

public struct ModelFileError: LocatedBadInput, Equatable, Sendable {
    public var file: String
    public var key: String
    public var problem: String

    public init(file: String, key: String, problem: String) {
        self.file = file
        self.key = key
        self.problem = problem
    }

    public var place: String { file }
}
