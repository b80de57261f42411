import Foundation

/// A dependency-free SVG line chart: one or more series over the same step axis, with ticks, a
/// title and a legend. Each series is one `<path>` (`d="M x y L x y …"`), in the series' colour.
public struct LineChart {
    public struct Series {
        public var label: String
        public var points: [(step: Double, value: Double)]
        public init(label: String, points: [(step: Double, value: Double)]) { (self.label, self.points) = (label, points) }
    }

    public var title: String
    public var series: [Series]
    public var width = 420.0, height = 230.0
    /// The value axis starts at 0 (or below) whatever the values.
    public var fromZero = false

    public init(title: String, series: [Series]) { (self.title, self.series) = (title, series) }

    /// Colours of series 1, 2, … (several runs on one page).
    public static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]

    public func svg() -> String {
        let left = 52.0, right = 10.0, top = 24.0, bottom = 34.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let all = series.flatMap(\.points)
        var lowStep = all.map(\.step).min() ?? 0, highStep = all.map(\.step).max() ?? 1
        var low = all.map(\.value).min() ?? 0, high = all.map(\.value).max() ?? 1
        if fromZero { low = min(low, 0) }
        if highStep <= lowStep { (lowStep, highStep) = (lowStep - 0.5, lowStep + 0.5) }
        (low, high) = SVGText.widened(low, high)
        func x(_ step: Double) -> Double { left + plotWidth * (step - lowStep) / (highStep - lowStep) }
        func y(_ value: Double) -> Double { top + plotHeight - plotHeight * (value - low) / (high - low) }
        var out = SVGText.open(width: width, height: height, title: title, left: left)
        out += "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(plotWidth)\" height=\"\(plotHeight)\" fill=\"none\" stroke=\"#bbb\"/>"
        for tick in 0...3 {
            let value = low + (high - low) * Double(tick) / 3, ty = y(value)
            out += "<line x1=\"\(left - 4)\" x2=\"\(left)\" y1=\"\(f(ty))\" y2=\"\(f(ty))\" stroke=\"#999\"/>"
            out += "<text x=\"\(left - 6)\" y=\"\(f(ty + 4))\" text-anchor=\"end\">\(Self.label(value))</text>"
            let step = lowStep + (highStep - lowStep) * Double(tick) / 3, tx = x(step)
            out += "<text x=\"\(f(tx))\" y=\"\(f(top + plotHeight + 14))\" text-anchor=\"middle\">\(Self.label(step))</text>"
        }
        out += "<text x=\"\(f(left + plotWidth / 2))\" y=\"\(f(height - 4))\" text-anchor=\"middle\" fill=\"#666\">step</text>"
        for (index, line) in series.enumerated() where !line.points.isEmpty {
            let colour = Self.palette[index % Self.palette.count]
            let d = line.points.enumerated().map { i, p in (i == 0 ? "M" : "L") + "\(f(x(p.step))) \(f(y(p.value)))" }.joined(separator: " ")
            out += "<path class=\"series\" d=\"\(d)\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"1.6\"><title>\(HTML.escape(line.label))</title></path>"
            if line.points.count == 1 {
                out += "<circle cx=\"\(f(x(line.points[0].step)))\" cy=\"\(f(y(line.points[0].value)))\" r=\"3\" fill=\"\(colour)\"/>"
            }
            if series.count > 1 {
                out += "<text x=\"\(f(left + 6))\" y=\"\(f(top + 14 + 13 * Double(index)))\" fill=\"\(colour)\">\(HTML.escape(line.label))</text>"
            }
        }
        return out + "</svg>"
    }

    func f(_ value: Double) -> String { SVGText.number(value) }

    /// A tick label: three significant digits.
    static func label(_ value: Double) -> String { String(format: "%.3g", value) }
}

/// Text and attribute escaping for the generated pages.
public enum HTML {
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}

/// A stacked area chart: each layer's values over the steps, stacked in order (an RL step's time
/// split into its phases). Each layer is one filled `<path>`.
public struct StackedAreaChart {
    public var title: String
    public var layers: [LineChart.Series]
    public var width = 420.0, height = 230.0

    public init(title: String, layers: [LineChart.Series]) { (self.title, self.layers) = (title, layers) }

    public func svg() -> String {
        let steps = Array(Set(layers.flatMap { $0.points.map(\.step) })).sorted()
        let values = layers.map { layer in Dictionary(layer.points.map { ($0.step, $0.value) }, uniquingKeysWith: { a, _ in a }) }
        // running totals per step: tops[k][i] = Σ_{j ≤ k} layer j at step i
        var tops: [[Double]] = []
        var running = [Double](repeating: 0, count: steps.count)
        for layer in values {
            running = zip(running, steps).map { $0 + max(0, layer[$1] ?? 0) }
            tops.append(running)
        }
        var outline = LineChart(title: title, series: [LineChart.Series(label: "total", points: zip(steps, running).map { ($0, $1) })])
        outline.fromZero = true
        var svg = outline.svg()
        svg = String(svg.dropLast("</svg>".count))
        // the frame's scale, as LineChart draws it: from the lowest step and value 0 to the highest
        let left = 52.0, right = 10.0, top = 24.0, bottom = 34.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let lowStep = steps.first ?? 0, highStep = max(steps.last ?? 1, lowStep + 1e-9), high = max(running.max() ?? 1, 1e-9)
        func x(_ step: Double) -> Double { left + plotWidth * (step - lowStep) / (highStep - lowStep) }
        func y(_ value: Double) -> Double { top + plotHeight - plotHeight * value / high }
        for (k, layer) in layers.enumerated() {
            let below = k == 0 ? [Double](repeating: 0, count: steps.count) : tops[k - 1]
            let upper = zip(steps, tops[k]).map { "\(outline.f(x($0))) \(outline.f(y($1)))" }
            let lower = zip(steps, below).reversed().map { "\(outline.f(x($0))) \(outline.f(y($1)))" }
            let colour = LineChart.palette[k % LineChart.palette.count]
            svg += "<path class=\"layer\" d=\"M\(upper.joined(separator: " L"))" + (lower.isEmpty ? "" : " L" + lower.joined(separator: " L")) + " Z\" "
                + "fill=\"\(colour)\" fill-opacity=\"0.55\" stroke=\"none\"><title>\(HTML.escape(layer.label))</title></path>"
            svg += "<text x=\"\(outline.f(left + plotWidth - 4))\" y=\"\(outline.f(top + 14 + 13 * Double(k)))\" text-anchor=\"end\" fill=\"\(colour)\">\(HTML.escape(layer.label))</text>"
        }
        return svg + "</svg>"
    }
}
