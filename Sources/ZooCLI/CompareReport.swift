// What a comparison found, as compare.json, and its tables: Table 1 (every metric, parameters, times), the
// paper's Table 2 columns for the ablation recipe, and the per-frame curves of Figure 3.
import Foundation
import ZooCore

/// What `zoo compare --json` prints (and compare.json holds).
struct CompareReport: Codable {
    struct Row: Codable {
        /// The name the report shows ("rvd", "rvd (2+3)").
        var label: String
        var model: String
        var preset: String
        var run: String
        var steps: Int
        /// Frames per training clip.
        var trainFrames: Int?
        var parameters: Int?
        /// Seconds of training over the sessions that recorded them (nil for runs not trained by compare).
        var trainingSeconds: Double?
        /// What happened to the run and to the evaluation in this invocation (trained, resumed, reused, ...).
        var training: String?
        var evaluationSource: String?
        var evaluation: EvaluationResult
        /// The figure files, relative to the report's folder (nil when not made).
        var predictions: String?
        var sampleGrid: String?
        var animation: String?
        var heatmap: String?

        /// Seconds of sampling per generated frame.
        var samplingSecondsPerFrame: Double? {
            guard let seconds = evaluation.samplingSeconds, let frames = evaluation.generatedFrames, frames > 0 else { return nil }
            return seconds / Double(frames)
        }
    }
    /// The training budget every model got.
    struct Budget: Codable, Equatable {
        var steps: Int?
        var minutes: Double?
    }
    var recipe: String?
    var data: String
    var clips: Int
    var samples: Int
    var seed: UInt64
    var contextFrames: Int?
    var predictedFrames: Int?
    var budget: Budget?
    var trainingSeed: UInt64?
    var command: String?
    var machine: SystemInfo?
    var zooVersion: String?
    var wallSeconds: Double?
    var written: String?
    var rows: [Row]
    var notes: [String]?
}

/// A table whose cells keep their numbers, so that the best of each column can be marked.
struct ReportTable {
    struct Column {
        var title: String
        /// Whether larger is better (nil: not ranked).
        var higherIsBetter: Bool?
    }
    var columns: [Column]
    /// Per row: the text of each cell and the number it ranks by (nil: no number).
    var rows: [[(text: String, value: Double?)]] = []

    /// Per column, the best value (nil when the column is not ranked or has fewer than two numbers).
    func best(_ column: Int) -> Double? {
        guard let higher = columns[column].higherIsBetter else { return nil }
        let values = rows.compactMap { $0[column].value }.filter(\.isFinite)
        guard values.count >= 2 else { return nil }
        return higher ? values.max() : values.min()
    }

    /// Whether a cell holds its column's best value.
    func isBest(row: Int, column: Int) -> Bool {
        guard let best = best(column), let v = rows[row][column].value else { return false }
        return v == best
    }

    /// GitHub Markdown, the best cell of each ranked column in bold.
    func markdown() -> String {
        func line(_ cells: [String]) -> String { "| " + cells.joined(separator: " | ") + " |" }
        var out = [line(columns.map(\.title)), line(columns.indices.map { $0 == 0 ? "---" : "---:" })]
        for (r, row) in rows.enumerated() {
            out.append(line(row.indices.map { c in isBest(row: r, column: c) ? "**\(row[c].text)**" : row[c].text }))
        }
        return out.joined(separator: "\n")
    }

    /// An HTML table, best cells with class "best".
    func html(id: String) -> String {
        var s = "<table id=\"\(id)\">\n<thead><tr>" + columns.map { "<th>\(escapeXML($0.title))</th>" }.joined() + "</tr></thead>\n<tbody>\n"
        for (r, row) in rows.enumerated() {
            s += "<tr>" + row.indices.map { c in
                let cls = isBest(row: r, column: c) ? " class=\"best\"" : ""
                return "<td\(cls)>\(escapeXML(row[c].text))</td>"
            }.joined() + "</tr>\n"
        }
        return s + "</tbody>\n</table>\n"
    }
}

/// Numbers as the report prints them: 4 significant digits, whole numbers grouped.
func reportNumber(_ v: Double?) -> String {
    guard let v, v.isFinite else { return "-" }
    if abs(v) >= 1000 { return String(format: "%.0f", v) }
    return String(format: "%.4g", v)
}

extension CompareReport {
    /// Table 1: every metric with its clip and sample counts, best per column marked, then size and times.
    func table1() -> ReportTable {
        let e = rows.map(\.evaluation)
        let hasFVD = e.contains { $0.fvd != nil }
        let hasLPIPS = e.contains { $0["lpips"] != nil }
        let hasSSIM = e.contains { $0["ssim"] != nil }
        let hasPSNR = e.contains { $0["psnr"] != nil }
        var columns: [ReportTable.Column] = [.init(title: "model"), .init(title: "steps"), .init(title: "clips x S")]
        if hasFVD { columns.append(.init(title: "FVD ↓ (clips)", higherIsBetter: false)) }
        if hasLPIPS { columns += [.init(title: "LPIPS ↓ mean", higherIsBetter: false), .init(title: "LPIPS ↓ best of S", higherIsBetter: false)] }
        columns.append(.init(title: "CRPS ↓", higherIsBetter: false))
        if hasPSNR { columns += [.init(title: "PSNR ↑ mean", higherIsBetter: true), .init(title: "PSNR ↑ best of S", higherIsBetter: true)] }
        if hasSSIM { columns += [.init(title: "SSIM ↑ mean", higherIsBetter: true), .init(title: "SSIM ↑ best of S", higherIsBetter: true)] }
        columns += [.init(title: "MSE of mean ↓", higherIsBetter: false), .init(title: "parameters"),
                    .init(title: "training s"), .init(title: "sampling s/frame")]
        var table = ReportTable(columns: columns)
        for row in rows {
            let r = row.evaluation
            func cell(_ v: Double?) -> (String, Double?) { (reportNumber(v), v) }
            var cells: [(text: String, value: Double?)] = [(row.label, nil), ("\(row.steps)", nil), ("\(r.clips) x \(r.samples)", nil)]
            if hasFVD { cells.append(r.fvd.map { (reportNumber($0.fvd) + " (\($0.realClips))", $0.fvd) } ?? ("-", nil)) }
            if hasLPIPS { cells += [cell(r["lpips"]?.mean), cell(r["lpips"]?.bestOfSamples)] }
            cells.append(cell(r["crps"]?.mean))
            if hasPSNR { cells += [cell(r["psnr"]?.mean), cell(r["psnr"]?.bestOfSamples)] }
            if hasSSIM { cells += [cell(r["ssim"]?.mean), cell(r["ssim"]?.bestOfSamples)] }
            cells += [cell(r["mse_mean"]?.mean), (row.parameters.map(grouped) ?? "-", nil),
                      (row.trainingSeconds.map { String(format: "%.0f", $0) } ?? "-", nil),
                      (row.samplingSecondsPerFrame.map { String(format: "%.3g", $0) } ?? "-", nil)]
            table.rows.append(cells)
        }
        return table
    }

    /// Table 2: the paper's columns (FVD, LPIPS, CRPS) for the ablation rows.
    func table2() -> ReportTable {
        let hasFVD = rows.contains { $0.evaluation.fvd != nil }
        let hasLPIPS = rows.contains { $0.evaluation["lpips"] != nil }
        var columns: [ReportTable.Column] = [.init(title: "model (context+predicted training frames)"), .init(title: "clips x S")]
        if hasFVD { columns.append(.init(title: "FVD ↓ (clips)", higherIsBetter: false)) }
        if hasLPIPS { columns.append(.init(title: "LPIPS ↓ mean", higherIsBetter: false)) }
        columns.append(.init(title: "CRPS ↓", higherIsBetter: false))
        var table = ReportTable(columns: columns)
        for row in rows {
            let r = row.evaluation
            var cells: [(text: String, value: Double?)] = [(row.label, nil), ("\(r.clips) x \(r.samples)", nil)]
            if hasFVD { cells.append(r.fvd.map { (reportNumber($0.fvd) + " (\($0.realClips))", $0.fvd) } ?? ("-", nil)) }
            if hasLPIPS { cells.append((reportNumber(r["lpips"]?.mean), r["lpips"]?.mean)) }
            cells.append((reportNumber(r["crps"]?.mean), r["crps"]?.mean))
            table.rows.append(cells)
        }
        return table
    }

    /// Figure 3: 1/CRPS per predicted frame, one series per row.
    func inverseCRPSPlot() -> LinePlot {
        LinePlot(id: "figure3-crps", title: "1/CRPS per predicted frame (higher is better)", xLabel: "predicted frame",
                 yLabel: "1 / CRPS (0-255 scale)",
                 series: rows.map { PlotSeries(name: $0.label, values: ($0.evaluation["crps"]?.perFrame ?? []).map { 1 / $0 }) })
    }

    /// Figure 3's second panel: LPIPS per predicted frame (nil when no model has LPIPS).
    func lpipsPlot() -> LinePlot? {
        guard rows.contains(where: { $0.evaluation["lpips"] != nil }) else { return nil }
        return LinePlot(id: "figure3-lpips", title: "LPIPS per predicted frame (lower is better)", xLabel: "predicted frame",
                        yLabel: "LPIPS (mean over samples)",
                        series: rows.map { PlotSeries(name: $0.label, values: $0.evaluation["lpips"]?.perFrame ?? []) })
    }

    /// The evaluation protocol card: what every number was computed on, as (question, answer) lines.
    func protocolCard() -> [(String, String)] {
        let first = rows[0].evaluation
        let fvdClips = rows.compactMap(\.evaluation.fvd).first
        var card: [(String, String)] = [
            ("Data", data),
            ("Context and predicted frames", "\(first.contextFrames) context frames given, \(first.predictedFrames) predicted"),
            ("Test clips", "\(first.clips) clips of the test split, the first \(first.contextFrames + first.predictedFrames) "
                + "frames of each sequence at the store's test start frame; with --clips k below the split's size, k sequences "
                + "spread evenly over it. The same clips for every model."),
            ("Samples per clip (S)", "\(first.samples) (a deterministic model predicts once; its samples are equal)"),
            ("Seeds", "sampling seed \(first.seed): batch i of clips draws from a generator seeded by the seed and i alone, "
                + "so every model sees the same clips, contexts and seeds; training seed \(trainingSeed.map(String.init) ?? "-")"),
            ("Pixel scale", "predictions rounded to 8 bits; CRPS, MSE and PSNR on the 0-255 scale"),
            ("CRPS", "per pixel and channel over the S samples (the ensemble's empirical CDF against the true value), "
                + "averaged over pixels, frames and clips"),
            ("Means and best of S", "CRPS and MSE of the sample mean: one value per clip; PSNR, SSIM and LPIPS: the mean over "
                + "samples, and best of S (per clip the sample with the best average over frames, then averaged over clips)"),
            ("LPIPS", "AlexNet, linear calibration v0.1, on every predicted frame (frames below 32x32 give no LPIPS)"),
        ]
        if let fvdClips {
            card.append(("FVD", "Kinetics-400 I3D logits; every frame resized to 224x224 (bilinear); the first sample of each "
                         + "clip against the true clip, context frames included (\(fvdClips.frames) frames); "
                         + "\(fvdClips.realClips) real and \(fvdClips.generatedClips) generated clips"))
        } else {
            card.append(("FVD", "not computed (ask for it with --metrics ...,fvd; needs `zoo weights fetch`)"))
        }
        if let budget {
            let parts = [budget.steps.map { "\($0) steps" }, budget.minutes.map { "\(reportNumber($0)) minutes" }].compactMap { $0 }
            card.append(("Training budget per model", parts.isEmpty ? "each preset's own step count" : parts.joined(separator: ", at most ")))
        }
        return card
    }
}
