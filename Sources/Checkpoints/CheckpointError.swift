/// A checkpoint file that cannot be read or written, with the file and the field at fault.
///
/// `field` names the place in the format, e.g. `header.tensor_count`, `metadata["general.alignment"]`
/// or `tensor "blk.0.attn_q.weight".offset`, so a user can find what is wrong without a hex editor.
import Diagnostics

public struct CheckpointError: LocatedBadInput, Equatable, Sendable {
    public var file: String
    public var field: String
    public var problem: String

    public init(file: String, field: String, problem: String) {
        self.file = file
        self.field = field
        self.problem = problem
    }

    public var place: String { file }
    public var key: String { field }
}
