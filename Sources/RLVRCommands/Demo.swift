import ArgumentParser
import Demo
import Foundation
import Kernels
import Training

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The demo: build a small Llama, teach it addition word problems by SFT, improve it by RLVR (no download).",
        discussion: "Writes base/, data/, sft/, rl/, summary.json and curves.svg into the output folder and prints the held-out verified rates before and after RL."
    )

    @Option(help: "The output folder.")
    var out = "runs/demo"

    @Flag(help: "A few steps of each stage only (a smoke test; the figures are not the demo's).")
    var quick = false

    @OptionGroup var compute: ComputeOptions

    func run() throws {
        try requireOneProcess("demo")
        compute.apply()
        let pipeline = DemoPipeline(out: out, threads: ComputeThreads.count, quick: quick, log: TerminalProgress.log)
        let summary = try pipeline.run()
        print("")
        print("held-out problems answered correctly (greedy, GSM8K verifier), \(summary.heldOutPrompts) problems:")
        print("  stage                       verified")
        print(String(format: "  base model (random)         %5.1f%%", 100 * summary.baseVerified))
        print(String(format: "  after SFT (%4d steps)      %5.1f%%", summary.sftSteps, 100 * summary.before))
        print(String(format: "  after RLVR (%3d GRPO steps) %5.1f%%   (%+.1f points)", summary.steps, 100 * summary.after, 100 * (summary.after - summary.before)))
        print(String(format: "total %.0f s (SFT %.0f s, RL %.0f s); %@/summary.json, %@/curves.svg", summary.seconds, summary.sftSeconds, summary.rlSeconds,
                     out as NSString, out as NSString))
    }
}
