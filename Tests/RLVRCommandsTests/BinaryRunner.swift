import Foundation
import Testing

/// Runs the built `rlvr` binary as a user would: its own process, environment, standard input and
/// standard output (a file such as /dev/full, or captured together with standard error).
enum BinaryRunner {
    struct Outcome {
        var status: Int32
        /// Standard error, and standard output when it was captured.
        var output: String
    }

    static func run(_ arguments: [String], environment extra: [String: String] = [:], input: String? = nil,
                    standardOutput path: String? = nil, directory: String? = nil) throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: DistributedRunTests.binary)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.environment = ProcessInfo.processInfo.environment.merging(extra) { $1 }
        let captured = Pipe()
        process.standardError = captured
        if let path {
            process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        } else {
            process.standardOutput = captured
        }
        let stdin = Pipe()
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        let data = captured.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }
}
