import ArgumentParser
import RunConfig

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Work with run configuration files.",
        subcommands: [Show.self]
    )

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a configuration with overrides applied and every default filled in.",
            discussion: "Unknown keys, wrong types and out-of-range values are reported with the file and line (exit code 2)."
        )

        @OptionGroup var options: ConfigOptions

        func run() throws {
            let configuration = try options.load()
            print(try ConfigLoader.render(configuration), terminator: "")
        }
    }
}

/// `--config FILE [--set key.path=value …]`, shared by every command that takes a run configuration.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The YAML run configuration.", valueName: "file"))
    var config: String

    @Option(name: .customLong("set"), help: ArgumentHelp("Override one setting, e.g. --set optimizer.lr=3e-6 (repeatable).", valueName: "key=value"))
    var overrides: [String] = []

    func load() throws -> RunConfiguration {
        try ConfigLoader.load(RunConfiguration.self, file: config, overrides: overrides)
    }

    /// The configuration for a `stage` command: a file written for another stage is an error (its
    /// run would be recorded as that stage); a file that names none is recorded as this one.
    func load(for stage: RunConfiguration.Stage) throws -> RunConfiguration {
        var loaded = try load()
        if let named = loaded.stage, named != stage {
            var document = try ConfigDocument(file: config)
            try document.apply(overrides: overrides)
            throw ConfigError(location: document.location(ofKeyPath: "stage"), key: "stage",
                              problem: "this configuration is for `rlvr \(named.rawValue)`, not `rlvr \(stage.rawValue)` (run rlvr \(named.rawValue), or set stage: \(stage.rawValue))")
        }
        loaded.stage = stage
        return loaded
    }
}
