import Foundation

/// TensorBoard's `Event` protocol buffer (tensorflow/core/util/event.proto), encoded by hand: the
/// engine writes only three kinds of event, so a protobuf library is not worth its build time.
///
///     Event   { double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5;
///               SessionLog session_log = 7; }
///     Summary { repeated Value value = 1; }   Value { string tag = 1; float simple_value = 2; }
///     SessionLog { SessionStatus status = 1; }   (START = 1)
public enum TensorBoardEvent {
    /// The first record of every file.
    public static func fileVersion(wallTime: Double) -> [UInt8] {
        double(field: 1, wallTime) + bytes(field: 3, Array("brain.Event:2".utf8))
    }

    /// Scalars at one step, as one event with one summary value per tag.
    public static func scalars(_ values: [(tag: String, value: Float)], step: Int, wallTime: Double) -> [UInt8] {
        let summary = values.flatMap { tag, value in
            bytes(field: 1, bytes(field: 1, Array(tag.utf8)) + float(field: 2, value))
        }
        return double(field: 1, wallTime) + varint(field: 2, UInt64(bitPattern: Int64(step))) + bytes(field: 5, summary)
    }

    /// A restart at `step`: TensorBoard drops every event it has read with a step ≥ `step`, so the
    /// steps a resumed run repeats are shown once.
    public static func sessionStart(step: Int, wallTime: Double) -> [UInt8] {
        double(field: 1, wallTime) + varint(field: 2, UInt64(bitPattern: Int64(step))) + bytes(field: 7, varint(field: 1, 1))
    }

    // Wire format: key = field << 3 | wire type (0 varint, 1 fixed64, 2 length-delimited, 5 fixed32).

    static func key(_ field: Int, _ wireType: UInt64) -> [UInt8] { encodeVarint(UInt64(field) << 3 | wireType) }

    static func varint(field: Int, _ value: UInt64) -> [UInt8] { key(field, 0) + encodeVarint(value) }

    static func double(field: Int, _ value: Double) -> [UInt8] { key(field, 1) + littleEndianBytes(value.bitPattern) }

    static func float(field: Int, _ value: Float) -> [UInt8] { key(field, 5) + littleEndianBytes(value.bitPattern) }

    static func bytes(field: Int, _ value: [UInt8]) -> [UInt8] { key(field, 2) + encodeVarint(UInt64(value.count)) + value }

    static func encodeVarint(_ value: UInt64) -> [UInt8] {
        var out: [UInt8] = [], rest = value
        repeat {
            out.append(UInt8(rest & 0x7F) | (rest > 0x7F ? 0x80 : 0))
            rest >>= 7
        } while rest > 0
        return out
    }
}

/// A run's TensorBoard log: `tensorboard/events.out.tfevents.<unix time>.rlvr` in the run folder, one
/// scalar event per metrics line. A resumed run appends to the same file, after a restart marker.
public struct TensorBoardLog: Sendable {
    public let file: String

    /// Opens the folder's events file, creating the folder and the file (with its version record)
    /// when absent.
    public init(folder: String, wallTime: Double = Date().timeIntervalSince1970) throws {
        let manager = FileManager.default
        try manager.createDirectory(atPath: folder, withIntermediateDirectories: true)
        if let existing = try manager.contentsOfDirectory(atPath: folder).filter({ $0.hasPrefix("events.out.tfevents.") }).sorted().last {
            file = folder + "/" + existing
        } else {
            file = folder + "/events.out.tfevents.\(Int(wallTime)).rlvr"
            try Self.append(TensorBoardEvent.fileVersion(wallTime: wallTime), to: file)
        }
    }

    /// Every number of a metrics line as a scalar at its `step` (nested objects give `outer/inner`
    /// tags; strings, booleans and `step` itself are left out).
    public func append(metrics: [String: Any], wallTime: Double = Date().timeIntervalSince1970) throws {
        guard let step = metrics["step"] as? Int else { return }
        let values = MetricsLine.numbers(metrics).filter { $0.name != "step" }.map { (tag: $0.name, value: Float($0.value)) }
        guard !values.isEmpty else { return }
        try Self.append(TensorBoardEvent.scalars(values, step: step, wallTime: wallTime), to: file)
    }

    /// Marks a restart: the steps after `keptStep` will be logged again.
    public func restart(after keptStep: Int, wallTime: Double = Date().timeIntervalSince1970) throws {
        try Self.append(TensorBoardEvent.sessionStart(step: keptStep + 1, wallTime: wallTime), to: file)
    }

    /// Appends one framed record and flushes it (a killed run loses at most the record being written;
    /// TensorBoard stops reading at a torn record).
    static func append(_ record: [UInt8], to file: String) throws {
        if !FileManager.default.fileExists(atPath: file) { _ = FileManager.default.createFile(atPath: file, contents: nil) }
        guard let handle = FileHandle(forWritingAtPath: file) else { throw CheckpointError(file: file, field: "", problem: "cannot be opened for writing") }
        defer { try? handle.close() }
        do {
            try handle.seekToEnd()
            try handle.write(contentsOf: TFRecord.frame(record))
        } catch {
            throw CheckpointError(file: file, field: "", problem: "could not be written (\(error.localizedDescription))")
        }
    }
}
