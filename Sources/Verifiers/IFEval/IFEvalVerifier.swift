/// IFEval (Zhou et al. 2023): the ground truth is `{"instruction_id_list": [...], "kwargs": [{...}]}`
/// (Google's input_data.jsonl fields). Every instruction is checked strictly (the response as it is)
/// and loosely (the reference's eight variants: without the first line, the last line, both, and with
/// `*` removed); the score is the fraction of instructions followed in the chosen mode, and the
/// details carry both per-instruction lists.
public struct IFEvalVerifier: Verifier {
    public enum Mode: String, Sendable { case strict, loose }

    public let mode: Mode
    public var name: String { mode == .strict ? "ifeval" : "ifeval_loose" }
    public let version = "1.0.0"

    public init(mode: Mode = .strict) {
        self.mode = mode
    }

    /// The response variants of the loose evaluation, in the reference's order.
    public static func looseVariants(_ response: String) -> [String] {
        let lines = PythonText.split(response, separator: "\n")
        let removeFirst = PythonText.strip(lines.dropFirst().joined(separator: "\n"))
        let removeLast = PythonText.strip(lines.dropLast().joined(separator: "\n"))
        let removeBoth = PythonText.strip(lines.dropFirst().dropLast().joined(separator: "\n"))
        let noStars = { (s: String) in s.replacingOccurrences(of: "*", with: "") }
        return [response, noStars(response), removeFirst, removeLast, removeBoth, noStars(removeFirst), noStars(removeLast), noStars(removeBoth)]
    }

    public func groundTruthProblem(_ truth: GroundTruth) -> String? {
        guard case .object(let object) = truth else { return "\(name) expects ground_truth {\"instruction_id_list\": [...], \"kwargs\": [...]}, got \(truth.kind)" }
        guard let list = object["instruction_id_list"]?.array, list.allSatisfy({ $0.string != nil }) else {
            return "\(name): ground_truth.instruction_id_list must be a list of instruction ids"
        }
        if let unknown = list.compactMap(\.string).first(where: { !IFEvalInstructions.ids.contains($0) }) {
            return "\(name): unknown instruction id \"\(unknown)\" (known: \(IFEvalInstructions.ids.count) ids such as punctuation:no_comma)"
        }
        if let kwargs = object["kwargs"], kwargs.array?.allSatisfy({ $0.object != nil || $0.isNull }) != true {
            return "\(name): ground_truth.kwargs must be a list of objects, one per instruction"
        }
        return nil
    }

    public func verify(response: String, groundTruth: GroundTruth, prompt: String?) -> Verdict {
        guard case .object(let truth) = groundTruth, let ids = truth["instruction_id_list"]?.array?.compactMap(\.string) else {
            return .wrong("the ground truth must be {\"instruction_id_list\": [...], \"kwargs\": [...]}", extracted: nil)
        }
        let kwargs = truth["kwargs"]?.array ?? []
        var strict: [Bool] = [], loose: [Bool] = [], problems: [String] = []
        let variants = Self.looseVariants(response)
        for (index, id) in ids.enumerated() {
            let arguments = IFEvalInstructions.Arguments(kwargs.indices.contains(index) ? kwargs[index].object ?? [:] : [:])
            func follows(_ value: String) -> Bool {
                guard !PythonText.isBlank(value) else { return false }
                do {
                    return try IFEvalInstructions.check(id, arguments, value)
                } catch {
                    problems.append("\(id): \(error)")
                    return false
                }
            }
            strict.append(follows(response))
            loose.append(variants.contains(where: follows))
        }
        let chosen = mode == .strict ? strict : loose
        let followed = chosen.filter { $0 }.count
        let score = ids.isEmpty ? 0 : Double(followed) / Double(ids.count)
        var reason = "\(followed) of \(ids.count) instructions followed (\(mode.rawValue))"
        if let failed = zip(ids, chosen).first(where: { !$0.1 })?.0 { reason += "; first missed: \(failed)" }
        if !problems.isEmpty { reason += "; " + Array(Set(problems)).sorted().joined(separator: "; ") }
        var verdict = Verdict(score: score, reason: reason, extracted: nil)
        verdict.details["strict"] = .flags(strict)
        verdict.details["loose"] = .flags(loose)
        verdict.details["instruction_ids"] = .texts(ids)
        return verdict
    }
}
