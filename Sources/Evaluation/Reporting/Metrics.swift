import Foundation

/// A metric over a task's documents: the mean and its standard error (sample standard deviation
/// over √n, as lm-eval's `mean_stderr`).
public struct MetricSummary: Codable, Equatable, Sendable {
    public var value: Double
    public var stderr: Double
    public var count: Int

    public init(_ values: [Double]) {
        count = values.count
        guard !values.isEmpty else { value = .nan; stderr = .nan; return }
        let mean = values.reduce(0, +) / Double(values.count)
        value = mean
        if values.count > 1 {
            let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)
            stderr = (variance / Double(values.count)).squareRoot()
        } else {
            stderr = .nan
        }
    }
}

/// Metrics over k samples of one prompt.
public enum SampledMetrics {
    /// The unbiased pass@k of Chen et al. (2021): 1 − C(n−c, k) / C(n, k) for c correct of n,
    /// computed as 1 − Π_{i=n−c+1}^{n} (1 − k/i).
    public static func passAtK(samples n: Int, correct c: Int, k: Int) -> Double {
        precondition(k >= 1 && k <= n && c >= 0 && c <= n)
        if c == 0 { return 0 }
        if n - c < k { return 1 }
        var product = 1.0
        for i in (n - c + 1)...n { product *= 1 - Double(k) / Double(i) }
        return 1 - product
    }

    /// The index of the first sample carrying the most frequent answer (majority vote; ties go to
    /// the answer seen first).
    public static func majority(_ answers: [String]) -> Int {
        var counts: [String: Int] = [:]
        for answer in answers { counts[answer, default: 0] += 1 }
        let best = counts.values.max() ?? 0
        return answers.firstIndex { counts[$0] == best } ?? 0
    }
}

/// Folds the per-sample scores of one document into its metrics: with one sample, the task's own;
/// with k > 1, each metric's mean over samples (avg@k, under the metric's own name) and, for
/// metrics with one 0/1 value per sample, `<metric>_pass@k` and `<metric>_maj@k` (the score of the
/// majority answer by the metric's extracted answer, or the first filter's).
func combine(_ scores: [ResponseScore], metrics: [String]) -> [String: [Double]] {
    guard scores.count > 1 else { return scores.first?.values ?? [:] }
    let k = scores.count
    var combined: [String: [Double]] = [:]
    for metric in metrics {
        let perSample = scores.map { $0.values[metric] ?? [] }
        let lengths = Set(perSample.map(\.count))
        guard lengths.count == 1, let width = lengths.first, width > 0 else { continue }
        combined[metric] = (0..<width).map { i in perSample.reduce(0) { $0 + $1[i] } / Double(k) }
        if width == 1 && perSample.allSatisfy({ $0[0] == 0 || $0[0] == 1 }) {
            let correct = perSample.filter { $0[0] == 1 }.count
            combined["\(metric)_pass@\(k)"] = [SampledMetrics.passAtK(samples: k, correct: correct, k: k)]
            let answers = scores.map { $0.extracted[metric] ?? $0.extracted.sorted { $0.key < $1.key }.first?.value ?? "" }
            combined["\(metric)_maj@\(k)"] = perSample[SampledMetrics.majority(answers)]
        }
    }
    return combined
}
