import Checkpoints
import Foundation

/// The frozen reference's summed log-probabilities of every preference pair's responses, stored as
/// `<folder>/<key>.safetensors` (tensors `chosen` and `rejected`, one F32 per pair) so later runs
/// over the same inputs skip the reference forward passes. The key is a `ContentHash` of everything
/// the values depend on; a run that changes any of them computes (and stores) its own.
public struct ReferenceLogProbCache: Sendable {
    public let folder: String
    public let key: String

    public init(folder: String, key: String) {
        self.folder = folder
        self.key = key
    }

    public var path: String { folder + "/" + key + ".safetensors" }

    /// The stored values when the file exists and holds `pairs` of each; nil otherwise.
    public func load(pairs: Int) throws -> (chosen: [Float], rejected: [Float])? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let file = try SafetensorsFile(path: path)
        guard let chosen = file.info("chosen"), let rejected = file.info("rejected"),
              chosen.elementCount == pairs, rejected.elementCount == pairs else { return nil }
        return (try file.floats("chosen"), try file.floats("rejected"))
    }

    /// Writes the values atomically (a killed run leaves either no file or a whole one).
    public func store(chosen: [Float], rejected: [Float], metadata: [String: String]) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try SafetensorsWriter.write(arrays: [("chosen", .f32, [chosen.count], chosen), ("rejected", .f32, [rejected.count], rejected)],
                                    metadata: metadata, to: path)
    }
}
