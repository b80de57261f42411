import Diagnostics
import ArgumentParser
import Checkpoints
import Collectives
import Foundation
import Kernels
import LlamaModel
import ModelIO
import Tokenization
import RunConfig

/// Runs the command line and turns every failure into a message and an exit code:
/// 0 success, 1 runtime failure, 2 bad usage or bad input.
public enum CommandLineEntry {
    ///
    /// Under an MPI launcher the process first joins the job (`ProcessGroup.startFromLauncher`); a
    /// rank that fails says so with its rank and ends the whole job (MPI_Abort), since the others
    /// would otherwise wait for it forever.
    public static func run(_ arguments: [String]) -> Int32 {
        let group: ProcessGroup
        do {
            group = try ProcessGroup.startFromLauncher()
        } catch {
            FileHandle.standardError.write(Data("rlvr: error: could not join the MPI job: \(error)\n".utf8))
            return 1
        }
        do {
            try checkHelpTopic(arguments)
            var command = try RLVR.parseAsRoot(arguments)
            try KernelPath.configureFromEnvironment()
            if let notice = KernelPath.fallbackNotice, group.rank == 0 {
                FileHandle.standardError.write(Data((notice + "\n").utf8))
            }
            try command.run()
            try checkStandardOutput()
            group.finish()
            return 0
        } catch {
            var (code, message) = outcome(of: error)
            if code == 0 {
                // help and version text: written like any output, and a failed write is a failure
                if !message.isEmpty { print(message) }
                if let failure = StandardOutput.flushFailure() {
                    (code, message) = (1, "rlvr: error: could not write to standard output: \(failure)")
                } else {
                    message = ""
                }
            }
            if !message.isEmpty {
                if group.size > 1 {
                    FileHandle.standardError.write(Data((message.replacingOccurrences(of: "rlvr: error:", with: "rlvr: rank \(group.rank) of \(group.size): error:") + "\n").utf8))
                } else {
                    FileHandle.standardError.write(Data((message + "\n").utf8))
                }
            }
            if group.usesMPI {
                if code == 0 { group.finish() } else { group.abort(code: code) }
            }
            return code
        }
    }

    /// `rlvr help a b` names commands that exist (ArgumentParser would print the top-level help and
    /// succeed for any name).
    static func checkHelpTopic(_ arguments: [String]) throws {
        guard arguments.first == "help" else { return }
        var command: ParsableCommand.Type = RLVR.self
        var path = ["rlvr"]
        for name in arguments.dropFirst() where !name.hasPrefix("-") {
            let children = command.configuration.subcommands
            guard let child = children.first(where: { $0._commandName == name }) else {
                let known = children.map { $0._commandName }.joined(separator: ", ")
                throw InputError("help: \(path.joined(separator: " ")) has no command \"\(name)\"" + (known.isEmpty ? "" : " (commands: \(known))"))
            }
            command = child
            path.append(name)
        }
    }

    /// A command's output that could not be written is a failure of the run (exit 1), not silence.
    static func checkStandardOutput() throws {
        if let failure = StandardOutput.flushFailure() { throw OutputError("could not write to standard output: \(failure)") }
    }

    /// The exit code and message for an error thrown by parsing or running a command.
    public static func outcome(of error: Error) -> (code: Int32, message: String) {
        switch error {
        case let error as BadInput: return (2, "rlvr: error: \(error)")
        case let error as OutputError: return (1, "rlvr: error: \(error)")
        case let error as NSError where error.domain == NSCocoaErrorDomain || error.domain == NSPOSIXErrorDomain:
            return (1, "rlvr: error: \(describeFileError(error))")
        default:
            let code = RLVR.exitCode(for: error).rawValue
            let message = RLVR.fullMessage(for: error)
            // ArgumentParser reports usage errors as EX_USAGE (64); the project's convention is 2.
            return (code == ExitCode.validationFailure.rawValue ? 2 : code, message)
        }
    }
}

/// Bad input that is not a checkpoint or config problem: a missing file, a malformed argument.
public struct InputError: BadInput {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A Foundation file error in words: "runs/x/config.yaml: Permission denied" instead of
/// "Error Domain=NSCocoaErrorDomain Code=513 …".
func describeFileError(_ error: NSError) -> String {
    let path = (error.userInfo[NSFilePathErrorKey] as? String) ?? (error.userInfo[NSURLErrorKey] as? URL)?.path
    var reason: String
    if let underlying = (error.userInfo[NSUnderlyingErrorKey] as? Error).map({ $0 as NSError }), underlying.domain == NSPOSIXErrorDomain {
        reason = String(cString: strerror(Int32(underlying.code)))
    } else if error.domain == NSPOSIXErrorDomain {
        reason = String(cString: strerror(Int32(error.code)))
    } else {
        switch CocoaError.Code(rawValue: error.code) {
        case .fileNoSuchFile, .fileReadNoSuchFile: reason = "no such file or folder"
        case .fileWriteNoPermission, .fileReadNoPermission: reason = "permission denied"
        case .fileWriteOutOfSpace: reason = "no space left on the device"
        case .fileWriteVolumeReadOnly: reason = "the volume is read-only"
        case .fileWriteFileExists: reason = "it already exists"
        default: reason = "file operation failed (code \(error.code))"
        }
    }
    return path.map { "\($0): \(reason)" } ?? reason
}

/// Output that could not be written: a run-time failure (exit 1).
public struct OutputError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Commands that are not data-parallel (the demo, the benchmarks) refuse to run as several ranks:
/// each rank would do the whole job and race the others for its files.
func requireOneProcess(_ command: String) throws {
    let group = ProcessGroup.current
    guard group.size == 1 else {
        throw InputError("rlvr \(command) runs in one process, not \(group.size) ranks; under mpirun use sft, dpo, rm, ppo, pipeline or bench allreduce")
    }
}
