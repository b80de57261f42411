import Foundation
import Generation
import Kernels

/// Which prompts a step samples, and how: the data order from the cursor on, past prompts the
/// curriculum holds settled; with dynamic sampling (DAPO, Yu et al. 2025, §3.2), prompts keep being
/// drawn until `prompts_per_step` groups have scores that differ.
extension RLVRTrainer {
    /// A prompt of the step: its position in the data order (which keys its random numbers) and
    /// its index among the training prompts.
    struct DrawnPrompt {
        var position: Int
        var prompt: Int
    }

    /// What a step's drawing gave this rank: its rollouts, scored, with `group` the group's place in
    /// the step; the generator's figures; the data order consumed; every group sampled (for the
    /// curriculum: a rejected group is a visit too); and the figures of the drawing.
    struct Draw {
        var rollouts: [Rollout]
        var statistics: Generator.Statistics
        var consumed: Int
        var sampledGroups: [(prompt: Int, scores: [Double])]
        var verifySeconds: Double
        /// Dynamic sampling: groups kept (surplus included) and ended this step, and their samples
        /// (nil without it: the step's rollouts are all that was sampled).
        var groupsKept = 0, groupsEnded = 0
        var samplesSampled: Int?
        var metrics: [String: Double] = [:]
    }

    /// The next prompt of the data order at `cursor` or after it that the curriculum does not hold
    /// settled; `cursor` moves past it. When every prompt of a whole pass is settled, none is skipped.
    func nextPrompt(_ cursor: inout Int, visits: PromptVisits?) -> DrawnPrompt {
        if let visits, visits.settledCount < trainPrompts.count {
            while visits.isSettled(order.item(at: cursor)) { cursor += 1 }
        }
        defer { cursor += 1 }
        return DrawnPrompt(position: cursor, prompt: order.item(at: cursor))
    }

    /// The step's prompts sampled at once (each rank its share), then verified.
    func drawFixed(_ state: RunFolder.TrainerState) throws -> Draw {
        var cursor = state.examplesSeen
        let prompts = (0..<config.rollout.promptsPerStep).map { _ in nextPrompt(&cursor, visits: state.promptVisits) }
        let mine = group.share(of: prompts.count)
        let slots = config.rollout.decodeBatch ?? mine.count * config.rollout.samplesPerPrompt
        let sampled = try sampleWithStatistics(prompts: prompts[mine].map(\.prompt), ids: prompts[mine].map(\.position), of: prompts.map(\.prompt),
                                               samples: config.rollout.samplesPerPrompt, slots: slots)
        var local = sampled.rollouts
        for index in local.indices { local[index].group += mine.lowerBound }
        let began = Profiler.now()
        try score(&local, prompts: trainPrompts)
        return Draw(rollouts: local, statistics: sampled.statistics, consumed: cursor - state.examplesSeen, sampledGroups: [],
                    verifySeconds: Profiler.now() - began)
    }

    /// Dynamic sampling: prompts stream into the generator's slots; each group is verified as soon as
    /// its last sample ends and kept if its scores differ; prompts keep starting while the groups in
    /// flight, at the rate kept so far, would not complete the step, and sampling ends as soon as
    /// `prompts_per_step` groups are kept (the rest abandoned). After `dynamic_sampling_max_draws` ×
    /// `prompts_per_step` prompts the step is topped up with equal-score groups, oldest first (logged).
    func drawDynamic(_ state: RunFolder.TrainerState) throws -> Draw {
        let target = config.rollout.promptsPerStep
        let feed = DynamicSamplingFeed(trainer: self, target: target, cap: target * config.rollout.dynamicSamplingMaxDraws,
                                       cursor: state.examplesSeen, visits: state.promptVisits,
                                       keptBefore: state.groupsKept ?? 0, endedBefore: state.groupsEnded ?? 0)
        let limit = min(config.rollout.maxResponseLength, max(0, policy.config.maxPositionEmbeddings - longestTrainPrompt))
        let settings = SamplingSettings(temperature: config.rollout.temperature, topP: config.rollout.topP, maxNewTokens: limit, seed: UInt64(config.seed))
        let generator = try Generator(model: policy, settings: settings, eosTokens: eosTokens,
                                      maxBatch: dynamicSlots)
        try generator.generate(streaming: feed, longestPrompt: longestTrainPrompt)
        if let problem = feed.failure { throw problem }
        var kept = feed.kept
        let capHit = kept.count < target
        if capHit {
            kept += feed.rejected.prefix(target - kept.count)
            options.log(String(format: "step %d: dynamic sampling drew its cap of %d prompts and found %d of %d groups with differing scores; "
                               + "topped up with equal-score groups", state.step + 1, feed.drawn, feed.kept.count, target))
        }
        kept.sort { $0[0].group < $1[0].group }   // in draw order
        var rollouts: [Rollout] = []
        for (slot, members) in kept.enumerated() {
            for var rollout in members {
                rollout.group = slot
                rollouts.append(rollout)
            }
        }
        let groups = feed.ended
        return Draw(rollouts: rollouts, statistics: generator.statistics, consumed: feed.cursor - state.examplesSeen,
                    sampledGroups: feed.visits, verifySeconds: feed.verifySeconds, groupsKept: feed.kept.count + feed.surplus, groupsEnded: groups,
                    samplesSampled: groups * config.rollout.samplesPerPrompt,
                    metrics: ["dynamic/prompts_drawn": Double(feed.drawn), "dynamic/groups_rejected": Double(feed.rejected.count),
                              "dynamic/groups_unused": Double(feed.drawn - feed.kept.count - feed.rejected.count),
                              "dynamic/cap_hit": capHit ? 1 : 0])
    }

    /// Decode slots with dynamic sampling: `decode_batch`, or room for twice the step's samples (the
    /// groups that will be rejected sample beside those that will be kept).
    var dynamicSlots: Int {
        config.rollout.decodeBatch ?? 2 * config.rollout.promptsPerStep * config.rollout.samplesPerPrompt
    }

    /// The longest training prompt: with dynamic sampling every response may have the tokens it leaves.
    var longestTrainPrompt: Int { trainPrompts.map(\.tokens.count).max() ?? 1 }
}

/// The generator's feed for dynamic sampling (see `drawDynamic`). Groups are identified by their
/// draw order (`group` of their rollouts until the step renumbers the kept ones).
final class DynamicSamplingFeed: GenerationFeed {
    unowned let trainer: RLVRTrainer
    let target: Int, cap: Int
    private(set) var cursor: Int
    let visitsAtStart: PromptVisits?
    private(set) var drawn = 0, sampling = 0, surplus = 0
    private var drawnPrompts: [RLVRTrainer.DrawnPrompt] = []
    private(set) var kept: [[Rollout]] = [], rejected: [[Rollout]] = []
    private(set) var visits: [(prompt: Int, scores: [Double])] = []
    private(set) var verifySeconds = 0.0
    /// A verifier's error, kept to be thrown after the generator returns.
    private(set) var failure: Error?

    /// Groups kept and ended in the run's earlier steps.
    let keptBefore: Int, endedBefore: Int

    init(trainer: RLVRTrainer, target: Int, cap: Int, cursor: Int, visits: PromptVisits?, keptBefore: Int, endedBefore: Int) {
        (self.trainer, self.target, self.cap, self.cursor, self.visitsAtStart) = (trainer, target, cap, cursor, visits)
        (self.keptBefore, self.endedBefore) = (keptBefore, endedBefore)
    }

    /// Groups that ended this step (kept, rejected or surplus).
    var ended: Int { kept.count + rejected.count + surplus }

    var prefetches: Bool { false }

    /// Enough groups in flight to reach the target if they are kept at the rate seen so far in the
    /// run ((kept + 1)/(ended + 2) over every step, this one included: ½ at the first): a rejected
    /// group's place is taken before it is known to be needed, so the step does not wait for
    /// stragglers one group at a time, and the run's history keeps the step from over-drawing.
    func next() -> GenerationRequest? {
        let rate = Double(keptBefore + kept.count + 1) / Double(endedBefore + ended + 2)
        guard failure == nil, Double(kept.count) + rate * Double(sampling) < Double(target), drawn < cap else { return nil }
        let prompt = trainer.nextPrompt(&cursor, visits: visitsAtStart)
        drawnPrompts.append(prompt)
        drawn += 1
        sampling += 1
        return GenerationRequest(id: prompt.position, prompt: trainer.trainPrompts[prompt.prompt].tokens, samples: trainer.config.rollout.samplesPerPrompt)
    }

    func finished(_ samples: [GeneratedSample], ordinal: Int) throws {
        sampling -= 1
        let drawnPrompt = drawnPrompts[ordinal]
        var rollouts = samples.map { sample in
            Rollout(prompt: drawnPrompt.prompt, group: ordinal, sample: sample.sampleIndex, promptTokens: trainer.trainPrompts[drawnPrompt.prompt].tokens,
                    response: sample.tokens, oldLogProbs: sample.modelLogProbs, finish: sample.finishReason)
        }
        let began = Profiler.now()
        do {
            try trainer.score(&rollouts, prompts: trainer.trainPrompts)
        } catch {
            failure = error   // no new prompt starts; the error is thrown once the samples in flight end
            return
        }
        verifySeconds += Profiler.now() - began
        let scores = rollouts.map(\.score)
        visits.append((drawnPrompt.prompt, scores))
        if Set(scores).count <= 1 {
            rejected.append(rollouts)
        } else if kept.count < target {
            kept.append(rollouts)
        } else {
            surplus += 1   // kept groups that ended in the same decode step as the last one needed
        }
    }

    /// Done once the step has its groups: the groups still sampling are abandoned.
    var isDone: Bool { kept.count >= target || failure != nil }
}
