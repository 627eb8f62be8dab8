// The `zoo bench` table as aligned text, Markdown and JSON.
import Foundation
import ZooCore
import ZooCLI

enum BenchTable {
    /// Context printed above the table.
    struct Header: Encodable {
        var kernel: String
        var threads: Int
        var cpu: String
        var cores: Int
        var torchVersion: String?
        var warmup: Int
        var repetitions: Int
        var rounds: Int = 1

        var line: String {
            var text = "OpenBLAS \(kernel) kernel, \(threads) threads; \(cpu.isEmpty ? "CPU" : cpu), \(cores) cores; "
                + "median of up to \(repetitions) runs after \(warmup) warm-up"
            if rounds > 1 { text += " in each of \(rounds) rounds (zoo and PyTorch alternating)" }
            if let torchVersion { text += "; PyTorch \(torchVersion)" }
            return text
        }
    }

    static let note = "ratio = zoo time / PyTorch time (below 1: zoo is faster); forward rows run without a tape"

    /// "12.34 ms" or "85.2 GFLOP/s".
    static func format(_ value: Double, _ unit: BenchmarkUnit) -> String {
        switch unit {
        case .milliseconds: return String(format: value < 10 ? "%.3f ms" : "%.2f ms", value)
        case .gflops: return String(format: "%.1f GFLOP/s", value)
        }
    }

    static func cells(_ row: ComparisonRow, rounds: Bool = false) -> [String] {
        var cells = [row.id, format(row.ours, row.unit), row.torch.map { format($0, row.unit) } ?? "-",
                     row.ratio.map { String(format: "%.2f", $0) } ?? "-"]
        if rounds {
            cells.append(row.roundRatios.flatMap { r in r.min().map { String(format: "%.2f-%.2f", $0, r.max()!) } } ?? "-")
        }
        return cells
    }

    static let titles = ["row", "zoo", "PyTorch", "ratio"]
    /// The titles when rows were measured in several rounds.
    static let roundTitles = titles + ["round ratios"]

    /// Aligned columns for the terminal.
    static func text(_ rows: [ComparisonRow], header: Header) -> String {
        let rounds = rows.contains { $0.roundRatios != nil }
        var out = [header.line] + aligned(rounds ? roundTitles : titles, rows.map { cells($0, rounds: rounds) })
        if rows.contains(where: { $0.ratio != nil }) { out.append(note) }
        return out.joined(separator: "\n")
    }

    /// The title line, a rule and one line per row: the first column left-aligned, the others right-aligned.
    static func aligned(_ titles: [String], _ rows: [[String]]) -> [String] {
        let all = [titles] + rows
        let widths = titles.indices.map { c in all.map { $0[c].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { c, cell in
                c == 0 ? cell.padding(toLength: widths[c], withPad: " ", startingAt: 0)
                       : String(repeating: " ", count: widths[c] - cell.count) + cell
            }.joined(separator: "  ")
        }
        return [line(titles), String(repeating: "-", count: widths.reduce(0, +) + 2 * (widths.count - 1))]
            + rows.map(line)
    }

    /// A Markdown table: the title line, the alignment line (first column left, others right) and the rows.
    static func markdownLines(_ titles: [String], _ rows: [[String]]) -> [String] {
        ["| " + titles.joined(separator: " | ") + " |", "| --- |" + String(repeating: " ---: |", count: titles.count - 1)]
            + rows.map { "| " + $0.joined(separator: " | ") + " |" }
    }

    /// A Markdown table with the header line above it.
    static func markdown(_ rows: [ComparisonRow], header: Header) -> String {
        let rounds = rows.contains { $0.roundRatios != nil }
        var out = [header.line, ""] + markdownLines(rounds ? roundTitles : titles, rows.map { cells($0, rounds: rounds) })
        out += ["", note, ""]
        return out.joined(separator: "\n")
    }

    /// `{"header": ..., "rows": [...]}`, pretty-printed with sorted keys (also `zoo bench --model`'s JSON).
    static func json<H: Encodable, R: Encodable>(_ rows: [R], header: H) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(BenchDocument(header: header, rows: rows)), as: UTF8.self)
    }
}

/// The JSON document of `zoo bench --json`.
private struct BenchDocument<H: Encodable, R: Encodable>: Encodable {
    var header: H
    var rows: [R]
}
