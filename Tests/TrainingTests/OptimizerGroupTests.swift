import Kernels
import LlamaModel
import RunConfig
import Testing
import TestSupport
import Training

@Suite struct OptimizerGroupTests {
    /// A group over a tiny Llama and a two-weight head, every gradient set to a known pattern.
    private func group(maxGradNorm: Double?) throws -> (OptimizerGroup, HeadParameters, [Float]) {
        let model = try randomLlama(layers: 1)
        let settings = AdamW.Settings(beta1: 0.9, beta2: 0.999, eps: 0, weightDecay: 0.1)
        let head = HeadParameters(name: "score.weight", shape: [1, 2], settings: settings)
        head.values[0] = 1; head.values[1] = 1
        let group = try OptimizerGroup(model: model, heads: [head], settings: settings, maxGradNorm: maxGradNorm)
        for i in 0..<model.layout.count { group.gradients[i] = Float((i % 7) - 3) * 0.01 }
        head.gradients[0] = 30; head.gradients[1] = -40
        return (group, head, (0..<model.layout.count).map { model.parameters[$0] })
    }

    // The norm is taken over the model and its heads together (torch.nn.utils.clip_grad_norm_ over
    // every parameter), summed here in Double independently of the kernel.
    @Test func clipsTheJointNorm() throws {
        let (group, head, _) = try group(maxGradNorm: 1)
        var squares = 30.0 * 30 + 40 * 40
        for i in 0..<group.model.layout.count { squares += Double(group.gradients[i]) * Double(group.gradients[i]) }
        let expected = squares.squareRoot()
        let norm = group.step(lr: 0.01)
        #expect(abs(norm - expected) / expected < 1e-6)
        // after clipping, the head's gradients shrink by the same factor as the model's
        #expect(abs(Double(head.gradients[0]) - 30 / expected) < 1e-5)
        #expect(group.stepsTaken == 1 && head.optimizer.step == 1)
    }

    // One AdamW step from zero moments moves each weight by lr·sign(g) after decoupled decay, which
    // applies to projections and heads but not to RMSNorm gains (open-instruct, TRL).
    @Test func decaysEverythingButNorms() throws {
        let (group, head, before) = try group(maxGradNorm: nil)
        _ = group.step(lr: 0.01)
        let model = group.model
        for entry in model.layout.entries {
            for i in [entry.offset, entry.offset + 1] where group.gradients[i] != 0 {
                let decayed = entry.isNorm ? before[i] : before[i] * (1 - 0.01 * 0.1)
                let expected = decayed - 0.01 * (group.gradients[i] > 0 ? 1 : -1)
                #expect(abs(model.parameters[i] - expected) < 1e-6, "\(entry.name)[\(i - entry.offset)]")
            }
        }
        // head: 1·(1 − 0.001) ∓ 0.01
        #expect(abs(head.values[0] - 0.989) < 1e-6 && abs(head.values[1] - 1.009) < 1e-6)
    }

    // The configuration's section maps one to one onto AdamW's settings.
    @Test func settingsFromConfiguration() {
        var section = OptimizerSection()
        section.betas = [0.8, 0.95]
        section.eps = 1e-6
        section.weightDecay = 0.25
        let settings = OptimizerGroup.settings(section)
        #expect(settings.beta1 == 0.8 && settings.beta2 == 0.95 && settings.eps == 1e-6 && settings.weightDecay == 0.25)
    }
}

/// The memory plan refuses, before allocating, full fine-tuning that cannot fit, and points to LoRA.
@Suite struct MemoryPlanCheckTests {
    @Test func fullFineTuningOverTheMachineSuggestsLoRA() throws {
        let model = try randomLlama()
        let need = 16 * model.layout.count
        #expect(throws: TrainerError.self) { try MemoryPlanCheck.refuseFullFineTuningOverPhysicalMemory(model, physical: need - 1) }
        do {
            try MemoryPlanCheck.refuseFullFineTuningOverPhysicalMemory(model, physical: need - 1)
        } catch let error as TrainerError {
            #expect(error.description.contains("model.lora: {rank: 16}") && error.description.contains("AdamW moments"), "\(error)")
        }
        try MemoryPlanCheck.refuseFullFineTuningOverPhysicalMemory(model, physical: need)
        attachRandomAdapters(to: model)
        try MemoryPlanCheck.refuseFullFineTuningOverPhysicalMemory(model, physical: 1)   // the base is frozen: nothing to refuse here
    }
}
