/// `rlvr pipeline`: stages run in order, each a run configuration with overrides, in
/// `<out>/<name>/`. In a stage's overrides `{name}` stands for an earlier stage's output (its
/// `final/` folder), so each stage consumes the previous ones:
///
///     out: runs/pipeline
///     stages:
///       - {name: sft, config: configs/tiny/sft.yaml}
///       - {name: rm, config: configs/tiny/rm.yaml, set: ["model.path={sft}"]}
///       - {name: ppo, config: configs/smollm2-135m/rlvr-gsm8k.yaml, set: ["model.path={sft}", "algorithm.value_model={rm}"]}
public struct PipelineConfiguration: RunConfigSection, Equatable {
    public var out: String
    public var stages: [Stage]

    public struct Stage: RunConfigSection, Equatable {
        /// The stage's folder under `out` and the name later stages refer to as `{name}`.
        public var name: String
        /// A training stage: its run configuration (YAML); `stage:` in it picks the trainer.
        public var config: String?
        /// `--set` overrides, applied after the file.
        public var set: [String]
        /// An evaluation stage: `rlvr eval`'s tasks on `model`; results.json and samples.jsonl in the folder.
        public var evaluate: EvaluationSection?
        /// The model an evaluation stage measures (a path, or `{name}` for an earlier stage's final/).
        public var model: String?

        enum CodingKeys: String, CodingKey { case name, config, set, evaluate, model }

        public init(name: String, config: String, set: [String] = []) {
            self.name = name
            self.config = config
            self.set = set
        }

        public init(name: String, evaluate: EvaluationSection, model: String) {
            self.name = name
            self.set = []
            self.evaluate = evaluate
            self.model = model
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decode(String.self, forKey: .name)
            config = try c.decodeIfPresent(String.self, forKey: .config)
            set = try c.value(.set, or: [String]())
            evaluate = try c.decodeIfPresent(EvaluationSection.self, forKey: .evaluate)
            model = try c.decodeIfPresent(String.self, forKey: .model)
        }

        public func problems() -> [ConfigProblem] {
            var found: [ConfigProblem] = []
            if name.isEmpty || name.contains("/") || name.hasPrefix(".") { found.append(ConfigProblem("name", "expected a folder name, got \"\(name)\"")) }
            switch (config, evaluate) {
            case (nil, nil): found.append(ConfigProblem("config", "expected a run configuration file (or evaluate: with model:)"))
            case (.some, .some): found.append(ConfigProblem("evaluate", "a stage either trains (config:) or evaluates (evaluate:), not both"))
            case (.some(let file), nil):
                if file.isEmpty { found.append(ConfigProblem("config", "expected a run configuration file")) }
                if model != nil { found.append(ConfigProblem("model", "only evaluation stages take model: (a training stage sets model.path with set:)")) }
            case (nil, .some(let evaluation)):
                found += evaluation.problems().map { $0.inSection("evaluate") }
                if evaluation.tasks.isEmpty { found.append(ConfigProblem("evaluate.tasks", "expected at least one task")) }
                if model?.isEmpty ?? true { found.append(ConfigProblem("model", "an evaluation stage needs the model to measure (a path or {stage})")) }
                if !set.isEmpty { found.append(ConfigProblem("set", "evaluation stages take no overrides")) }
            }
            return found
        }

        /// The overrides and the model path, where `{name}` references live.
        var referencingTexts: [String] { self.set + (model.map { [$0] } ?? []) }
    }

    enum CodingKeys: String, CodingKey { case out, stages }

    public init() {
        out = "runs/pipeline"
        stages = []
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        out = try c.value(.out, or: "runs/pipeline")
        stages = try c.decode([Stage].self, forKey: .stages)
    }

    public func problems() -> [ConfigProblem] {
        var found: [ConfigProblem] = []
        if out.isEmpty { found.append(ConfigProblem("out", "expected a folder path")) }
        if stages.isEmpty { found.append(ConfigProblem("stages", "expected at least one stage")) }
        var seen: Set<String> = []
        for (index, stage) in stages.enumerated() {
            found += stage.problems().map { $0.inSection("stages.\(index)") }
            if !seen.insert(stage.name).inserted { found.append(ConfigProblem("stages.\(index).name", "\"\(stage.name)\" is used twice")) }
            for reference in Self.references(in: stage.referencingTexts) where !seen.contains(reference) || reference == stage.name {
                found.append(ConfigProblem("stages.\(index).\(stage.evaluate == nil ? "set" : "model")", "{\(reference)} names no earlier stage"))
            }
        }
        return found
    }

    /// The `{name}` references in overrides.
    public static func references(in overrides: [String]) -> [String] {
        overrides.flatMap { text -> [String] in
            var names: [String] = []
            var rest = Substring(text)
            while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
                names.append(String(rest[rest.index(after: open)..<close]))
                rest = rest[rest.index(after: close)...]
            }
            return names
        }
    }
}
