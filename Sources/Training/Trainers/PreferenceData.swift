import Foundation
import RunConfig

/// Preference pairs for a trainer: read, split into training and held-out pairs, and reported.
struct PreferenceData {
    let train: [PreferencePair]
    let eval: [PreferencePair]

    init(config: RunConfiguration, setup: TrainerSetup, log: (String) -> Void) throws {
        let data = config.data
        let read = { (path: String) in
            try PreferenceDataset(path: path, fields: data.fields, maxLength: setup.maxLength, skipInvalid: data.skipInvalid,
                                  template: setup.template, tokenizer: setup.tokenizer)
        }
        let dataset = try read(setup.trainPath)
        if let evalPath = data.eval {
            (train, eval) = (dataset.pairs, try read(evalPath).pairs)
        } else {
            (train, eval) = TrainerSetup.split(dataset.pairs, fraction: data.evalFraction, seed: UInt64(config.seed))
        }
        let stats = dataset.statistics
        log("\(setup.trainPath): \(stats.rows) rows → \(train.count) training, \(eval.count) held-out pairs"
            + " (\(stats.truncated) truncated to \(setup.maxLength) tokens, \(stats.droppedNoResponse) with the response cut away, \(stats.skippedInvalid) invalid skipped)")
        guard !train.isEmpty else { throw TrainerError("\(setup.trainPath): no training pairs left") }
    }

    /// What the DPO and reward-model trainers load first: the model and tokenizer, then the pairs.
    static func load(config: RunConfiguration, options: TrainerOptions) throws -> (setup: TrainerSetup, data: PreferenceData) {
        let setup = try TrainerSetup(config: config, startingModel: options.startingModel)
        return (setup, try PreferenceData(config: config, setup: setup, log: options.log))
    }
}
