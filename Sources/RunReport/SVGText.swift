import Foundation

/// The pieces every chart of the report writes the same way.
enum SVGText {
    /// The opening `<svg>` element of a chart `width` × `height` and its bold title at (`left`, 15).
    static func open(width: Double, height: Double, title: String, left: Double) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"\(Int(width))\" height=\"\(Int(height))\" "
            + "viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"sans-serif\" font-size=\"11\">"
            + "<text x=\"\(left)\" y=\"15\" font-weight=\"bold\">\(HTML.escape(title))</text>"
    }

    /// A coordinate with one decimal.
    static func number(_ value: Double) -> String { String(format: "%.1f", value) }

    /// A value range that is not empty: a single value gets 5 % (at least 1e-9) of room on each side.
    static func widened(_ low: Double, _ high: Double) -> (Double, Double) {
        high > low ? (low, high) : (low - max(1e-9, abs(low) * 0.05), high + max(1e-9, abs(high) * 0.05))
    }
}
