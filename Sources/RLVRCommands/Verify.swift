import ArgumentParser
import Checkpoints
import Foundation
import JSON
import Kernels
import Verifiers

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score responses with the verifiers: JSONL requests in, one JSON verdict per line out.",
        discussion: """
        Request rows: {"id"?, "dataset": NAME, "response": TEXT, "ground_truth": TEXT or OBJECT, "prompt"?: TEXT}. \
        `dataset` picks the verifier (case-insensitive: gsm8k, gsm8k_strict, math, math_strict, …). Verdicts keep \
        the input order: {"id", "dataset", "score", "verified", "reason", "extracted", "details"}. A summary \
        (count, verified rate per verifier) goes to standard error.
        """
    )

    @OptionGroup var options: VerifyOptions

    func run() throws {
        options.compute.apply()
        try options.runVerification(benchmark: false)
    }
}

/// What `rlvr verify` and `rlvr bench verify` share: the requests, the verifiers, the mode.
struct VerifyOptions: ParsableArguments {
    @Option(help: "A JSONL file of requests, or - (default: standard input).")
    var input: String?

    @Option(help: "A folder of plug-in verifiers (*.yaml rule files and external programs); default: ./verifiers when it exists.")
    var verifiers: String?

    @Option(help: "IFEval: which evaluation sets score and verified, strict or loose (both are in details).")
    var mode: String = "strict"

    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        if mode != "strict" && mode != "loose" { throw ValidationError("--mode must be strict or loose") }
    }

    struct Request {
        var id: JSONValue
        var dataset: String
        var response: String
        var truth: GroundTruth
        var prompt: String?
    }

    func runVerification(benchmark: Bool) throws {
        let folder = verifiers ?? (FileManager.default.fileExists(atPath: "verifiers") ? "verifiers" : nil)
        let registry: VerifierRegistry
        do {
            registry = try folder.map { try VerifierRegistry.withPlugins(folder: $0) } ?? .builtIn
        } catch let problem as PluginLoader.Problem {
            throw InputError(problem.description)
        }
        let source = input ?? "<stdin>"
        let data: Data
        if let input {
            let contents: Data
            do { contents = try InputFile.read(input) } catch let problem as InputFile.Problem { throw InputError(problem.description) }
            data = contents
        } else {
            data = FileHandle.standardInput.readDataToEndOfFile()
        }
        var requests: [Request] = []
        var chosen: [any Verifier] = []
        for (line, object) in try JSONLines.objects(data, source: source) {
            let place = "\(source):\(line)"
            guard let dataset = object["dataset"]?.string else { throw InputError("\(place): expected \"dataset\": a verifier name") }
            guard let response = object["response"]?.string else { throw InputError("\(place): expected \"response\": a string") }
            let truth: GroundTruth
            switch object["ground_truth"] {
            case .string(let s)?: truth = .text(s)
            case .object(let o)?: truth = .object(o)
            case .array(let a)?: truth = .array(a)
            case .number(let n)?: truth = .text(JSONValue.number(n).compactJSON)
            default: throw InputError("\(place): expected \"ground_truth\": a string or an object")
            }
            let verifier: any Verifier
            do {
                let name = mode == "loose" && dataset.lowercased() == "ifeval" ? "ifeval_loose" : dataset
                verifier = try registry.verifier(named: name)
            } catch let error as VerifierRegistry.UnknownVerifier {
                throw InputError("\(place): \(error)")
            }
            if let problem = verifier.groundTruthProblem(truth) { throw InputError("\(place): \(problem)") }
            chosen.append(verifier)
            requests.append(Request(id: object["id"] ?? .number(Double(requests.count)), dataset: dataset, response: response,
                                    truth: truth, prompt: object["prompt"]?.string))
        }
        var verdicts = [Verdict?](repeating: nil, count: requests.count)
        let started = Date()
        verdicts.withUnsafeMutableBufferPointer { out in
            let chunks = max(1, min(requests.count, ProcessInfo.processInfo.activeProcessorCount * 4))
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                for i in stride(from: chunk, to: requests.count, by: chunks) {
                    out[i] = chosen[i].verify(response: requests[i].response, groundTruth: requests[i].truth, prompt: requests[i].prompt)
                }
            }
        }
        if benchmark {
            let seconds = Date().timeIntervalSince(started)
            print(String(format: "%d verdicts in %.3f s: %.0f verdicts/s (%d threads; parsing and output excluded)",
                         requests.count, seconds, Double(requests.count) / seconds, ComputeThreads.count))
            return
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var summary: [String: (count: Int, verified: Int)] = [:]
        var output = Data()
        for (request, verdict) in zip(requests, verdicts.map { $0! }) {
            var row: [String: Any] = ["id": jsonObject(request.id), "dataset": request.dataset, "score": verdict.score,
                                      "verified": verdict.verified, "reason": verdict.reason]
            row["extracted"] = verdict.extracted ?? NSNull()
            row["details"] = try JSONSerialization.jsonObject(with: encoder.encode(verdict.details))
            output.append(try JSONSerialization.data(withJSONObject: row, options: [.sortedKeys, .withoutEscapingSlashes]))
            output.append(UInt8(ascii: "\n"))
            let name = request.dataset.lowercased()
            summary[name, default: (0, 0)].count += 1
            if verdict.verified { summary[name, default: (0, 0)].verified += 1 }
        }
        StandardOutput.write(output)
        var lines = ["\(requests.count) verdicts"]
        for (name, entry) in summary.sorted(by: { $0.key < $1.key }) {
            lines.append(String(format: "  %@: %d, verified %.1f%%", name, entry.count, 100 * Double(entry.verified) / Double(max(1, entry.count))))
        }
        FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8))
    }

    private func jsonObject(_ value: JSONValue) -> Any {
        switch value {
        case .null: return NSNull()
        case .bool(let b): return b
        case .number(let n): return n.rounded() == n && abs(n) < 1e15 ? Int(n) as Any : n
        case .string(let s): return s
        case .array(let a): return a.map(jsonObject)
        case .object(let o): return o.mapValues(jsonObject)
        }
    }
}
