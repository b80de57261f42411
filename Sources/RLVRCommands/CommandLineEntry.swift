import ArgumentParser
import Checkpoints
import Foundation
import LlamaModel
import ModelIO
import Tokenization
import RunConfig

/// Runs the command line and turns every failure into a message and an exit code:
/// 0 success, 1 runtime failure, 2 bad usage or bad input.
public enum CommandLineEntry {
    public static func run(_ arguments: [String]) -> Int32 {
        do {
            var command = try RLVR.parseAsRoot(arguments)
            try command.run()
            return 0
        } catch {
            let (code, message) = outcome(of: error)
            if !message.isEmpty {
                if code == 0 {
                    print(message)
                } else {
                    FileHandle.standardError.write(Data((message + "\n").utf8))
                }
            }
            return code
        }
    }

    /// The exit code and message for an error thrown by parsing or running a command.
    public static func outcome(of error: Error) -> (code: Int32, message: String) {
        switch error {
        case let error as CheckpointError: return (2, "rlvr: error: \(error)")
        case let error as ModelFileError: return (2, "rlvr: error: \(error)")
        case let error as ConfigError: return (2, "rlvr: error: \(error)")
        case let error as InputError: return (2, "rlvr: error: \(error)")
        case let error as LlamaModelError: return (2, "rlvr: error: \(error)")
        case let error as TokenizerError: return (2, "rlvr: error: \(error)")
        default:
            let code = RLVR.exitCode(for: error).rawValue
            let message = RLVR.fullMessage(for: error)
            // ArgumentParser reports usage errors as EX_USAGE (64); the project's convention is 2.
            return (code == ExitCode.validationFailure.rawValue ? 2 : code, message)
        }
    }
}

/// Bad input that is not a checkpoint or config problem: a missing file, a malformed argument.
public struct InputError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
