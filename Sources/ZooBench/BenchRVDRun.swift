// `zoo bench --model rvd`: runs each row in a fresh zoo worker process and then, with --torch, in a fresh
// bench_rvd_torch.py process, so both sides see the same machine conditions and each process's peak
// memory is that row's alone. Prints time and peak-memory ratios per row.

import Foundation
import ZooCore
import ZooCLI

/// One line of the RVD table.
struct RVDComparison: Encodable {
    var id: String
    var zoo: RVDBenchSample
    var torch: RVDBenchSample?
    /// zoo's median time over PyTorch's (< 1: zoo is faster).
    var timeRatio: Double?
    /// zoo's peak resident memory over PyTorch's (< 1: zoo needs less).
    var memoryRatio: Double?

    init(id: String, zoo: RVDBenchSample, torch: RVDBenchSample?) {
        self.id = id
        self.zoo = zoo
        self.torch = torch
        timeRatio = torch.map { zoo.ms / $0.ms }
        memoryRatio = torch.map { zoo.peak_rss_mb / $0.peak_rss_mb }
    }
}

enum RVDBenchRun {
    /// Where the PyTorch side is and what it needs.
    struct TorchSide {
        var python: String
        var script: String
        /// The extracted buggyyang/RVD repository.
        var reference: String
    }

    /// This executable's path, for the worker processes.
    static func executablePath() -> String {
        let link = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        if link != "/proc/self/exe", FileManager.default.isExecutableFile(atPath: link) { return link }
        return URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
    }

    /// Runs `executable arguments` with stderr passed through and decodes the last line of its stdout.
    static func runChild(_ executable: String, _ arguments: [String], what: String) throws -> RVDBenchSample {
        let (status, data) = try runProgram(executable, arguments, what: what)
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
        guard status == 0, let last = lines.last else {
            throw ZooError("\(what) exited with status \(status)")
        }
        do {
            return try JSONDecoder().decode(RVDBenchSample.self, from: Data(last.utf8))
        } catch {
            throw ZooError("could not read \(what)'s output line \"\(last.prefix(200))\" (\(error))")
        }
    }

    /// Runs the rows: zoo's worker, then PyTorch's, row by row.
    static func run(_ rows: [RVDBenchRow], torch: TorchSide?) throws -> [RVDComparison] {
        let zoo = executablePath()
        var table: [RVDComparison] = []
        for (index, row) in rows.enumerated() {
            note("[\(index + 1)/\(rows.count)] \(row.id): \(row.warmup) warm-up + \(row.repetitions) timed runs")
            let ours = try runChild(zoo, ["--model", "rvd", "--worker", row.id, "--warmup", "\(row.warmup)",
                                          "--repetitions", "\(row.repetitions)"], what: "the zoo worker for \(row.id)")
            var line = "    zoo \(format(ms: ours.ms)), peak \(format(mb: ours.peak_rss_mb))"
            var theirs: RVDBenchSample?
            if let torch {
                let sample = try runChild(torch.python, try row.torchArguments(script: torch.script,
                                                                                reference: torch.reference),
                                          what: "bench_rvd_torch.py for \(row.id)")
                line += "; PyTorch \(format(ms: sample.ms)), peak \(format(mb: sample.peak_rss_mb))"
                if sample.parameters != ours.parameters {
                    note("warning: \(row.id): PyTorch's model has \(sample.parameters) parameters, zoo's "
                         + "\(ours.parameters); the two sides do not build the same model")
                }
                theirs = sample
            }
            note(line)
            table.append(RVDComparison(id: row.id, zoo: ours, torch: theirs))
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

    static func cells(_ row: RVDComparison) -> [String] {
        [row.id, format(ms: row.zoo.ms), row.torch.map { format(ms: $0.ms) } ?? "-",
         row.timeRatio.map { String(format: "%.2f", $0) } ?? "-", format(mb: row.zoo.peak_rss_mb),
         row.torch.map { format(mb: $0.peak_rss_mb) } ?? "-", row.memoryRatio.map { String(format: "%.2f", $0) } ?? "-"]
    }

    static let footnote = "times: median of the timed runs; ratio = zoo / PyTorch (below 1: zoo is faster or "
        + "smaller); peak RSS: ru_maxrss of a fresh process that ran only that row (model, inputs, warm-up and "
        + "timed runs; PyTorch's includes the ~220 MB of the imported torch)"

    /// Aligned columns for the terminal.
    static func text(_ rows: [RVDComparison], header: String) -> String {
        ([header] + BenchTable.aligned(titles, rows.map(cells)) + [footnote]).joined(separator: "\n")
    }

    /// A Markdown table with the header line above it.
    static func markdown(_ rows: [RVDComparison], header: String) -> String {
        ([header, ""] + BenchTable.markdownLines(titles, rows.map(cells)) + ["", footnote, ""]).joined(separator: "\n")
    }
}

extension ZooBenchCommand {
    /// `zoo bench --model rvd [--torch PYTHON --reference DIR]`.
    func runModelRows(system: SystemInfo, blas: OpenBLASInfo) throws {
        let rows = selectedModelRows(filter: filter)
        // Tools/bench/bench_rvd_torch.py sits next to bench_torch.py.
        let torch = try python.map { python in
            RVDBenchRun.TorchSide(python: python, script: try torchScript.map { try TorchSession.locateScript($0) }
                                      ?? URL(fileURLWithPath: try TorchSession.locateScript(nil)).deletingLastPathComponent()
                                      .appendingPathComponent("bench_rvd_torch.py").path,
                                  reference: reference!)
        }
        if let reference = torch?.reference,
           !FileManager.default.fileExists(atPath: reference + "/modules/denoising_diffusion.py") {
            throw ZooError("\(reference) does not hold the reference RVD code (modules/denoising_diffusion.py)")
        }
        note("zoo bench --model rvd: \(rows.count) rows, each in a fresh process; OpenBLAS \(blas.kernel) kernel, "
             + "\(blas.threads) BLAS threads, \(system.cpu.cores) cores")
        if let load = Self.loadAverage(), load > 0.5 * Double(system.cpu.cores) {
            note(String(format: "warning: the machine is busy (load average %.2f); timings will be noisy", load))
        }
        let table = try RVDBenchRun.run(rows, torch: torch)
        var header = "OpenBLAS \(blas.kernel) kernel, \(blas.threads) threads; "
            + "\(system.cpu.model.isEmpty ? "CPU" : system.cpu.model), \(system.cpu.cores) cores"
        if let sample = table.lazy.compactMap(\.torch).first {
            header += "; PyTorch \(sample.torch ?? "?"), \(sample.threads.map { "\($0) threads" } ?? "")"
        }
        print(json ? try BenchTable.json(table, header: header) : RVDBenchRun.text(table, header: header))
        try writeMarkdown(RVDBenchRun.markdown(table, header: header))
    }
}
