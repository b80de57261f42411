import Foundation
import Testing
import RunConfig

private let minimal = """
model:
  path: m.gguf
data:
  train: train.jsonl
"""

private func loadError(_ yaml: String, overrides: [String] = []) -> ConfigError? {
    do {
        _ = try ConfigLoader.load(RunConfiguration.self, yaml: yaml, source: "run.yaml", overrides: overrides)
        return nil
    } catch let error as ConfigError {
        return error
    } catch {
        Issue.record("unexpected error type \(type(of: error)): \(error)")
        return nil
    }
}

@Suite struct RunConfigLoadingTests {
    @Test func minimalConfigGetsTheDefaults() throws {
        let config = try ConfigLoader.load(RunConfiguration.self, yaml: minimal)
        #expect(config.model.path == "m.gguf")
        #expect(config.data.train == "train.jsonl")
        #expect(config.optimizer == OptimizerSection())
        #expect(config.optimizer.betas == [0.9, 0.999] && config.optimizer.eps == 1e-8)
        #expect(config.schedule.kind == .linear && config.training.lossReduction == .mean)
        #expect(config.data.maxLength == 2048 && config.data.fields.groundTruth == "ground_truth")
    }

    @Test func unknownKeyNamesFileLineAndSuggestion() throws {
        let error = try #require(loadError(minimal + "\noptimizer:\n  lr: 1e-5\n  learnig_rate: 3\n"))
        #expect(error.location == "run.yaml:7:3")
        #expect(error.key == "optimizer.learnig_rate")
        #expect(error.problem.contains("unknown key"))
        #expect(error.problem.contains("known keys here: betas, eps, lr, max_grad_norm, weight_decay"))
        let suggestion = try #require(loadError(minimal + "\ntrainig:\n  epochs: 2\n"))
        #expect(suggestion.key == "trainig" && suggestion.problem.contains("did you mean \"training\"?"))
        #expect(suggestion.location == "run.yaml:5:1")
    }

    /// A config path that is not a file says so, not that it is not UTF-8.
    @Test func missingConfigFileIsNamed() throws {
        for (path, problem) in [("/nonexistent/run.yaml", "no such config file"), ("/tmp", "is a folder, not a config file")] {
            do {
                _ = try ConfigLoader.load(RunConfiguration.self, file: path)
                Issue.record("\(path) loaded")
            } catch let error as ConfigError {
                #expect(error.location == path && error.problem == problem)
            }
        }
    }

    /// model.lora: off by default; --set turns it on; bad values name their key.
    @Test func loraSection() throws {
        #expect(try ConfigLoader.load(RunConfiguration.self, yaml: minimal).model.lora.enabled == false)
        let on = try ConfigLoader.load(RunConfiguration.self, yaml: minimal, overrides: ["model.lora.rank=8", "model.lora.targets=[q, v]"])
        #expect(on.model.lora.rank == 8 && on.model.lora.resolvedAlpha == 16 && on.model.lora.targets == [.q, .v])
        #expect(loadError(minimal, overrides: ["model.lora.rank=-1"])?.key == "model.lora.rank")
        let dropped = try ConfigLoader.load(RunConfiguration.self, yaml: minimal, overrides: ["model.lora.rank=8", "model.lora.dropout=0.1"])
        #expect(dropped.model.lora.dropout == 0.1)
        #expect(loadError(minimal, overrides: ["model.lora.rank=8", "model.lora.dropout=1"])?.key == "model.lora.dropout")
        #expect(try ConfigLoader.load(RunConfiguration.self, yaml: minimal, overrides: ["model.lora.rank=8", "model.base_dtype=bf16"]).model.baseDType == .bf16)
        #expect(loadError(minimal, overrides: ["model.base_dtype=bf16"])?.key == "model.base_dtype")
        #expect(loadError(minimal, overrides: ["model.lora.rank=8", "model.base_dtype=f16"])?.key == "model.base_dtype")
        #expect(loadError(minimal, overrides: ["model.lora.rank=8", "model.lora.targets=[]"])?.key == "model.lora.targets")
        #expect(loadError(minimal, overrides: ["model.lora.targets=[q, lm_head]"])?.key == "model.lora.targets.1")
    }

    @Test func unknownKeyInNestedSection() throws {
        let error = try #require(loadError(minimal + "\n  fields:\n    answer: x\n"))
        #expect(error.key == "data.fields.answer")
        #expect(error.location == "run.yaml:6:5")
    }

    @Test func wrongTypesAreReportedWithTheValue() throws {
        let error = try #require(loadError(minimal + "\noptimizer:\n  lr: fast\n"))
        #expect(error.key == "optimizer.lr" && error.location == "run.yaml:6:7")
        #expect(error.problem == "expected a number, got fast")
        #expect(loadError(minimal + "\ntraining:\n  epochs: 2.5\n")?.problem == "expected an integer, got 2.5")
        #expect(loadError(minimal + "\noptimizer:\n  betas: 0.9\n")?.problem == "expected a list, got 0.9")
        #expect(loadError("model: m.gguf\ndata:\n  train: t.jsonl\n")?.problem.contains("expected a mapping") == true)
        #expect(loadError("model:\n  path: m\ndata:\n  train: t\n  skip_invalid: \"yes\"\n")?.problem == "expected true or false, got \"yes\"")
    }

    @Test func choicesListTheAllowedValues() throws {
        let error = try #require(loadError(minimal + "\nschedule:\n  kind: cosin\n"))
        #expect(error.key == "schedule.kind")
        #expect(error.problem == "\"cosin\" is not one of: linear, constant, cosine (did you mean \"cosine\"?)")
        #expect(error.location == "run.yaml:6:9")
    }

    @Test func missingRequiredKeys() throws {
        let noModel = try #require(loadError("data:\n  train: t.jsonl\n"))
        #expect(noModel.key == "model.path" && noModel.problem.hasPrefix("required"))
        let noTrain = try #require(loadError("model:\n  path: m.gguf\n"))
        #expect(noTrain.key == "data.train")
    }

    @Test func outOfRangeValuesPointAtTheirLine() throws {
        let betas = try #require(loadError(minimal + "\noptimizer:\n  betas: [0.9, 1.5]\n"))
        #expect(betas.key == "optimizer.betas" && betas.location == "run.yaml:6:10")
        #expect(betas.problem.contains("[0, 1)"))
        let micro = try #require(loadError(minimal + "\ntraining:\n  batch_size: 8\n  micro_batch_size: 3\n"))
        #expect(micro.key == "training.micro_batch_size" && micro.problem.contains("does not divide"))
        #expect(loadError(minimal + "\nthreads: 0\n")?.key == "threads")
        #expect(loadError(minimal + "\nschedule:\n  warmup_ratio: 2\n")?.key == "schedule.warmup_ratio")
    }

    @Test func nullDisablesClippingButAbsentKeepsTheDefault() throws {
        let cleared = try ConfigLoader.load(RunConfiguration.self, yaml: minimal + "\noptimizer:\n  max_grad_norm: null\n")
        #expect(cleared.optimizer.maxGradNorm == nil)
        let kept = try ConfigLoader.load(RunConfiguration.self, yaml: minimal + "\noptimizer:\n  lr: 2.0e-5\n")
        #expect(kept.optimizer.maxGradNorm == 1.0 && kept.optimizer.lr == 2e-5)
    }

    @Test func duplicateKeysAreRejected() throws {
        let error = try #require(loadError(minimal + "\nmodel:\n  path: other.gguf\n"))
        #expect(error.location.hasPrefix("run.yaml:"))
        #expect(error.problem == "a mapping has the same key twice: model")
        #expect(loadError("model:\n  path: a\n  path: b\ndata:\n  train: t\n")?.problem == "a mapping has the same key twice: path")
    }

    @Test func invalidYAMLAndNonMappingDocuments() {
        let unclosed = loadError("model: [unclosed\n")
        #expect(unclosed?.problem.contains("not valid YAML") == true)
        #expect(unclosed?.location.hasPrefix("run.yaml:") == true)
        #expect(loadError("- a\n- b\n")?.problem.contains("mapping of sections") == true)
    }
}

@Suite struct OverrideTests {
    @Test func overridesReplaceAndCreateValues() throws {
        let config = try ConfigLoader.load(RunConfiguration.self, yaml: minimal, overrides: [
            "optimizer.lr=3e-6", "training.batch_size=32", "optimizer.betas=[0.9, 0.95]", "model.path=other.gguf",
            "data.fields.messages=conversation", "threads=null",
        ])
        #expect(config.optimizer.lr == 3e-6)
        #expect(config.training.batchSize == 32)
        #expect(config.optimizer.betas == [0.9, 0.95])
        #expect(config.model.path == "other.gguf")
        #expect(config.data.fields.messages == "conversation")
        #expect(config.threads == nil)
    }

    @Test func overrideErrorsPointAtTheOverride() throws {
        let unknown = try #require(loadError(minimal, overrides: ["optimizer.learning_rate=1"]))
        #expect(unknown.location == "--set optimizer.learning_rate=1")
        #expect(unknown.key == "optimizer.learning_rate")
        let badValue = try #require(loadError(minimal, overrides: ["training.epochs=many"]))
        #expect(badValue.location == "--set training.epochs=many" && badValue.problem == "expected an integer, got many")
        let range = try #require(loadError(minimal, overrides: ["optimizer.eps=-1"]))
        #expect(range.location == "--set optimizer.eps=-1")
        #expect(loadError(minimal, overrides: ["no-equals-sign"])?.problem == "expected key.path=value")
        #expect(loadError(minimal, overrides: ["a..b=1"])?.problem.contains("dotted key path") == true)
        #expect(loadError(minimal, overrides: ["model.path.deeper=1"])?.problem.contains("not a mapping") == true)
    }

    @Test func renderedConfigReadsBackEqual() throws {
        let config = try ConfigLoader.load(RunConfiguration.self, yaml: minimal, overrides: ["stage=dpo", "optimizer.lr=5e-7"])
        let text = try ConfigLoader.render(config)
        #expect(text.contains("  lr: 5.0e-07\n"))       // shortest form, with a dot so YAML 1.1 readers see a float
        #expect(text.contains("  betas:\n  - 0.9\n  - 0.999\n"))
        #expect(text.contains("threads: null"))           // unset optional settings are shown
        #expect(text.contains("  max_steps: null"))
        #expect(try ConfigLoader.load(RunConfiguration.self, yaml: text) == config)
    }
}

@Suite struct ShippedConfigTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let configsFolder = root.appendingPathComponent("configs")

    /// Every `configs/<folder>/<name>.yaml`, as "folder/name.yaml".
    static var files: [String] {
        let enumerator = FileManager.default.enumerator(atPath: configsFolder.path)
        return ((enumerator?.allObjects as? [String]) ?? []).filter { $0.hasSuffix(".yaml") && !$0.hasPrefix("pipelines/") }.sorted()
    }

    /// Every pipeline file loads, and each stage's configuration exists.
    @Test func shippedPipelinesLoad() throws {
        let folder = Self.configsFolder.appendingPathComponent("pipelines")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".yaml") }
        #expect(!files.isEmpty)
        for file in files {
            let pipeline = try ConfigLoader.load(PipelineConfiguration.self, file: folder.appendingPathComponent(file).path)
            for stage in pipeline.stages {
                guard let config = stage.config else { continue }   // an evaluation stage
                #expect(FileManager.default.fileExists(atPath: Self.root.appendingPathComponent(config).path), "\(file): \(config)")
            }
        }
    }

    static func load(_ file: String) throws -> RunConfiguration {
        try ConfigLoader.load(RunConfiguration.self, file: configsFolder.appendingPathComponent(file).path)
    }

    @Test func theTinyAndSmolTuluSetsAreComplete() {
        let expected = ["tiny/sft.yaml", "tiny/dpo.yaml", "tiny/rm.yaml", "tiny/ppo.yaml", "tiny/grpo.yaml", "tiny/rloo.yaml"]
            + ["sft", "dpo", "rm"].flatMap { stage in ["1130", "1207"].map { "smoltulu/\(stage)-\($0).yaml" } }
        #expect(Set(expected).isSubset(of: Set(Self.files)), "\(Self.files)")
    }

    /// Each loads, names the stage its file name says, and the tiny ones train on data shipped in the repository.
    @Test(arguments: files)
    func everyShippedConfigLoads(file: String) throws {
        let config = try Self.load(file)
        let name = (file as NSString).lastPathComponent
        let stage = ["grpo", "rloo", "rlvr"].contains { name.hasPrefix($0) } ? "ppo" : String(name.prefix { $0 != "-" && $0 != "." })
        #expect(config.stage?.rawValue == stage, "\(file): stage \(String(describing: config.stage))")
        if file.hasPrefix("tiny/") || file.hasPrefix("smollm2-135m/") {
            for path in [config.data.train, config.data.eval].compactMap({ $0 }) {
                #expect(FileManager.default.fileExists(atPath: Self.root.appendingPathComponent(path).path), "\(file): \(path)")
            }
        }
    }

    /// The report's numbers (SmolTulu Tables 2, 5 and 7; batch = LR / printed ratio where the batch cell is blank).
    @Test func smolTuluValues() throws {
        let expected: [(String, Double, Int)] = [("sft-1130", 9e-5, 8), ("sft-1207", 3.1e-6, 32), ("dpo-1130", 8e-7, 12),
                                                 ("dpo-1207", 5e-7, 32), ("rm-1130", 4e-5, 4), ("rm-1207", 7.5e-7, 8)]
        for (name, lr, batch) in expected {
            let config = try Self.load("smoltulu/\(name).yaml")
            #expect(config.optimizer.lr == lr && config.training.batchSize == batch, "\(name)")
            if name.hasPrefix("dpo") {
                #expect(config.dpo.loss == .dpoNorm && config.dpo.beta == 5 && config.data.maxLength == 2048 && config.schedule.warmupRatio == 0.1)
            }
        }
        #expect(try Self.load("smoltulu/sft-1130.yaml").training.lossReduction == .sum)
    }

    /// The LoRA variants: the same recipe with adapters (rank 64, alpha 128, every projection) at ten
    /// times the learning rate, into their own run folders.
    @Test func smolTuluLoRAVariants() throws {
        for stage in ["sft", "dpo", "rm"] {
            for version in ["1130", "1207"] {
                let full = try Self.load("smoltulu/\(stage)-\(version).yaml"), lora = try Self.load("smoltulu/\(stage)-\(version)-lora.yaml")
                #expect(!full.model.lora.enabled && lora.model.lora.rank == 64 && lora.model.lora.resolvedAlpha == 128)
                #expect(lora.model.lora.targets == LoRASection.Target.allCases)
                #expect(abs(lora.optimizer.lr / full.optimizer.lr - 10) < 1e-9, "\(stage)-\(version)")
                #expect(lora.training.batchSize == full.training.batchSize && lora.output.dir == full.output.dir + "-lora")
            }
        }
    }
}

@Suite struct RewardSectionTests {
    @Test func routesAndScale() throws {
        let config = try ConfigLoader.load(RunConfiguration.self, yaml: minimal + """

        rewards:
          scale: 10
          plugins: verifiers
          routes:
            mixed: [{verifier: math, weight: 0.8}, {verifier: final_number, weight: 0.2}]
        """)
        #expect(config.rewards.scale == 10 && config.rewards.plugins == "verifiers")
        #expect(config.rewards.routes["mixed"] == [RewardSection.Route(verifier: "math", weight: 0.8), RewardSection.Route(verifier: "final_number", weight: 0.2)])
        #expect(loadError(minimal + "\nrewards:\n  scale: 0\n")?.key == "rewards.scale")
        #expect(loadError(minimal + "\nrewards:\n  routes:\n    x: [{weight: 1}]\n")?.problem == "required key is missing")
        #expect(loadError(minimal + "\nrewards:\n  routes:\n    x: [{verifier: a, wieght: 1}]\n")?.key == "rewards.routes.x.0.wieght")
    }
}

@Suite struct DPOSectionTests {
    @Test func defaultsAreSmolTulusAndBadValuesAreNamed() throws {
        let config = try ConfigLoader.load(RunConfiguration.self, yaml: minimal)
        #expect(config.dpo.loss == .dpoNorm && config.dpo.beta == 5 && config.dpo.labelSmoothing == 0 && config.dpo.reference == nil)
        #expect(loadError(minimal + "\ndpo:\n  loss: ipo\n")?.key == "dpo.loss")
        #expect(loadError(minimal + "\ndpo:\n  beta: -1\n")?.key == "dpo.beta")
        #expect(loadError(minimal + "\ndpo:\n  label_smoothing: 0.5\n")?.key == "dpo.label_smoothing")
        #expect(loadError(minimal + "\ndpo:\n  betta: 1\n")?.key == "dpo.betta")
    }
}

/// Large and adversarial documents: decoding and rendering are linear in the number of keys, and
/// aliases cannot make a small file expand without bound.
@Suite(.serialized) struct RunConfigSizeTests {   // one test lowers the global value limit
    @Test func manyRoutesAndManyAliasesDecodeAndRender() throws {
        var yaml = minimal + "\nrewards:\n  routes:\n    base: &r [{verifier: gsm8k}]\n"
        for i in 0..<20_000 { yaml += "    d\(i): *r\n" }
        let started = Date()
        let config = try ConfigLoader.load(RunConfiguration.self, yaml: yaml)
        #expect(config.rewards.routes.count == 20_001)
        #expect(config.rewards.routes["d19999"] == [RewardSection.Route(verifier: "gsm8k")])
        let rendered = try ConfigLoader.render(config)
        #expect(rendered.contains("d19999:"))
        // quadratic decoding took over a minute here; linear takes about a second
        #expect(Date().timeIntervalSince(started) < 30)
    }

    @Test func aliasesThatExpandPastTheLimitAreRefused() throws {
        var yaml = minimal + "\nrewards:\n  routes:\n    base: &r [{verifier: gsm8k}, {verifier: math}]\n"
        for i in 0..<2_000 { yaml += "    d\(i): *r\n" }
        let previous = ConfigLoader.maximumValues
        ConfigLoader.maximumValues = 5_000   // 2,001 routes of two mappings of two scalars each
        defer { ConfigLoader.maximumValues = previous }
        let error = try #require(loadError(yaml))
        #expect(error.description.contains("expands to more than 5000 values (through YAML aliases?)"), "\(error)")
        #expect(error.description.hasPrefix("run.yaml:"), "\(error)")
    }
}
