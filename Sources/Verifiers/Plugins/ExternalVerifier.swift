import Foundation
import JSON

/// A verifier that is a separate program: it reads one JSON request per line on standard input,
/// `{"response": …, "ground_truth": …, "prompt": …}`, and writes one JSON verdict per line on
/// standard output, `{"score": 0…1 or true/false, "reason"?: …, "extracted"?: …}`. The program is
/// started once and kept alive; each request has a timeout; when the program dies, times out or
/// answers nonsense, the request scores 0 with the reason and the program is restarted for the next
/// one. Training never stops because a plug-in failed. Requests are sent one at a time.
public final class ExternalVerifier: Verifier, @unchecked Sendable {
    public let name: String
    public let version: String
    public let command: [String]
    public let timeout: Double
    public let workingDirectory: String?

    private let lock = NSLock()
    private var process: Process?
    private var input: FileHandle?
    private var reader: LineReader?
    private var launches = 0
    /// Times the program was started again after a failure.
    public var restarts: Int { max(0, launches - 1) }

    public init(name: String, version: String = "1", command: [String], timeout: Double = 10, workingDirectory: String? = nil) {
        self.name = name
        self.version = version
        self.command = command
        self.timeout = timeout
        self.workingDirectory = workingDirectory
        signal(SIGPIPE, SIG_IGN)   // a dead plug-in must not kill the engine through a broken pipe
    }

    deinit {
        stop()
    }

    public func verify(response: String, groundTruth: GroundTruth, prompt: String?) -> Verdict {
        lock.lock()
        defer { lock.unlock() }
        var request: [String: Any] = ["response": response]
        switch groundTruth {
        case .text(let t): request["ground_truth"] = t
        case .object, .array: request["ground_truth"] = (try? JSONSerialization.jsonObject(with: Data(groundTruth.text.utf8))) ?? groundTruth.text
        }
        if let prompt { request["prompt"] = prompt }
        guard var line = try? JSONSerialization.data(withJSONObject: request, options: [.withoutEscapingSlashes]) else {
            return .wrong("\(name): the request could not be encoded", extracted: nil)
        }
        line.append(UInt8(ascii: "\n"))
        do {
            try startIfNeeded()
        } catch {
            stop()
            return .wrong("\(name): could not start \(command.joined(separator: " ")): \(Self.describe(error)); it will be started again for the next request", extracted: nil)
        }
        do {
            try input?.write(contentsOf: line)
        } catch {
            let reason = exitDescription() ?? "could not send the request: \(Self.describe(error))"
            stop()
            return .wrong("\(name): \(reason); it will be restarted", extracted: nil)
        }
        guard let answer = reader?.nextLine(timeout: timeout) else {
            let died = reader?.isEnded ?? true
            let reason = died ? exitDescription() ?? "the verifier exited" : "no answer within \(timeout) s"
            stop()
            return .wrong("\(name): \(reason); it will be restarted", extracted: nil)
        }
        guard let object = JSONValue.parse(answer)?.object else {
            return .wrong("\(name): the answer is not a JSON object: \(answer.prefix(120))", extracted: nil)
        }
        let score: Double
        switch object["score"] {
        case .number(let n)? where (0...1).contains(n): score = n
        case .number(let n)?: return .wrong("\(name): the answer's score \(JSONValue.number(n).compactJSON) is outside 0…1", extracted: nil)
        case .bool(let b)?: score = b ? 1 : 0
        default: return .wrong("\(name): the answer has no \"score\" (a number in 0…1 or true/false)", extracted: nil)
        }
        return Verdict(score: score, reason: object["reason"]?.string ?? "\(name): score \(score)", extracted: object["extracted"]?.string)
    }

    private func startIfNeeded() throws {
        if let process, process.isRunning { return }
        stop()
        launches += 1
        let launched = Process()
        launched.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        launched.arguments = command
        if let workingDirectory { launched.currentDirectoryURL = URL(fileURLWithPath: workingDirectory) }
        let toChild = Pipe(), fromChild = Pipe()
        launched.standardInput = toChild
        launched.standardOutput = fromChild
        try launched.run()
        process = launched
        input = toChild.fileHandleForWriting
        reader = LineReader(fromChild.fileHandleForReading)
    }

    /// "the verifier exited with status 3" once the program has ended (waiting a moment for it), else nil.
    private func exitDescription() -> String? {
        guard let process else { return nil }
        for _ in 0..<50 where process.isRunning { usleep(2_000) }
        guard !process.isRunning else { return nil }
        return process.terminationReason == .uncaughtSignal
            ? "the verifier was killed by signal \(process.terminationStatus)"
            : "the verifier exited with status \(process.terminationStatus)"
    }

    /// An error in words: the POSIX reason when there is one, not a Foundation error dump.
    static func describe(_ error: Error) -> String {
        let error = error as NSError
        if let underlying = (error.userInfo[NSUnderlyingErrorKey] as? Error).map({ $0 as NSError }), underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if error.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(error.code))) }
        return error.localizedDescription
    }

    /// Ends the program and everything it started: it runs in its own process group (Foundation
    /// starts children that way), so a shell's children — `sh -c "sleep …"` — go too and cannot
    /// keep our pipes open.
    private func stop() {
        if let process, process.isRunning {
            let pid = process.processIdentifier
            kill(-pid, SIGKILL)
            kill(pid, SIGKILL)
        }
        try? input?.close()
        process = nil
        input = nil
        reader = nil
    }
}

/// Lines from a pipe, read on a background thread, waited for with a timeout.
final class LineReader: @unchecked Sendable {
    private let condition = NSCondition()
    private var lines: [String] = []
    private var buffer = Data()
    private var ended = false

    init(_ handle: FileHandle) {
        let thread = Thread { [weak self] in
            while true {
                let chunk = handle.availableData
                guard let self else { return }
                self.condition.lock()
                if chunk.isEmpty {
                    self.ended = true
                    self.condition.broadcast()
                    self.condition.unlock()
                    return
                }
                self.buffer.append(chunk)
                while let newline = self.buffer.firstIndex(of: UInt8(ascii: "\n")) {
                    self.lines.append(String(decoding: self.buffer[self.buffer.startIndex..<newline], as: UTF8.self))
                    self.buffer.removeSubrange(self.buffer.startIndex...newline)
                }
                self.condition.broadcast()
                self.condition.unlock()
            }
        }
        thread.start()
    }

    /// True once the program closed its output (it exited).
    var isEnded: Bool {
        condition.lock()
        defer { condition.unlock() }
        return ended
    }

    /// The next line, or nil on timeout or end of output.
    func nextLine(timeout: Double) -> String? {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock()
        defer { condition.unlock() }
        while lines.isEmpty && !ended {
            if !condition.wait(until: deadline) { break }
        }
        return lines.isEmpty ? nil : lines.removeFirst()
    }
}
