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
        /// Its run configuration (YAML); `stage:` in it picks the trainer.
        public var config: String
        /// `--set` overrides, applied after the file.
        public var set: [String]

        enum CodingKeys: String, CodingKey { case name, config, set }

        public init(name: String, config: String, set: [String] = []) {
            self.name = name
            self.config = config
            self.set = set
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decode(String.self, forKey: .name)
            config = try c.decode(String.self, forKey: .config)
            set = try c.value(.set, or: [String]())
        }

        public func problems() -> [ConfigProblem] {
            var found: [ConfigProblem] = []
            if name.isEmpty || name.contains("/") || name.hasPrefix(".") { found.append(ConfigProblem("name", "expected a folder name, got \"\(name)\"")) }
            if config.isEmpty { found.append(ConfigProblem("config", "expected a run configuration file")) }
            return found
        }
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
            for reference in Self.references(in: stage.set) where !seen.contains(reference) || reference == stage.name {
                found.append(ConfigProblem("stages.\(index).set", "{\(reference)} names no earlier stage"))
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
