import Kernels
import LlamaModel

/// A one-output linear head (`score.weight` [1, hidden]) read on chosen rows of a forward pass:
/// the reward model's score and PPO's value. Both trainers call these two operations.
extension HeadParameters {
    /// s_r = w · h_r for each row r of `activations.finalHidden` (summed in row order, in Float).
    func scores(rows: [Int], activations: LlamaActivations) -> [Double] {
        let hidden = shape[1]
        return rows.map { row in
            var sum: Float = 0
            for j in 0..<hidden { sum += values[j] * activations.finalHidden[row * hidden + j] }
            return Double(sum)
        }
    }

    /// From dL/ds per row: accumulates dL/dw = Σ_r dL/ds_r · h_r into `gradients` and writes
    /// dL/dh_r = dL/ds_r · w into `dHidden` (zero elsewhere), then runs the decoder's backward.
    func backward(rows: [Int], dScores: [Double], model: LlamaModel, activations: LlamaActivations, dHidden: FloatBuffer) {
        let hidden = shape[1]
        dHidden.pointer.update(repeating: 0, count: activations.tokenCount * hidden)
        for (row, d) in zip(rows, dScores) where d != 0 {
            let g = Float(d)
            for j in 0..<hidden {
                gradients[j] += g * activations.finalHidden[row * hidden + j]
                dHidden[row * hidden + j] = g * values[j]
            }
        }
        model.backward(dHidden: dHidden.pointer, activations: activations)
    }
}
