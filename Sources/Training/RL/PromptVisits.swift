/// The difficulty curriculum of `rollout.skip_settled_after` (K): for each training prompt, whether
/// each of its last K visits was settled — every sample scored the same, so solved by all or failed
/// by all for a pass/fail verifier — and a prompt settled on each of its last K visits is skipped.
/// Part of the checkpoint's trainer state, so a resumed run skips the same prompts.
public struct PromptVisits: Codable, Equatable, Sendable {
    /// K: the visits remembered per prompt.
    public let remembered: Int
    /// Training prompt index → its last visits, oldest first (true: settled).
    public private(set) var history: [Int: [Bool]] = [:]

    public init(remembered: Int) {
        self.remembered = remembered
    }

    /// Whether the prompt's last K visits were all settled.
    public func isSettled(_ prompt: Int) -> Bool {
        guard remembered > 0, let visits = history[prompt], visits.count == remembered else { return false }
        return visits.allSatisfy { $0 }
    }

    /// Records a visit: `scores` are the prompt's samples' scores.
    public mutating func record(prompt: Int, scores: [Double]) {
        guard remembered > 0 else { return }
        var visits = history[prompt, default: []]
        visits.append(Set(scores).count <= 1)
        if visits.count > remembered { visits.removeFirst(visits.count - remembered) }
        history[prompt] = visits
    }

    /// Prompts skipped if they came up now.
    public var settledCount: Int { history.keys.filter(isSettled).count }
}
