import ArgumentParser
import Evaluation
import Foundation
import Training

struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Train one run per combination of a grid (e.g. learning rate × batch size), evaluate each, plot the metrics.",
        discussion: """
        Every combination of the --grid values is a run of the base config (any stage) in DIR/runs/NAME; \
        a finished run is skipped and a stopped one resumes, so a sweep can be stopped and started again \
        without losing a run. With --eval, every final/ is evaluated (into DIR/runs/NAME/eval/). Then \
        DIR/sweep.json, DIR/sweep.md (one row per run: grid values, lr/batch, steps, tokens, final \
        training loss, held-out and eval metrics, times), DIR/plots/*.svg (each metric over learning rate \
        × batch size as contours, and against lr/batch) and DIR/sweep.html. Runs can be spread over \
        processes: under mpirun each rank takes every N-th run, or give each machine --shard i/n; then \
        `rlvr sweep … --summary` writes the summary of all. See docs/training.md.
        """
    )

    @Option(help: ArgumentHelp("The base run configuration (YAML, with its stage).", valueName: "file"))
    var config: String

    @Option(help: ArgumentHelp("A config key and its values (repeatable), e.g. --grid optimizer.lr=1e-5,3e-5,1e-4.", valueName: "key=v1,v2,…"))
    var grid: [String] = []

    @Option(name: .customLong("set"), help: ArgumentHelp("Override one setting of every run (repeatable).", valueName: "key=value"))
    var overrides: [String] = []

    @Option(help: ArgumentHelp("The sweep folder: runs/, sweep.json, sweep.md, plots/, sweep.html.", valueName: "dir"))
    var out: String

    @Option(name: .customLong("eval"), help: ArgumentHelp("Evaluate every run's final/ on these tasks (\(TaskCatalog.names.joined(separator: ", "))).", valueName: "tasks"))
    var tasks: String?

    @Option(parsing: .unconditional, help: "With --eval: only the first N documents of each task.")
    var limit: Int?

    @Option(help: "With --eval: prompt and metric conventions, lm-eval or lighteval.")
    var format: PromptFormat = .lmEval

    @Flag(inversion: .prefixedNo, help: "With --eval: render prompts with the chat template.")
    var chat = false

    @Option(help: "With --eval: the folder of the benchmark files.")
    var data: String = "data/eval"

    @Option(help: ArgumentHelp("Only this part of the runs (every n-th from the i-th), for one of several machines.", valueName: "i/n"))
    var shard: String?

    @Flag(help: "Write the summary (sweep.json, sweep.md, plots, sweep.html) from the runs' folders without training or evaluating.")
    var summary = false

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be ≥ 1, got \(limit)") }
        if tasks == nil && limit != nil { throw ValidationError("--limit needs --eval") }
        if let shard {
            do { _ = try EvalShard(parsing: shard) } catch { throw ValidationError("\(error)") }
        }
    }

    func run() throws {
        var options = TrainingOptions.processOptions()
        if options.group.size > 1 {
            // every rank trains runs of its own: each says what it does, under its rank
            let rank = options.group.rank
            options.log = { TerminalProgress.log("[rank \(rank)] " + $0) }
            options.status = nil
        }
        let parsedShard = try shard.map(EvalShard.init(parsing:))
        if parsedShard != nil && options.group.size > 1 {
            throw InputError("--shard splits the runs over separate invocations; under mpirun the ranks already share them (give one or the other)")
        }
        let share = parsedShard.map { ($0.index, $0.count) } ?? (options.group.rank, options.group.size)
        var evaluation: SweepEvaluation?
        if let tasks {
            evaluation = SweepEvaluation(tasks: try TaskCatalog.resolve(tasks), settings: EvalSettings(format: format, chat: chat),
                                         limit: limit, data: BenchmarkData(root: data))
        }
        let sweep = Sweep(baseConfig: config, grid: try SweepGrid(grid), fixed: overrides, out: out, evaluation: evaluation,
                          share: summary ? (0, 1) : share, options: options)
        if summary {
            let result = try SweepSummary(sweep: sweep, configs: try sweep.configurations())
            try result.write()
            StandardOutput.write(result.markdown())
            return
        }
        try sweep.run()
    }
}
