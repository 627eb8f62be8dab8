// The comparison as documents: `<out>/report.md` (tables, protocol card, links to the figures) and a
// self-contained `<out>/report.html` (the same, with the SVG plots inline and every picture embedded as a
// data: URI; no script, no stylesheet or font fetched from anywhere).
import Foundation
import ZooCore

extension CompareReport {
    /// The title of the report.
    var title: String {
        switch recipe {
        case "table1": return "zoo compare: Table 1 (every model on \(data))"
        case "table2": return "zoo compare: Table 2 (ablations on \(data))"
        default: return "zoo compare on \(data)"
        }
    }

    /// Lines describing the machine, versions, command and budget.
    func setupLines() -> [(String, String)] {
        var lines: [(String, String)] = []
        if let command { lines.append(("Command", command)) }
        if let written { lines.append(("Written", written)) }
        if let wallSeconds { lines.append(("Wall time of this invocation", String(format: "%.0f s", wallSeconds))) }
        if let budget {
            lines.append(("Budget per model", [budget.steps.map { "--steps \($0)" }, budget.minutes.map { "--minutes \(reportNumber($0))" }]
                .compactMap { $0 }.joined(separator: ", ").nonEmpty ?? "each preset's own steps"))
        }
        if let zooVersion { lines.append(("zoo", zooVersion)) }
        if let m = machine {
            lines.append(("CPU", "\(m.cpu.model.isEmpty ? m.cpu.vendor : m.cpu.model), \(m.cpu.cores) cores available, "
                          + "\(String(format: "%.0f", m.memoryGiB)) GiB memory"))
            if let blas = m.openBLAS {
                lines.append(("OpenBLAS", "\(blas.config), kernel \(blas.coreType); OpenBLAS itself runs 1 thread, "
                                  + "zoo splits large products over \(blas.threads)"))
            }
            lines.append(("Versions", "\(m.swiftVersion); HDF5 \(m.hdf5Version); libpng \(m.libpngVersion); \(m.operatingSystem)"))
        }
        return lines
    }

    /// One line per model saying what was trained, resumed or reused.
    func reuseLines() -> [String] {
        rows.map { "\($0.label): \($0.training ?? "given run"); evaluation \($0.evaluationSource ?? "computed")" }
    }

    /// The heading of the table with every metric: the paper's Table 1, except in the ablation report, where
    /// Table 2 is the paper's table and this one holds the full numbers behind it.
    var metricsTableHeading: String { recipe == "table2" ? "All metrics" : "Table 1" }

    /// Samples per clip in the sample grids (at most S).
    var gridSampleCount: Int { Swift.min(CompareFigureCollector.gridSamples, samples) }

    /// `<out>/report.md`. `figures` maps a figure file's id to its path relative to the report.
    func markdown(figures: [String: String]) -> String {
        var s = "# \(title)\n\n"
        s += "\(clips) test clips x \(samples) samples, \(contextFrames ?? 0) context + \(predictedFrames ?? 0) predicted frames, "
            + "sampling seed \(seed). Best value of each ranked column in **bold**. CRPS, MSE and PSNR on the 0-255 scale.\n\n"
        s += "## Setup\n\n" + setupLines().map { "- \($0.0): \($0.1)" }.joined(separator: "\n") + "\n\n"
        s += "## Evaluation protocol\n\n" + protocolCard().map { "- **\($0.0)**: \($0.1)" }.joined(separator: "\n") + "\n\n"
        s += "## \(metricsTableHeading)\n\n" + table1().markdown() + "\n\n"
        if recipe == "table2" { s += "## Table 2\n\n" + table2().markdown() + "\n\n" }
        s += "## Figure 3: scores per predicted frame\n\n"
        s += "![1/CRPS per predicted frame](\(figures["figure3-crps"] ?? ""))\n"
        if let lpips = figures["figure3-lpips"] { s += "![LPIPS per predicted frame](\(lpips))\n" }
        s += "\n## Figure 2: samples\n\nEach row pair: context | truth, then \(gridSampleCount) samples "
            + "(first \(CompareFigureCollector.figureClips) test clips); the animation shows truth and samples side by side.\n\n"
        for row in rows {
            s += "- \(row.label): " + [row.sampleGrid.map { "[grid](\($0))" }, row.animation.map { "[animation](\($0))" }]
                .compactMap { $0 }.joined(separator: ", ") + "\n"
        }
        s += "\n## Figure 4: CRPS maps\n\nPer clip three rows: truth, the first sample and its per-pixel CRPS (viridis, 0 to "
            + "\(reportNumber(CompareFigureCollector.heatmapTop)) on the 0-255 scale, brighter is worse) at predicted frames "
            + CompareFigureCollector.heatmapFrames(predictedFrames ?? 1).map { String($0 + 1) }.joined(separator: ", ") + ".\n\n"
        for row in rows { if let map = row.heatmap { s += "- \(row.label): ![CRPS map](\(map))\n" } }
        s += "\n## Runs\n\n" + reuseLines().map { "- \($0)" }.joined(separator: "\n") + "\n"
        for line in notes ?? [] { s += "\nNote: \(line)\n" }
        return s
    }

    /// `<out>/report.html`: self-contained. `svgs` are the plots' SVG texts; `embed` gives a file's data: URI.
    func html(svgs: [String], embed: (String) -> String?) -> String {
        var s = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>\(escapeXML(title))</title>
            <style>
            body { font-family: sans-serif; margin: 24px; color: #222; background: white; max-width: 1400px; }
            table { border-collapse: collapse; margin: 8px 0 20px; font-size: 13px; }
            th, td { border: 1px solid #ccc; padding: 3px 7px; text-align: right; }
            th:first-child, td:first-child { text-align: left; }
            th { background: #eef2f7; }
            td.best { font-weight: bold; background: #e3f4e1; }
            dl.card { display: grid; grid-template-columns: max-content auto; gap: 3px 14px; font-size: 13px; }
            dl.card dt { font-weight: bold; } dl.card dd { margin: 0; }
            figure { display: inline-block; margin: 6px 18px 12px 0; vertical-align: top; }
            figcaption { font-size: 12px; color: #444; }
            img.pixel { image-rendering: pixelated; }
            </style></head><body>
            <h1>\(escapeXML(title))</h1>
            <p>\(clips) test clips x \(samples) samples, \(contextFrames ?? 0) context + \(predictedFrames ?? 0) predicted frames,
            sampling seed \(seed). The best value of each ranked column is shaded. CRPS, MSE and PSNR on the 0-255 scale.</p>

            """
        func definitionList(_ lines: [(String, String)]) -> String {
            "<dl class=\"card\">" + lines.map { "<dt>\(escapeXML($0.0))</dt><dd>\(escapeXML($0.1))</dd>" }.joined() + "</dl>\n"
        }
        s += "<h2>Setup</h2>\n" + definitionList(setupLines())
        s += "<h2>Evaluation protocol</h2>\n" + definitionList(protocolCard())
        s += "<h2>\(metricsTableHeading)</h2>\n" + table1().html(id: "table1")
        if recipe == "table2" { s += "<h2>Table 2</h2>\n" + table2().html(id: "table2") }
        s += "<h2>Figure 3: scores per predicted frame</h2>\n<div>\n" + svgs.joined(separator: "\n") + "</div>\n"
        s += "<h2>Figure 2: samples</h2>\n<p>Each clip: context | truth, then \(gridSampleCount) samples; "
            + "the animation shows the first clip's truth and samples over time.</p>\n"
        for row in rows {
            if let grid = row.sampleGrid.flatMap(embed) {
                s += "<figure><img class=\"pixel\" src=\"\(grid)\" alt=\"samples of \(escapeXML(row.label))\">"
                    + "<figcaption>\(escapeXML(row.label))</figcaption></figure>\n"
            }
            if let animation = row.animation.flatMap(embed) {
                s += "<figure><img class=\"pixel\" src=\"\(animation)\" alt=\"animated samples of \(escapeXML(row.label))\">"
                    + "<figcaption>\(escapeXML(row.label)), animated</figcaption></figure>\n"
            }
        }
        s += "<h2>Figure 4: CRPS maps</h2>\n<p>Per clip: truth, the first sample and its per-pixel CRPS (viridis from 0 to "
            + "\(reportNumber(CompareFigureCollector.heatmapTop)) on the 0-255 scale; brighter is worse) at predicted frames "
            + CompareFigureCollector.heatmapFrames(predictedFrames ?? 1).map { String($0 + 1) }.joined(separator: ", ") + ".</p>\n"
        for row in rows {
            if let map = row.heatmap.flatMap(embed) {
                s += "<figure><img class=\"pixel\" src=\"\(map)\" alt=\"CRPS map of \(escapeXML(row.label))\">"
                    + "<figcaption>\(escapeXML(row.label))</figcaption></figure>\n"
            }
        }
        s += "<h2>Runs</h2>\n<ul>" + reuseLines().map { "<li>\(escapeXML($0))</li>" }.joined() + "</ul>\n"
        for line in notes ?? [] { s += "<p>Note: \(escapeXML(line))</p>\n" }
        return s + "</body></html>\n"
    }
}

extension String {
    /// nil for the empty string.
    var nonEmpty: String? { isEmpty ? nil : self }
}

/// A PNG (or any file) as a data: URI, or nil when it cannot be read.
func dataURI(_ path: String, type: String = "image/png") -> String? {
    guard let data = FileManager.default.contents(atPath: path) else { return nil }
    return "data:\(type);base64," + data.base64EncodedString()
}
