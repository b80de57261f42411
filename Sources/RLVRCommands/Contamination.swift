import ArgumentParser
import Checkpoints
import Contamination
import Evaluation
import Foundation
import Kernels

struct ContaminationCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "contamination",
        abstract: "Which eval documents a training set contains: Tülu 3's n-gram rule or exact phrases.",
        discussion: """
        Compares the user turns of every training row (messages, chosen, rejected, prompt) with every \
        document of the eval sets (their question, problem, prompt or input). N-gram rule (default, Tülu \
        3 §3.2): a document token matches a row when both share an n-gram containing it; the document is \
        contaminated when more than --threshold of its tokens match one row. --exact (open-instruct's \
        default mode, behind SmolTulu's contamination tables): the whole document appears inside one user \
        turn. Words: Unicode letters and numbers, lower-cased, punctuation ignored. Prints per eval set the \
        share and count of contaminated documents for each training file; --pairs writes every \
        (document, row) pair, --remove the training rows without the contaminating ones. \
        See docs/evaluation.md.
        """
    )

    @Option(help: ArgumentHelp("Training JSONL files, comma-separated.", valueName: "file.jsonl,…"))
    var train: String

    @Option(name: .customLong("eval"), help: ArgumentHelp("Eval sets, comma-separated: task names (\(TaskCatalog.names.joined(separator: ", "))) or JSONL files.", valueName: "tasks|file.jsonl"))
    var evalSets: String

    @Option(parsing: .unconditional, help: "N-gram size of the n-gram rule (default 8).")
    var ngram: Int?

    @Option(parsing: .unconditional, help: "Share of a document's tokens above which it is contaminated (default 0.5).")
    var threshold: Double?

    @Flag(help: "Exact rule: the document's whole text inside one user turn.")
    var exact = false

    @Option(help: ArgumentHelp("Write every contaminating (document, training row) pair here, one JSON object per line.", valueName: "file.jsonl"))
    var pairs: String?

    @Option(help: ArgumentHelp("Write the training rows without the contaminating ones here (all --train files, in order).", valueName: "out.jsonl"))
    var remove: String?

    @Flag(help: "Print the figures as JSON instead of a Markdown table.")
    var json = false

    @Option(help: "Folder of the benchmark files (for task names).")
    var data: String = "data/eval"

    @OptionGroup var compute: ComputeOptions

    var rule: ContaminationRule {
        exact ? .exact : .ngram(size: ngram ?? 8, threshold: threshold ?? 0.5)
    }

    func validate() throws {
        if exact && (ngram != nil || threshold != nil) { throw ValidationError("--exact takes no --ngram or --threshold (they set the n-gram rule)") }
        if let ngram, ngram < 1 { throw ValidationError("--ngram must be at least 1, got \(ngram)") }
        if let threshold, !(threshold > 0 && threshold <= 1) { throw ValidationError("--threshold must be in (0, 1], got \(threshold)") }
    }

    func run() throws {
        compute.apply()
        let trainFiles = train.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !trainFiles.isEmpty else { throw InputError("--train names no file") }
        for file in trainFiles where !FileManager.default.isReadableFile(atPath: file) {
            throw InputError("\(file): no such training file")
        }
        for output in [pairs, remove].compactMap({ $0 }) {
            let resolved = URL(fileURLWithPath: output).standardizedFileURL.path
            if trainFiles.contains(where: { URL(fileURLWithPath: $0).standardizedFileURL.path == resolved }) {
                throw InputError("\(output): is one of the --train files; write the output elsewhere")
            }
        }
        let sets = try EvalSet.load(evalSets, data: BenchmarkData(root: data))
        let result = try ContaminationCheck.run(sets: sets, trainFiles: trainFiles, rule: rule, threads: ComputeThreads.count)
        if let pairs {
            try AtomicFile.write(to: pairs) { sink in try Array(result.pairLines().utf8).withUnsafeBytes { try sink.write($0) } }
        }
        var removal: (kept: Int, removed: Int)?
        if let remove { removal = try result.writeDecontaminated(to: remove) }
        if json {
            StandardOutput.write(result.summaryJSON() + "\n")
            return
        }
        var text = result.markdown()
        text += "\n\(result.pairs.count) contaminating pair\(result.pairs.count == 1 ? "" : "s")"
            + (pairs.map { " written to \($0)" } ?? (result.pairs.isEmpty ? "" : " (--pairs FILE writes them)")) + ".\n"
        if let remove, let removal { text += "\(removal.kept) rows kept, \(removal.removed) removed: \(remove)\n" }
        StandardOutput.write(text)
    }
}
