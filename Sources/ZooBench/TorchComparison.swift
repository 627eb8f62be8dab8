// Runs Tools/bench/bench_torch.py with a given Python, row by row next to zoo's, and joins the timings.
import Foundation
import ZooCore
import ZooCLI

/// The first line bench_torch.py prints in `--serve` mode.
struct TorchHeader: Decodable {
    var torch: String
    /// "MKL" when PyTorch's matrix products use MKL.
    var blas: String?
    var threads: Int
}

/// One row's answer from bench_torch.py (`missing` when the script has no such row).
struct TorchRow: Decodable {
    var id: String
    var ms: Double?
    var samples: [Double]?
    var missing: Bool?
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
    /// With several rounds: each round's ratio of medians, in the order they ran (nil for one round).
    var roundRatios: [Double]?

    enum CodingKeys: String, CodingKey {
        case id, unit, ours, oursMilliseconds, torch, torchMilliseconds, ratio, roundRatios
    }
    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(unit, forKey: .unit)
        try c.encode(ours, forKey: .ours)
        try c.encode(oursMilliseconds, forKey: .oursMilliseconds)
        try c.encodeIfPresent(torch, forKey: .torch)
        try c.encodeIfPresent(torchMilliseconds, forKey: .torchMilliseconds)
        try c.encodeIfPresent(ratio, forKey: .ratio)
        try c.encodeIfPresent(roundRatios, forKey: .roundRatios)
    }

    /// Joins several rounds of one row: the medians of all zoo runs and of all PyTorch runs, and each
    /// round's ratio (when PyTorch answered every round).
    init(rounds ours: [BenchmarkResult], torch theirs: [TorchRow]) {
        precondition(!ours.isEmpty, "a row needs at least one round")
        let first = ours[0], samples = ours.flatMap(\.samples)
        let merged = ours.count == 1 ? first
            : BenchmarkResult(id: first.id, unit: first.unit, milliseconds: Benchmark.median(samples),
                              samples: samples, flop: first.flop)
        let torchSamples = theirs.flatMap { $0.samples ?? $0.ms.map { [$0] } ?? [] }
        self.init(merged, torchMilliseconds: torchSamples.isEmpty ? nil
                  : theirs.count == 1 ? theirs[0].ms : Benchmark.median(torchSamples))
        if ours.count > 1, theirs.count == ours.count {
            roundRatios = zip(ours, theirs).compactMap { o, t in t.ms.map { o.milliseconds / $0 } }
        }
    }

    /// Joins our result with PyTorch's median time for the same row (its GFLOP/s use our flop count).
    init(_ result: BenchmarkResult, torchMilliseconds ms: Double?) {
        id = result.id
        unit = result.unit
        ours = result.value
        oursMilliseconds = result.milliseconds
        torchMilliseconds = ms
        if let ms {
            torch = result.unit == .gflops ? (result.flop ?? 0) / (ms * 1e6) : ms
        }
    }
}

/// A running `bench_torch.py --serve`: send a row id, get its timings back.
final class TorchSession {
    let header: TorchHeader
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private var buffer = Data()
    private let description: String

    /// Starts `python script --serve <timing options>` and waits for its header line (torch imported).
    init(python: String, script: String, options: BenchmarkOptions) throws {
        signal(SIGPIPE, SIG_IGN)  // a crashed script must surface as an error, not kill zoo
        description = "\(python) \(script)"
        var arguments = [script, "--serve", "--warmup", "\(options.warmup)", "--repetitions", "\(options.repetitions)",
                         "--min-repetitions", "\(options.minimumRepetitions)",
                         "--seconds-per-row", "\(options.secondsPerRow)"]
        if python.contains("/") {
            process.executableURL = URL(fileURLWithPath: python)
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            arguments.insert(python, at: 0)
        }
        process.arguments = arguments
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        do {
            try process.run()
        } catch {
            throw ZooError("cannot start \(python): \(error.localizedDescription)")
        }
        header = try Self.decode(TorchHeader.self, from: try Self.readLine(output, &buffer, process, description))
    }

    /// Times one row in PyTorch.
    func measure(_ id: String) throws -> TorchRow {
        do {
            try input.fileHandleForWriting.write(contentsOf: Data((id + "\n").utf8))
        } catch {
            _ = try Self.readLine(output, &buffer, process, description)  // reports the exit status
            throw ZooError("the PyTorch benchmark stopped reading (\(error.localizedDescription))")
        }
        let row = try Self.decode(TorchRow.self, from: try Self.readLine(output, &buffer, process, description))
        guard row.id == id else { throw ZooError("the PyTorch benchmark answered \(row.id) for \(id)") }
        return row
    }

    /// Closes the script's input and waits for it to exit.
    func finish() {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    private static func readLine(_ pipe: Pipe, _ buffer: inout Data, _ process: Process, _ description: String)
        throws -> String
    {
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                buffer = Data(buffer[buffer.index(after: newline)...])
                return line
            }
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty {
                process.waitUntilExit()
                throw ZooError("the PyTorch benchmark (\(description)) exited with status "
                               + "\(process.terminationStatus); is torch installed for that python?")
            }
            buffer.append(chunk)
        }
    }

    private static func decode<T: Decodable>(_ type: T.Type, from line: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(line.utf8))
        } catch {
            throw ZooError("could not read the PyTorch benchmark's output line \"\(line.prefix(200))\" (\(error))")
        }
    }

    /// The script: `explicit` if given, else Tools/bench/bench_torch.py found from here, the executable
    /// (.build/release/zoo) or the source tree this binary was built from.
    static func locateScript(_ explicit: String?) throws -> String {
        try locateSourceTreeFile("Tools/bench/bench_torch.py", explicit: explicit, what: "PyTorch benchmark script",
                                 option: "--torch-script")
    }
}
