// `zoo bench --model NAME`: the one place where a model family's rows meet PyTorch. Each row runs in a
// fresh zoo worker process and then, with --torch, in a fresh process of the family's script in
// Tools/bench, alternating for --rounds rounds, so both sides see the same machine conditions and each
// process's peak memory is that row's alone. Prints time and peak-memory ratios per row.

import Foundation
import ZooCore
import ZooCLI

/// One line of a model table.
struct ModelComparison: Encodable {
    var id: String
    var zoo: ModelBenchSample
    var torch: ModelBenchSample?
    /// zoo's median time over PyTorch's (< 1: zoo is faster).
    var timeRatio: Double?
    /// zoo's peak resident memory over PyTorch's (< 1: zoo needs less).
    var memoryRatio: Double?

    /// Why the row has no PyTorch side (the family's note, or nil).
    var torchMissing: String?

    init(id: String, zoo: ModelBenchSample, torch: ModelBenchSample?, torchMissing: String? = nil) {
        self.torchMissing = torchMissing
        self.id = id
        self.zoo = zoo
        self.torch = torch
        timeRatio = torch.map { zoo.ms / $0.ms }
        memoryRatio = torch.map { zoo.peak_rss_mb / $0.peak_rss_mb }
    }
}

enum ModelBenchRun {
    /// Where the PyTorch side is and what it needs.
    struct TorchSide {
        var python: String
        var script: String
        /// The extracted reference repository.
        var reference: String
    }

    /// This executable's path, for the worker processes.
    static func executablePath() -> String {
        let link = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        if link != "/proc/self/exe", FileManager.default.isExecutableFile(atPath: link) { return link }
        return URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
    }

    /// Runs `executable arguments` with stderr passed through and decodes the last line of its stdout.
    static func runChild(_ executable: String, _ arguments: [String], what: String) throws -> ModelBenchSample {
        let (status, data) = try runProgram(executable, arguments, what: what)
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
        guard status == 0, let last = lines.last else {
            throw ZooError("\(what) exited with status \(status)")
        }
        do {
            return try JSONDecoder().decode(ModelBenchSample.self, from: Data(last.utf8))
        } catch {
            throw ZooError("could not read \(what)'s output line \"\(last.prefix(200))\" (\(error))")
        }
    }

    /// Runs the rows of `family`: per round, zoo's worker and then PyTorch's script, row by row.
    static func run(_ rows: [ModelBenchRow], of family: any ModelBenchmark, torch: TorchSide?, rounds: Int = 1) throws
        -> [ModelComparison]
    {
        let zoo = executablePath()
        var table: [ModelComparison] = []
        for (index, row) in rows.enumerated() {
            note("[\(index + 1)/\(rows.count)] \(row.id): \(row.warmup) warm-up + \(row.repetitions) timed runs"
                 + (rounds > 1 ? " in each of \(rounds) rounds" : ""))
            var ours: [ModelBenchSample] = [], theirs: [ModelBenchSample] = []
            for round in 0..<rounds {
                let sample = try runChild(zoo, ["--model", family.name, "--worker", row.id, "--warmup", "\(row.warmup)",
                                                "--repetitions", "\(row.repetitions)"],
                                          what: "the zoo worker for \(row.id)")
                ours.append(sample)
                var line = "    " + (rounds > 1 ? "round \(round + 1): " : "")
                    + "zoo \(format(ms: sample.ms)), peak \(format(mb: sample.peak_rss_mb))"
                if let torch, row.torchMissing == nil {
                    let answer = try runChild(torch.python, try family.fullTorchArguments(row, script: torch.script,
                                                                                       reference: torch.reference),
                                              what: "\(family.torchScript) for \(row.id)")
                    line += "; PyTorch \(format(ms: answer.ms)), peak \(format(mb: answer.peak_rss_mb))"
                    if answer.parameters != sample.parameters, round == 0 {
                        note("warning: \(row.id): PyTorch's model has \(answer.parameters) parameters, zoo's "
                             + "\(sample.parameters); the two sides do not build the same model")
                    }
                    theirs.append(answer)
                }
                note(line)
            }
            table.append(ModelComparison(id: row.id, zoo: .merged(ours), torch: theirs.isEmpty ? nil : .merged(theirs),
                                         torchMissing: torch == nil ? nil : row.torchMissing))
        }
        return table
    }

    // MARK: - Table

    static func format(ms: Double) -> String {
        ms >= 1000 ? String(format: "%.2f s", ms / 1000) : String(format: ms < 10 ? "%.3f ms" : "%.1f ms", ms)
    }

    static func format(mb: Double) -> String {
        mb >= 1024 ? String(format: "%.2f GB", mb / 1024) : String(format: "%.0f MB", mb)
    }

    static let titles = ["row", "zoo", "PyTorch", "ratio", "zoo peak RSS", "PyTorch peak RSS", "ratio"]

    static func cells(_ row: ModelComparison) -> [String] {
        [row.id, format(ms: row.zoo.ms), row.torch.map { format(ms: $0.ms) } ?? "-",
         row.timeRatio.map { String(format: "%.2f", $0) } ?? "-", format(mb: row.zoo.peak_rss_mb),
         row.torch.map { format(mb: $0.peak_rss_mb) } ?? "-", row.memoryRatio.map { String(format: "%.2f", $0) } ?? "-"]
    }

    static let footnote = "times: median of the timed runs; ratio = zoo / PyTorch (below 1: zoo is faster or "
        + "smaller); peak RSS: ru_maxrss of a fresh process that ran only that row (model, inputs, warm-up and "
        + "timed runs; PyTorch's includes the ~220 MB of the imported torch)"

    /// One line per row that has no PyTorch side, saying why.
    static func missingNotes(_ rows: [ModelComparison]) -> [String] {
        rows.compactMap { row in row.torchMissing.map { "\(row.id): no PyTorch run, \($0)" } }
    }

    /// Aligned columns for the terminal.
    static func text(_ rows: [ModelComparison], header: String) -> String {
        ([header] + BenchTable.aligned(titles, rows.map(cells)) + [footnote] + missingNotes(rows)).joined(separator: "\n")
    }

    /// A Markdown table with the header line above it.
    static func markdown(_ rows: [ModelComparison], header: String) -> String {
        ([header, ""] + BenchTable.markdownLines(titles, rows.map(cells)) + ["", footnote] + missingNotes(rows) + [""])
            .joined(separator: "\n")
    }
}

extension ZooBenchCommand {
    /// `zoo bench --model NAME [--torch PYTHON --reference DIR]`.
    func runModelRows(_ family: any ModelBenchmark, system: SystemInfo, blas: OpenBLASInfo) throws {
        let rows = try selectedModelRows(family, filter: filter)
        // The family's script sits next to bench_torch.py in Tools/bench.
        let torch = try python.map { python in
            ModelBenchRun.TorchSide(
                python: python,
                script: try torchScript.map { try TorchSession.locateScript($0) }
                    ?? URL(fileURLWithPath: try TorchSession.locateScript(nil)).deletingLastPathComponent()
                    .appendingPathComponent(family.torchScript).path,
                reference: reference!)
        }
        if let reference = torch?.reference,
           !FileManager.default.fileExists(atPath: reference + "/" + family.referenceMarker) {
            throw ZooError("--reference \(reference) does not hold the \(family.name) reference code "
                           + "(\(family.referenceMarker) of \(family.referenceRepository))")
        }
        note("zoo bench --model \(family.name): \(rows.count) rows, each in a fresh process; OpenBLAS \(blas.kernel) "
             + "kernel, \(blas.threads) BLAS threads, \(system.cpu.cores) cores")
        if let load = Self.loadAverage(), load > 0.5 * Double(system.cpu.cores) {
            note(String(format: "warning: the machine is busy (load average %.2f); timings will be noisy", load))
        }
        let table = try ModelBenchRun.run(rows, of: family, torch: torch, rounds: rounds)
        var header = "OpenBLAS \(blas.kernel) kernel, \(blas.threads) threads; "
            + "\(system.cpu.model.isEmpty ? "CPU" : system.cpu.model), \(system.cpu.cores) cores"
        if let sample = table.lazy.compactMap(\.torch).first {
            header += "; PyTorch \(sample.torch ?? "?"), \(sample.threads.map { "\($0) threads" } ?? "")"
        }
        if rounds > 1 { header += "; \(rounds) rounds, zoo and PyTorch alternating" }
        print(json ? try BenchTable.json(table, header: header) : ModelBenchRun.text(table, header: header))
        try writeMarkdown(ModelBenchRun.markdown(table, header: header))
    }
}
