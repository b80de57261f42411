// swift-tools-version: 6.1
import PackageDescription

// Module map (README, "Layout"): the numeric core knows nothing of Llama; the model knows nothing of file
// formats; checkpoints know nothing of Llama; config is plain data; only the commands see everything.
let package = Package(
    name: "rlvr",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "rlvr", targets: ["rlvr"]),
        // Everything a Swift program needs to drive the engine without the command line.
        .library(
            name: "RLVREngine",
            targets: ["Diagnostics", "JSON", "Kernels", "Collectives", "Checkpoints", "LlamaModel", "TextPatterns", "Tokenization", "ModelIO", "Generation", "Verifiers", "RunConfig", "Training", "Benchmarks", "Demo", "Evaluation", "Contamination", "RLVRCommands"]
        ),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    ],
    targets: [
        // System libraries (Debian: libopenblas-dev, libpcre2-dev, libopenmpi-dev).
        .systemLibrary(
            name: "COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"]), .brew(["openblas"])]
        ),
        .systemLibrary(
            name: "CPCRE2",
            pkgConfig: "libpcre2-8",
            providers: [.apt(["libpcre2-dev"]), .brew(["pcre2"])]
        ),
        .systemLibrary(
            name: "CMPI",
            pkgConfig: "ompi-c",
            providers: [.apt(["libopenmpi-dev", "openmpi-bin"]), .brew(["open-mpi"])]
        ),
        // The MPI calls the engine makes, behind plain C types (Open MPI's handles are macros).
        .target(name: "CMessagePassing", dependencies: ["CMPI"]),

        // What every module's input errors are: the command line maps them to exit status 2.
        .target(name: "Diagnostics"),
        // JSON values, exact numbers and JSON Lines rows with file:line errors, for every reader.
        .target(name: "JSON", dependencies: ["Diagnostics"]),
        // Batch-invariant kernels in C: AVX-512, AVX2, NEON and portable paths with the same bits.
        .target(name: "CKernels"),
        // The worker threads behind parallelFor: hand-offs in about a microsecond.
        .target(name: "CWorkers"),
        // Numeric core: buffers, the sgemm wrapper, threads, forward/backward op pairs.
        .target(name: "Kernels", dependencies: ["Diagnostics", "COpenBLAS", "CKernels", "CWorkers"]),
        // Data-parallel processes: one rank alone, or many under mpirun; the fixed-order gradient sum.
        .target(name: "Collectives", dependencies: ["CMessagePassing", "Kernels"]),
        // File formats: safetensors and GGUF, with no knowledge of any model.
        .target(name: "Checkpoints", dependencies: ["Diagnostics", "JSON"]),
        // The Llama architecture: configuration, parameter layout, activations, forward and backward, KV-cache decoding.
        .target(name: "LlamaModel", dependencies: ["Diagnostics", "Kernels", "CKernels", "Checkpoints"]),
        // PCRE2 patterns with Unicode properties and bounded matching (tokenizer, verifiers).
        .target(name: "TextPatterns", dependencies: ["CPCRE2"]),
        // Tokens and text: byte-level BPE, pre-tokenizers, chat templates.
        .target(name: "Tokenization", dependencies: ["Diagnostics", "TextPatterns"]),
        // Where file formats meet the model: configs from GGUF metadata, model summaries.
        .target(name: "ModelIO", dependencies: ["Diagnostics", "JSON", "Checkpoints", "LlamaModel", "Kernels", "Tokenization"]),
        // Sampling: KV-cache decoding in batches, counter-based random numbers, samplers.
        .target(name: "Generation", dependencies: ["Kernels", "LlamaModel"]),
        // Verifiable rewards: GSM8K, MATH, IFEval and plug-ins; no tensors, no model.
        .target(name: "Verifiers", dependencies: ["Diagnostics", "JSON", "TextPatterns", .product(name: "Yams", package: "Yams")], resources: [.copy("Resources")]),
        // Datasets, loss heads, optimizers and schedules, the trainers, the demo and the benchmarks.
        .target(name: "Training", dependencies: ["Diagnostics", "JSON", "Kernels", "Collectives", "Checkpoints", "LlamaModel", "ModelIO", "RunConfig", "Generation", "Tokenization", "Verifiers", "Evaluation", "RunReport"]),
        // The speed and memory benchmarks behind `rlvr bench` (they drive the real trainers and kernels).
        .target(name: "Benchmarks", dependencies: ["Diagnostics", "Kernels", "LlamaModel", "ModelIO", "RunConfig", "Generation", "Tokenization", "Training", "Evaluation"]),
        // `rlvr demo`: a small Llama built from a config, SFT then RLVR on generated arithmetic problems.
        .target(name: "Demo", dependencies: ["Kernels", "LlamaModel", "ModelIO", "RunConfig", "Generation", "Tokenization", "Training", "Verifiers"]),
        // `rlvr eval`: benchmark tasks in lm-eval's and lighteval's prompt formats, log-likelihood
        // multiple choice on shared context caches, generation scored by the verifiers, results and caches.
        .target(name: "RunReport", dependencies: ["Diagnostics", "Checkpoints"]),
        .target(name: "Evaluation", dependencies: ["Diagnostics", "JSON", "Kernels", "Checkpoints", "LlamaModel", "ModelIO", "Generation", "Tokenization", "TextPatterns", "Verifiers"]),
        // `rlvr contamination`: Tülu 3's n-gram rule and exact phrases, eval documents against training rows.
        .target(name: "Contamination", dependencies: ["Diagnostics", "JSON", "Checkpoints", "Evaluation"]),
        // Run configuration: YAML → Codable sections, --set overrides, strict validation.
        .target(name: "RunConfig", dependencies: ["Diagnostics", .product(name: "Yams", package: "Yams")]),
        // The command-line commands as a library, so tests can run them in-process.
        .target(
            name: "RLVRCommands",
            dependencies: [
                "Diagnostics", "JSON", "Kernels", "Collectives", "Checkpoints", "LlamaModel", "ModelIO", "RunConfig", "Training", "Benchmarks", "Demo",
                "Evaluation", "Contamination", "Tokenization", "Generation", "Verifiers", "RunReport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "rlvr", dependencies: ["RLVRCommands"]),

        // Helpers shared by the test targets (byte builders, a deterministic RNG, a tiny chat model,
        // scratch folders removed when the test process exits).
        .target(name: "TestSupport", dependencies: ["LlamaModel", "ModelIO", "Tokenization"], path: "Tests/TestSupport"),
        .testTarget(name: "KernelsTests", dependencies: ["Kernels", "CKernels"]),
        .testTarget(name: "CollectivesTests", dependencies: ["Collectives", "Kernels"]),
        .testTarget(name: "CheckpointsTests", dependencies: ["Checkpoints", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "LlamaModelTests", dependencies: ["LlamaModel", "ModelIO", "Checkpoints", "Kernels", "CKernels", "Training", "Generation", "Tokenization", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ModelIOTests", dependencies: ["ModelIO", "Tokenization", "Checkpoints", "LlamaModel", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "RunConfigTests", dependencies: ["RunConfig"]),
        .testTarget(name: "TextPatternsTests", dependencies: ["TextPatterns"]),
        .testTarget(name: "VerifiersTests", dependencies: ["Verifiers", "JSON", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "TokenizationTests", dependencies: ["Tokenization", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Checkpoints", "Kernels", "Tokenization", "RunConfig", "LlamaModel", "ModelIO", "TestSupport"]),
        .testTarget(name: "EvaluationTests", dependencies: ["Evaluation", "Contamination", "Checkpoints", "JSON", "LlamaModel", "Tokenization", "Verifiers", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "DemoTests", dependencies: ["Demo", "Training", "RunConfig", "TestSupport"]),
        .testTarget(name: "GenerationTests", dependencies: ["Generation", "LlamaModel", "Kernels", "TestSupport"]),
        .testTarget(name: "RLVRCommandsTests", dependencies: ["RLVRCommands", "Checkpoints", "Kernels", "LlamaModel", "ModelIO", "RunConfig", "RunReport", "Tokenization", "TestSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
    ],
    swiftLanguageModes: [.v5]
)
