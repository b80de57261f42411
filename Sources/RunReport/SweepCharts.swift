import Foundation

/// A metric over a two-key grid, as the SmolTulu report's Figure 1: a colour map interpolated
/// between the runs (piecewise bilinear over the grid), contour lines at even levels (marching
/// squares on the interpolated mesh), and each run as a dot with its value. The axes are drawn in
/// the coordinates given (pass log10 of a learning rate, log2 of a batch size) and labelled with
/// the values users wrote.
public struct ContourChart {
    public var title: String
    public var xLabel: String, yLabel: String
    /// Grid coordinates (increasing) with their labels.
    public var xs: [(position: Double, label: String)]
    public var ys: [(position: Double, label: String)]
    /// `values[i][j]`: the metric at xs[i], ys[j]; nil for a run without it (its cells are grey).
    public var values: [[Double?]]
    public var width = 460.0, height = 340.0
    /// Contour levels drawn between the smallest and largest value.
    public var levels = 6
    /// Colour bands of the filled map (and of its colour bar).
    static let bands = 24

    public init(title: String, xLabel: String, yLabel: String, xs: [(position: Double, label: String)],
                ys: [(position: Double, label: String)], values: [[Double?]]) {
        (self.title, self.xLabel, self.yLabel, self.xs, self.ys, self.values) = (title, xLabel, yLabel, xs, ys, values)
    }

    /// The interpolated value at data coordinates (u, v), or nil where a surrounding run is missing.
    func interpolate(_ u: Double, _ v: Double) -> Double? {
        func segment(_ axis: [(position: Double, label: String)], _ at: Double) -> (Int, Double) {
            guard axis.count > 1 else { return (0, 0) }
            var i = 0
            while i < axis.count - 2 && at > axis[i + 1].position { i += 1 }
            let t = (at - axis[i].position) / (axis[i + 1].position - axis[i].position)
            return (i, min(max(t, 0), 1))
        }
        let (i, s) = segment(xs, u), (j, t) = segment(ys, v)
        let i1 = min(i + 1, xs.count - 1), j1 = min(j + 1, ys.count - 1)
        guard let a = values[i][j], let b = values[i1][j], let c = values[i][j1], let d = values[i1][j1] else { return nil }
        return (1 - s) * (1 - t) * a + s * (1 - t) * b + (1 - s) * t * c + s * t * d
    }

    /// Viridis-like ramp from 0 (dark blue) to 1 (yellow).
    static func colour(_ fraction: Double) -> String {
        let stops: [(Double, Double, Double)] = [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)]
        let x = min(max(fraction, 0), 1) * Double(stops.count - 1)
        let k = min(Int(x), stops.count - 2), t = x - Double(k)
        let (r, g, b) = (stops[k].0 + t * (stops[k + 1].0 - stops[k].0), stops[k].1 + t * (stops[k + 1].1 - stops[k].1), stops[k].2 + t * (stops[k + 1].2 - stops[k].2))
        return String(format: "#%02x%02x%02x", Int(r.rounded()), Int(g.rounded()), Int(b.rounded()))
    }

    public func svg() -> String {
        let left = 64.0, right = 70.0, top = 26.0, bottom = 40.0, mesh = 48
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let known = values.flatMap { $0 }.compactMap { $0 }
        let low = known.min() ?? 0, high = max(known.max() ?? 1, (known.min() ?? 0) + 1e-12)
        // the runs sit inside the frame: the axes reach a tenth of their span beyond the outer runs
        var (x0, x1) = (xs.first?.position ?? 0, xs.last?.position ?? 1), (y0, y1) = (ys.first?.position ?? 0, ys.last?.position ?? 1)
        let (xPad, yPad) = (max(x1 - x0, 1) * 0.1, max(y1 - y0, 1) * 0.1)
        (x0, x1, y0, y1) = (x0 - xPad, x1 + xPad, y0 - yPad, y1 + yPad)
        func px(_ u: Double) -> Double { left + plotWidth * (x1 > x0 ? (u - x0) / (x1 - x0) : 0.5) }
        func py(_ v: Double) -> Double { top + plotHeight - plotHeight * (y1 > y0 ? (v - y0) / (y1 - y0) : 0.5) }
        // the interpolated field at the mesh corners
        let field: [[Double?]] = (0...mesh).map { a in
            (0...mesh).map { b in interpolate(x0 + (x1 - x0) * Double(a) / Double(mesh), y0 + (y1 - y0) * Double(b) / Double(mesh)) }
        }
        var out = SVGText.open(width: width, height: height, title: title, left: left)
        // filled bands: each mesh cell coloured by its band (of `bands`), neighbours in a row of the
        // same band drawn as one rectangle
        let cellWidth = plotWidth / Double(mesh), cellHeight = plotHeight / Double(mesh)
        func band(_ a: Int, _ b: Int) -> Int {
            let corners = [field[a][b], field[a + 1][b], field[a][b + 1], field[a + 1][b + 1]].compactMap { $0 }
            guard corners.count == 4 else { return -1 }
            return min(Self.bands - 1, Int((corners.reduce(0, +) / 4 - low) / (high - low) * Double(Self.bands)))
        }
        for b in 0..<mesh {
            var a = 0
            while a < mesh {
                let current = band(a, b)
                var end = a + 1
                while end < mesh && band(end, b) == current { end += 1 }
                let fill = current < 0 ? "#dddddd" : Self.colour((Double(current) + 0.5) / Double(Self.bands))
                out += "<rect x=\"\(f(left + Double(a) * cellWidth))\" y=\"\(f(top + plotHeight - Double(b + 1) * cellHeight))\" "
                    + "width=\"\(f(Double(end - a) * cellWidth + 0.4))\" height=\"\(f(cellHeight + 0.4))\" fill=\"\(fill)\"/>"
                a = end
            }
        }
        // contour lines: marching squares, one segment per cell crossing
        for level in 1..<levels {
            let z = low + (high - low) * Double(level) / Double(levels)
            var path = ""
            for a in 0..<mesh {
                for b in 0..<mesh {
                    guard let v00 = field[a][b], let v10 = field[a + 1][b], let v01 = field[a][b + 1], let v11 = field[a + 1][b + 1] else { continue }
                    // crossings on the four edges, in mesh units
                    var points: [(Double, Double)] = []
                    func cross(_ va: Double, _ vb: Double, _ pa: (Double, Double), _ pb: (Double, Double)) {
                        guard (va < z) != (vb < z) else { return }
                        let t = (z - va) / (vb - va)
                        points.append((pa.0 + t * (pb.0 - pa.0), pa.1 + t * (pb.1 - pa.1)))
                    }
                    let (fa, fb) = (Double(a), Double(b))
                    cross(v00, v10, (fa, fb), (fa + 1, fb))
                    cross(v10, v11, (fa + 1, fb), (fa + 1, fb + 1))
                    cross(v11, v01, (fa + 1, fb + 1), (fa, fb + 1))
                    cross(v01, v00, (fa, fb + 1), (fa, fb))
                    for pair in stride(from: 0, to: points.count - 1, by: 2) {
                        let (p, q) = (points[pair], points[pair + 1])
                        path += "M\(f(left + p.0 * cellWidth)) \(f(top + plotHeight - p.1 * cellHeight))L\(f(left + q.0 * cellWidth)) \(f(top + plotHeight - q.1 * cellHeight))"
                    }
                }
            }
            if !path.isEmpty {
                out += "<path d=\"\(path)\" fill=\"none\" stroke=\"#ffffff\" stroke-opacity=\"0.75\" stroke-width=\"1\"><title>\(Self.number(z))</title></path>"
            }
        }
        out += "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(plotWidth)\" height=\"\(plotHeight)\" fill=\"none\" stroke=\"#888\"/>"
        // colour bar: low at the bottom, high at the top
        let barLeft = left + plotWidth + 16, steps = Self.bands
        for k in 0..<steps {
            out += "<rect x=\"\(f(barLeft))\" y=\"\(f(top + plotHeight * Double(steps - 1 - k) / Double(steps)))\" width=\"12\" "
                + "height=\"\(f(plotHeight / Double(steps) + 0.4))\" fill=\"\(Self.colour((Double(k) + 0.5) / Double(steps)))\"/>"
        }
        out += "<text x=\"\(f(barLeft + 16))\" y=\"\(f(top + 8))\">\(Self.number(high))</text>"
        out += "<text x=\"\(f(barLeft + 16))\" y=\"\(f(top + plotHeight))\">\(Self.number(low))</text>"
        for x in xs {
            out += "<text x=\"\(f(px(x.position)))\" y=\"\(f(top + plotHeight + 14))\" text-anchor=\"middle\">\(HTML.escape(x.label))</text>"
        }
        for y in ys {
            out += "<text x=\"\(f(left - 6))\" y=\"\(f(py(y.position) + 4))\" text-anchor=\"end\">\(HTML.escape(y.label))</text>"
        }
        out += "<text x=\"\(f(left + plotWidth / 2))\" y=\"\(f(height - 6))\" text-anchor=\"middle\" fill=\"#444\">\(HTML.escape(xLabel))</text>"
        out += "<text transform=\"translate(12 \(f(top + plotHeight / 2))) rotate(-90)\" text-anchor=\"middle\" fill=\"#444\">\(HTML.escape(yLabel))</text>"
        for (i, x) in xs.enumerated() {
            for (j, y) in ys.enumerated() {
                guard let value = values[i][j] else { continue }
                out += "<circle cx=\"\(f(px(x.position)))\" cy=\"\(f(py(y.position)))\" r=\"3\" fill=\"#ffffff\" stroke=\"#000\"/>"
                out += "<text x=\"\(f(px(x.position) + 5))\" y=\"\(f(py(y.position) - 5))\" fill=\"#000\" stroke=\"#fff\" stroke-width=\"2.5\" paint-order=\"stroke\">\(Self.number(value))</text>"
            }
        }
        return out + "</svg>"
    }

    static func number(_ value: Double) -> String { LineChart.label(value) }
    func f(_ value: Double) -> String { SVGText.number(value) }
}

/// One point per run: a metric against a derived quantity (the learning rate over the batch size),
/// on a log axis, to see whether the runs fall on one curve.
public struct ScatterChart {
    public var title: String
    public var xLabel: String
    public var points: [(x: Double, y: Double, label: String)]
    public var logX = true
    public var width = 460.0, height = 260.0

    public init(title: String, xLabel: String, points: [(x: Double, y: Double, label: String)]) {
        (self.title, self.xLabel, self.points) = (title, xLabel, points)
    }

    public func svg() -> String {
        let left = 58.0, right = 14.0, top = 26.0, bottom = 40.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let usable = points.filter { !logX || $0.x > 0 }
        let us = usable.map { logX ? log10($0.x) : $0.x }
        var (u0, u1) = (us.min() ?? 0, us.max() ?? 1), (v0, v1) = (usable.map(\.y).min() ?? 0, usable.map(\.y).max() ?? 1)
        if u1 <= u0 { (u0, u1) = (u0 - 0.5, u1 + 0.5) }
        (v0, v1) = SVGText.widened(v0, v1)
        let pad = (u1 - u0) * 0.06
        (u0, u1) = (u0 - pad, u1 + pad)
        func px(_ u: Double) -> Double { left + plotWidth * (u - u0) / (u1 - u0) }
        func py(_ v: Double) -> Double { top + plotHeight - plotHeight * (v - v0) / (v1 - v0) }
        var out = SVGText.open(width: width, height: height, title: title, left: left)
        out += "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(plotWidth)\" height=\"\(plotHeight)\" fill=\"none\" stroke=\"#bbb\"/>"
        for tick in 0...3 {
            let v = v0 + (v1 - v0) * Double(tick) / 3
            out += "<text x=\"\(f(left - 6))\" y=\"\(f(py(v) + 4))\" text-anchor=\"end\">\(LineChart.label(v))</text>"
            let u = u0 + (u1 - u0) * Double(tick) / 3
            let shown = logX ? pow(10, u) : u
            out += "<text x=\"\(f(px(u)))\" y=\"\(f(top + plotHeight + 14))\" text-anchor=\"middle\">\(String(format: "%.2g", shown))</text>"
        }
        out += "<text x=\"\(f(left + plotWidth / 2))\" y=\"\(f(height - 6))\" text-anchor=\"middle\" fill=\"#444\">\(HTML.escape(xLabel))\(logX ? " (log scale)" : "")</text>"
        for (point, u) in zip(usable, us) {
            out += "<circle cx=\"\(f(px(u)))\" cy=\"\(f(py(point.y)))\" r=\"3.5\" fill=\"#1f77b4\"><title>\(HTML.escape(point.label)): \(LineChart.label(point.y))</title></circle>"
        }
        return out + "</svg>"
    }

    func f(_ value: Double) -> String { SVGText.number(value) }
}
