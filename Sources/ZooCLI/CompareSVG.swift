// A line plot drawn as SVG text by our own code (Figure 3): one polyline per series, axes with ticks and
// labels, a title and a legend. No plotting runtime: the file is a few kilobytes of exact numbers that any
// browser shows and any diff can read.
import Foundation

/// One line of a plot.
struct PlotSeries {
    var name: String
    /// y values at x = 1, 2, ... (non-finite values break nothing: they are left out of the line).
    var values: [Double]
}

/// A line plot rendered as SVG.
struct LinePlot {
    var id: String
    var title: String
    var xLabel: String
    var yLabel: String
    var series: [PlotSeries]
    var width = 560.0
    var height = 340.0

    /// Colours of the series, in order (repeating after the last).
    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf",
                          "#7f7f7f", "#bcbd22"]

    /// Round tick values covering [low, high], about `count` of them.
    static func ticks(_ low: Double, _ high: Double, count: Int = 5) -> [Double] {
        guard high > low, low.isFinite, high.isFinite else { return [low] }
        let raw = (high - low) / Double(Swift.max(count, 1))
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
        var out: [Double] = []
        var v = ceil(low / step - 1e-9) * step
        while v <= high + step * 1e-9 {
            out.append(abs(v) < step * 1e-9 ? 0 : v)
            v += step
        }
        return out
    }

    /// A number as a tick label (no trailing zeros, at most 4 significant digits).
    static func label(_ v: Double) -> String {
        var text = String(format: "%.4g", v)
        if text.contains("e") { return text }
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text
    }

    /// The SVG document.
    func svg() -> String {
        let left = 64.0, right = 170.0, top = 34.0, bottom = 48.0
        let plotW = width - left - right, plotH = height - top - bottom
        let points = series.flatMap { $0.values.filter(\.isFinite) }
        let frames = series.map(\.values.count).max() ?? 1
        var low = points.min() ?? 0, high = points.max() ?? 1
        if high - low < 1e-12 { low -= 0.5; high += 0.5 }
        let pad = (high - low) * 0.05
        let yTicks = Self.ticks(low - pad, high + pad)
        let yMin = Swift.min(low - pad, yTicks.first ?? low), yMax = Swift.max(high + pad, yTicks.last ?? high)
        let xTicks = Self.ticks(1, Double(Swift.max(frames, 2)), count: Swift.min(frames, 8)).filter { $0 == $0.rounded() && $0 >= 1 }
        func sx(_ x: Double) -> Double { left + (frames > 1 ? (x - 1) / Double(frames - 1) : 0.5) * plotW }
        func sy(_ y: Double) -> Double { top + (1 - (y - yMin) / (yMax - yMin)) * plotH }
        func f(_ v: Double) -> String { String(format: "%.2f", v) }

        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"\(id)\" width=\"\(Int(width))\" height=\"\(Int(height))\" "
            + "viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"sans-serif\" font-size=\"12\">\n"
        s += "<title>\(escapeXML(title))</title>\n"
        s += "<rect x=\"0\" y=\"0\" width=\"\(Int(width))\" height=\"\(Int(height))\" fill=\"white\"/>\n"
        s += "<text x=\"\(f(left + plotW / 2))\" y=\"20\" text-anchor=\"middle\" font-size=\"14\">\(escapeXML(title))</text>\n"
        // Grid and ticks.
        for t in yTicks where t >= yMin && t <= yMax {
            s += "<line x1=\"\(f(left))\" y1=\"\(f(sy(t)))\" x2=\"\(f(left + plotW))\" y2=\"\(f(sy(t)))\" stroke=\"#e4e4e4\"/>\n"
            s += "<text x=\"\(f(left - 6))\" y=\"\(f(sy(t) + 4))\" text-anchor=\"end\">\(Self.label(t))</text>\n"
        }
        for t in xTicks {
            s += "<line x1=\"\(f(sx(t)))\" y1=\"\(f(top + plotH))\" x2=\"\(f(sx(t)))\" y2=\"\(f(top + plotH + 5))\" stroke=\"black\"/>\n"
            s += "<text x=\"\(f(sx(t)))\" y=\"\(f(top + plotH + 18))\" text-anchor=\"middle\">\(Self.label(t))</text>\n"
        }
        // Axes and their labels.
        s += "<line x1=\"\(f(left))\" y1=\"\(f(top))\" x2=\"\(f(left))\" y2=\"\(f(top + plotH))\" stroke=\"black\"/>\n"
        s += "<line x1=\"\(f(left))\" y1=\"\(f(top + plotH))\" x2=\"\(f(left + plotW))\" y2=\"\(f(top + plotH))\" stroke=\"black\"/>\n"
        s += "<text x=\"\(f(left + plotW / 2))\" y=\"\(f(height - 10))\" text-anchor=\"middle\">\(escapeXML(xLabel))</text>\n"
        s += "<text x=\"16\" y=\"\(f(top + plotH / 2))\" text-anchor=\"middle\" "
            + "transform=\"rotate(-90 16 \(f(top + plotH / 2)))\">\(escapeXML(yLabel))</text>\n"
        // One polyline per series, then the legend (legend marks are <line>, so polylines count series).
        for (i, line) in series.enumerated() {
            let colour = Self.palette[i % Self.palette.count]
            let coordinates = line.values.enumerated().filter { $0.element.isFinite }
                .map { "\(f(sx(Double($0.offset + 1)))),\(f(sy($0.element)))" }.joined(separator: " ")
            s += "<polyline class=\"series\" data-model=\"\(escapeXML(line.name))\" fill=\"none\" stroke=\"\(colour)\" "
                + "stroke-width=\"2\" points=\"\(coordinates)\"/>\n"
        }
        for (i, line) in series.enumerated() {
            let colour = Self.palette[i % Self.palette.count]
            let y = top + 8 + Double(i) * 18
            let x = left + plotW + 14
            s += "<line x1=\"\(f(x))\" y1=\"\(f(y))\" x2=\"\(f(x + 22))\" y2=\"\(f(y))\" stroke=\"\(colour)\" stroke-width=\"3\"/>\n"
            s += "<text x=\"\(f(x + 28))\" y=\"\(f(y + 4))\">\(escapeXML(line.name))</text>\n"
        }
        s += "</svg>\n"
        return s
    }
}

/// Text safe inside XML/HTML elements and attributes.
func escapeXML(_ text: String) -> String {
    var out = ""
    for ch in text {
        switch ch {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        default: out.append(ch)
        }
    }
    return out
}
