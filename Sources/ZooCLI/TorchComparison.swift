// Runs Tools/bench/bench_torch.py with a given Python and joins its timings to zoo's, row by row.
import Foundation
import ZooCore

/// PyTorch's timings as bench_torch.py prints them.
struct TorchBenchmarkOutput: Decodable {
    struct Row: Decodable {
        var id: String
        var ms: Double
        var samples: [Double]
    }
    var torch: String
    /// "MKL" when PyTorch's matrix products use MKL (absent in older script output).
    var blas: String?
    var threads: Int
    var rows: [Row]
    var missing: [String]
}

/// One line of the comparison table.
struct ComparisonRow: Encodable {
    var id: String
    var unit: BenchmarkUnit
    /// zoo's value (ms or GFLOP/s) and median milliseconds.
    var ours: Double
    var oursMilliseconds: Double
    /// PyTorch's value in the same unit and its median milliseconds (nil when not run).
    var torch: Double?
    var torchMilliseconds: Double?
    /// zoo's time divided by PyTorch's (< 1: zoo is faster).
    var ratio: Double? { torchMilliseconds.map { oursMilliseconds / $0 } }

    enum CodingKeys: String, CodingKey { case id, unit, ours, oursMilliseconds, torch, torchMilliseconds, ratio }
    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(unit, forKey: .unit)
        try c.encode(ours, forKey: .ours)
        try c.encode(oursMilliseconds, forKey: .oursMilliseconds)
        try c.encodeIfPresent(torch, forKey: .torch)
        try c.encodeIfPresent(torchMilliseconds, forKey: .torchMilliseconds)
        try c.encodeIfPresent(ratio, forKey: .ratio)
    }

    /// Joins our result with PyTorch's row of the same id (PyTorch's GFLOP/s use our flop count).
    init(_ result: BenchmarkResult, torch row: TorchBenchmarkOutput.Row?) {
        id = result.id
        unit = result.unit
        ours = result.value
        oursMilliseconds = result.milliseconds
        torchMilliseconds = row?.ms
        if let ms = row?.ms {
            torch = result.unit == .gflops ? (result.flop ?? 0) / (ms * 1e6) : ms
        }
    }
}

/// Finds and runs the PyTorch benchmark script.
enum TorchBenchmark {
    /// The script: `explicit` if given, else Tools/bench/bench_torch.py under the current directory, next to
    /// the executable's package, or in the source tree this binary was built from.
    static func locateScript(_ explicit: String?) throws -> String {
        let relative = "Tools/bench/bench_torch.py"
        let fm = FileManager.default
        if let explicit {
            guard fm.fileExists(atPath: explicit) else { throw ZooError("no PyTorch benchmark script at \(explicit)") }
            return explicit
        }
        var candidates = [fm.currentDirectoryPath + "/" + relative]
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<5 {
            candidates.append(dir.appendingPathComponent(relative).path)
            dir.deleteLastPathComponent()
        }
        // Sources/ZooCLI/TorchComparison.swift → the package root.
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        candidates.append(source.appendingPathComponent(relative).path)
        if let found = candidates.first(where: { fm.fileExists(atPath: $0) }) { return found }
        throw ZooError("cannot find \(relative); run zoo from the repository root or pass --torch-script PATH")
    }

    /// Runs `python script --ids ... <timing options>`, streaming its stderr through, and decodes stdout.
    static func run(python: String, script: String, ids: [String], options: BenchmarkOptions) throws
        -> TorchBenchmarkOutput
    {
        let process = Process()
        var arguments = [script, "--ids", ids.joined(separator: ";"),
                         "--warmup", "\(options.warmup)", "--repetitions", "\(options.repetitions)",
                         "--min-repetitions", "\(options.minimumRepetitions)",
                         "--seconds-per-row", "\(options.secondsPerRow)"]
        if python.contains("/") {
            process.executableURL = URL(fileURLWithPath: python)
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            arguments.insert(python, at: 0)
        }
        process.arguments = arguments
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = FileHandle.standardError
        do {
            try process.run()
        } catch {
            throw ZooError("cannot start \(python): \(error.localizedDescription)")
        }
        let data = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ZooError("the PyTorch benchmark (\(python) \(script)) exited with status \(process.terminationStatus); "
                           + "is torch installed for that python?")
        }
        do {
            return try JSONDecoder().decode(TorchBenchmarkOutput.self, from: data)
        } catch {
            let text = String(decoding: data.prefix(300), as: UTF8.self)
            throw ZooError("could not read the PyTorch benchmark's JSON (\(error)); it printed: \(text)")
        }
    }
}
