import Foundation
import Training
import Generation
import LlamaModel

extension LlamaModel {
    /// Fresh weights for training from scratch (GPT-2 / llm.c): every matrix N(0, 0.02²), the
    /// residual output projections (o_proj, down_proj) scaled by 1/√(2·layers), norm gains 1. The
    /// draws come from counter-based random numbers keyed by (seed, parameter index).
    public func initialiseForTraining(seed: UInt64) {
        let residualScale = 1 / (2 * Double(config.numHiddenLayers)).squareRoot()
        for entry in layout.entries {
            let p = parameters.pointer + entry.offset
            if entry.isNorm {
                p.update(repeating: 1, count: entry.count)
                continue
            }
            let std = 0.02 * (entry.name.hasSuffix("o_proj.weight") || entry.name.hasSuffix("down_proj.weight") ? residualScale : 1)
            for i in 0..<entry.count {
                p[i] = Float(CounterRNG.normal(seed: seed, stream: -3, index: entry.offset + i, standardDeviation: std))
            }
        }
    }
}
