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
    @Option(name: .long, help: ArgumentHelp("The YAML run configuration.", valueName: "FILE"))
    var config: String

    @Option(name: .customLong("set"), help: ArgumentHelp("Override one setting, e.g. --set optimizer.lr=3e-6 (repeatable).", valueName: "KEY=VALUE"))
    var overrides: [String] = []

    func load() throws -> RunConfiguration {
        try ConfigLoader.load(RunConfiguration.self, file: config, overrides: overrides)
    }
}
