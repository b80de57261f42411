import ArgumentParser
import Collectives
import Foundation
import Kernels

/// `--threads N`: one budget for OpenBLAS and for the engine's own parallel kernels.
struct ComputeOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Threads the command uses (default: one per core this process may use; under mpirun, its share of them).")
    var threads: Int?

    func validate() throws {
        if let threads, threads < 1 || threads > ComputeThreads.maximum {
            throw ValidationError("--threads must be between 1 and \(ComputeThreads.maximum), got \(threads)")
        }
    }

    func apply() {
        ComputeThreads.configure(threads ?? ProcessGroup.current.defaultThreads)
    }
}
