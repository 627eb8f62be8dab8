// Result output: JSON on request, aligned text tables and Markdown tables, always on stdout.
import Foundation
import ZooCore

/// Where a command's results go (stdout in the tool; a buffer in tests).
public final class ResultSink {
    private let write: (String) -> Void
    /// Lines written so far (when made by `collecting()`).
    public private(set) var lines: [String] = []
    private let keep: Bool

    /// A sink writing lines with `write`.
    public init(_ write: @escaping (String) -> Void) {
        self.write = write
        keep = false
    }

    private init(collecting: Void) {
        write = { _ in }
        keep = true
    }

    /// Standard output.
    public static func standardOutput() -> ResultSink { ResultSink { print($0) } }

    /// A sink that keeps what it is given (tests).
    public static func collecting() -> ResultSink { ResultSink(collecting: ()) }

    /// Writes a line.
    public func line(_ text: String) {
        if keep { lines.append(text) } else { write(text) }
    }

    /// Everything collected, joined with newlines.
    public var text: String { lines.joined(separator: "\n") }
}

/// Pretty, sorted JSON of a value.
func jsonText<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

/// A table with a header row, rendered as aligned text or as Markdown.
struct TextTable {
    var header: [String]
    var rows: [[String]] = []
    /// Columns aligned right (numbers).
    var rightAligned: Set<Int> = []

    init(_ header: [String], rightAligned: Set<Int> = []) {
        self.header = header
        self.rightAligned = rightAligned
    }

    mutating func add(_ row: [String]) { rows.append(row) }

    private var widths: [Int] {
        header.indices.map { i in ([header] + rows).map { $0.indices.contains(i) ? $0[i].count : 0 }.max() ?? 0 }
    }

    private func pad(_ text: String, _ width: Int, right: Bool) -> String {
        let space = String(repeating: " ", count: Swift.max(0, width - text.count))
        return right ? space + text : text + space
    }

    /// Columns separated by two spaces.
    func text() -> String {
        let w = widths
        return ([header] + rows).map { row in
            row.indices.map { pad(row[$0], w[$0], right: rightAligned.contains($0)) }.joined(separator: "  ")
                .trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n")
    }

    /// A GitHub-flavoured Markdown table.
    func markdown() -> String {
        let w = widths.map { Swift.max(3, $0) }
        func line(_ row: [String]) -> String {
            "| " + row.indices.map { pad(row[$0], w[$0], right: rightAligned.contains($0)) }.joined(separator: " | ") + " |"
        }
        let rule = "|" + w.indices.map { i in
            rightAligned.contains(i) ? " " + String(repeating: "-", count: w[i] - 1) + ": "
                                     : " " + String(repeating: "-", count: w[i]) + " "
        }.joined(separator: "|") + "|"
        return ([line(header), rule] + rows.map(line)).joined(separator: "\n")
    }
}

/// A metric value for tables: 2 decimals for dB and CRPS-sized numbers, 4 for SSIM-sized ones.
func metricText(_ v: Double?) -> String {
    guard let v else { return "-" }
    if !v.isFinite { return "\(v)" }
    return abs(v) < 1.5 ? String(format: "%.4f", v) : String(format: "%.2f", v)
}

/// "12,345".
func grouped(_ n: Int) -> String {
    let digits = String(abs(n))
    var out = ""
    for (i, ch) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
        out.append(ch)
    }
    return (n < 0 ? "-" : "") + out
}

/// The metric table of one evaluation: metric, mean, best of S, and the clips, samples and frames behind each
/// number (FVD: the first sample of each clip, context frames included).
func evaluationTable(_ result: EvaluationResult) -> TextTable {
    var table = TextTable(["metric", "mean", "best of \(result.samples)", "clips", "samples", "frames", ""],
                          rightAligned: [1, 2, 3, 4, 5])
    for m in result.metrics {
        let samples = m.name == "crps" ? "\(result.samples) (ensemble)" : m.name == "mse_mean" ? "\(result.samples) (mean)"
            : "\(result.samples)"
        table.add([displayName(m.name), metricText(m.mean), metricText(m.bestOfSamples), "\(result.clips)", samples,
                   "\(result.predictedFrames)", m.higherIsBetter ? "higher is better" : "lower is better"])
    }
    if let f = result.fvd {
        table.add(["FVD", String(format: "%.2f", f.fvd), "-", "\(f.realClips)", "1 (first)",
                   "\(f.frames) (\(result.contextFrames) context)", "lower is better"])
    }
    return table
}

/// Names for tables: "crps" → "CRPS", "mse_mean" → "MSE (sample mean)".
func displayName(_ metric: String) -> String {
    switch metric {
    case "crps": return "CRPS"
    case "mse_mean": return "MSE (sample mean)"
    case "mse": return "MSE"
    case "psnr": return "PSNR (dB)"
    case "ssim": return "SSIM"
    case "lpips": return "LPIPS"
    default: return metric
    }
}

/// Progress of an evaluation on stderr, after each batch of clips: clips done, elapsed time and an estimate
/// of the time left. Redraws one line on a terminal; writes a line per batch to a log or pipe. Nil when quiet.
func evaluationProgress(_ label: String, quiet: Bool,
                        now: @escaping () -> Date = Date.init) -> ((Int, Int) -> Void)? {
    if quiet { return nil }
    let start = now()
    let terminal = standardErrorIsTerminal
    return { done, total in
        writeToStandardError(evaluationProgressLine(label, done: done, total: total,
                                                    elapsed: now().timeIntervalSince(start), terminal: terminal))
    }
}

/// One progress line of `evaluationProgress` (a terminal's starts with a carriage return and ends without a
/// newline until the last batch).
func evaluationProgressLine(_ label: String, done: Int, total: Int, elapsed: Double, terminal: Bool) -> String {
    let left = done > 0 ? elapsed / Double(done) * Double(total - done) : .nan
    let text = "evaluating \(label): \(done)/\(total) clips, \(ProgressFormat.duration(elapsed)) elapsed, "
        + "ETA \(ProgressFormat.duration(left))"
    return terminal ? "\r" + text + (done == total ? "\n" : "") : text + "\n"
}
