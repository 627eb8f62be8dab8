// Timing harness for `zoo bench`: warm-up, repeated runs, medians. The rows live in BenchmarkRows.swift.

import Foundation
import ZooCore
import ZooCLI

/// How a benchmark row is reported: a time, or a rate computed from the row's floating-point work.
public enum BenchmarkUnit: String, Codable, Sendable {
    case milliseconds = "ms"
    case gflops = "GFLOP/s"
}

/// One benchmark: an id shared with Tools/bench/bench_torch.py, and a factory that prepares inputs and
/// returns the work to time.
public struct BenchmarkRow {
    /// Row name, identical in the PyTorch script (the two outputs are joined on it).
    public let id: String
    /// How the row is reported.
    public let unit: BenchmarkUnit
    /// Floating-point operations in one run of the work (needed for `.gflops` rows).
    public let flop: Double?
    /// BLAS thread count while the row runs (nil leaves it alone).
    public let blasThreads: Int?
    /// Allocates the inputs (not timed) and returns the work (timed).
    public let prepare: () -> () -> Void

    /// Creates a row; see the property docs.
    public init(id: String, unit: BenchmarkUnit = .milliseconds, flop: Double? = nil, blasThreads: Int? = nil,
                prepare: @escaping () -> () -> Void) {
        self.id = id
        self.unit = unit
        self.flop = flop
        self.blasThreads = blasThreads
        self.prepare = prepare
    }
}

/// Repetition counts for a benchmark run.
public struct BenchmarkOptions: Sendable {
    /// Untimed runs before measuring (first-touch page faults, caches, thread pools).
    public var warmup: Int
    /// Timed runs per row (at most).
    public var repetitions: Int
    /// Fewest timed runs per row, however slow the row is.
    public var minimumRepetitions: Int
    /// Stop timing a row after this many seconds once `minimumRepetitions` runs are done.
    public var secondsPerRow: Double

    /// The full benchmark: 2 warm-up runs, up to 10 timed runs (at least 5) or about 4 s per row.
    public static let standard = BenchmarkOptions(warmup: 2, repetitions: 10, minimumRepetitions: 5, secondsPerRow: 4)
    /// `--quick`: 1 warm-up, 3 timed runs.
    public static let quick = BenchmarkOptions(warmup: 1, repetitions: 3, minimumRepetitions: 3, secondsPerRow: 1)

    /// Creates options; see the property docs.
    public init(warmup: Int, repetitions: Int, minimumRepetitions: Int, secondsPerRow: Double) {
        self.warmup = warmup
        self.repetitions = repetitions
        self.minimumRepetitions = min(minimumRepetitions, repetitions)
        self.secondsPerRow = secondsPerRow
    }
}

/// A measured row.
public struct BenchmarkResult: Codable, Sendable, Equatable {
    /// The row id.
    public var id: String
    /// How the row is reported.
    public var unit: BenchmarkUnit
    /// Median time of one run, milliseconds.
    public var milliseconds: Double
    /// Every timed run, milliseconds, in the order they ran.
    public var samples: [Double]
    /// Floating-point work of one run (for GFLOP/s rows).
    public var flop: Double?

    /// Creates a result; see the property docs.
    public init(id: String, unit: BenchmarkUnit, milliseconds: Double, samples: [Double], flop: Double? = nil) {
        self.id = id
        self.unit = unit
        self.milliseconds = milliseconds
        self.samples = samples
        self.flop = flop
    }

    /// The reported value: milliseconds, or GFLOP/s from the median time.
    public var value: Double {
        switch unit {
        case .milliseconds: return milliseconds
        case .gflops: return (flop ?? 0) / (milliseconds * 1e6)
        }
    }
}

/// Runs benchmark rows.
public enum Benchmark {
    /// Median of `values` (mean of the middle two for an even count).
    public static func median(_ values: [Double]) -> Double {
        precondition(!values.isEmpty, "median of nothing")
        let sorted = values.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }

    /// Seconds on a monotonic clock.
    @inline(__always) public static func now() -> Double {
        Double(DispatchTime.now().uptimeNanoseconds) * 1e-9
    }

    /// Times one row: prepares it, runs `options.warmup` untimed runs, then timed runs.
    public static func measure(_ row: BenchmarkRow, options: BenchmarkOptions) -> BenchmarkResult {
        let savedThreads = BLAS.threadCount
        if let threads = row.blasThreads { BLAS.threadCount = threads }
        defer { if row.blasThreads != nil { BLAS.threadCount = savedThreads } }
        let work = row.prepare()
        for _ in 0..<options.warmup { work() }
        var samples: [Double] = []
        let start = now()
        while samples.count < options.repetitions {
            let t0 = now()
            work()
            samples.append((now() - t0) * 1e3)
            if samples.count >= options.minimumRepetitions, now() - start > options.secondsPerRow { break }
        }
        return BenchmarkResult(id: row.id, unit: row.unit, milliseconds: median(samples), samples: samples,
                               flop: row.flop)
    }

    /// Times each row in turn, calling `progress` after each (for a progress line on stderr).
    public static func run(_ rows: [BenchmarkRow], options: BenchmarkOptions,
                           progress: (BenchmarkResult, Int, Int) -> Void = { _, _, _ in }) -> [BenchmarkResult] {
        var results: [BenchmarkResult] = []
        for (index, row) in rows.enumerated() {
            let result = measure(row, options: options)
            results.append(result)
            progress(result, index + 1, rows.count)
        }
        return results
    }
}
