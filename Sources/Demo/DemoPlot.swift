import Foundation
import Training

/// A dependency-free SVG of an RL run's mean score and KL per step (two panels).
enum DemoPlot {
    static func svg(metrics path: String) throws -> String {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        let objects = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let scores = objects.compactMap { ($0["score"] as? NSNumber)?.doubleValue }
        let kls = objects.compactMap { ($0["kl_k1"] as? NSNumber)?.doubleValue }
        let width = 640.0, panel = 200.0, margin = 40.0
        var out = #"<svg xmlns="http://www.w3.org/2000/svg" width="640" height="480" font-family="sans-serif" font-size="12">"#
        out += #"<rect width="640" height="480" fill="white"/>"#
        for (index, (title, values, colour)) in [("mean score per step", scores, "#1f77b4"), ("KL(π‖π_ref) per step (k1, summed over tokens)", kls, "#d62728")].enumerated() {
            let top = 20 + Double(index) * (panel + 40)
            let low = min(0, values.min() ?? 0), high = max(values.max() ?? 1, low + 1e-9)
            out += "<text x=\"\(margin)\" y=\"\(top - 5)\">\(title) (\(String(format: "%.3g", low))…\(String(format: "%.3g", high)))</text>"
            out += "<rect x=\"\(margin)\" y=\"\(top)\" width=\"\(width - 2 * margin)\" height=\"\(panel)\" fill=\"none\" stroke=\"#999\"/>"
            let points = values.enumerated().map { step, value -> String in
                let x = margin + (width - 2 * margin) * Double(step) / Double(max(1, values.count - 1))
                let y = top + panel - panel * (value - low) / (high - low)
                return String(format: "%.1f,%.1f", x, y)
            }.joined(separator: " ")
            out += "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\" points=\"\(points)\"/>"
        }
        return out + "</svg>\n"
    }
}
