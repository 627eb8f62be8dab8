// The model benchmarks of `zoo bench --model NAME`: what a model family provides (its rows, the work each
// row times, its PyTorch script and where that script finds the reference code), the row, the sample each
// side reports and the worker that times one row in its own process. ModelBenchRun.swift runs both sides;
// each family lives in a folder of its own next to this file.

import Foundation
import ZooCore
import ZooCLI

/// One row of a model benchmark: a preset's model, the work to time and its size.
struct ModelBenchRow: Sendable, Equatable {
    /// The family's `--model` name and the preset (the model's own preset names).
    var family: String
    var preset: String
    /// What is timed: "train" (one training step: forward, backward, every optimizer update) or a
    /// family's own work (RVD: "denoise").
    var work: String
    /// Clips per batch and frames per clip (train rows).
    var batch: Int
    var frames: Int
    /// Untimed and timed runs.
    var warmup: Int
    var repetitions: Int
    /// Why the PyTorch side has no counterpart for this row (nil: it has one).
    var torchMissing: String? = nil

    /// "svg-lp bair64-lstm train b2x12", "rvd bair64 denoiser b1".
    var id: String {
        work == "denoise" ? "\(family) \(preset) denoiser b\(batch)" : "\(family) \(preset) \(work) b\(batch)x\(frames)"
    }
}

/// What `prepare` returns: the model's parameter count and the work to time (one call = one repetition).
struct PreparedBenchWork {
    var parameters: Int
    var work: () -> Void
}

/// A model family's benchmark: its rows and how each row maps onto zoo and onto the reference code.
protocol ModelBenchmark: Sendable {
    /// The `--model` name (the registry name of the family).
    var name: String { get }
    /// Where the reference code comes from, e.g. "github.com/edenton/svg".
    var referenceRepository: String { get }
    /// A file, relative to `--reference`, that the extracted reference code holds (checked before a run).
    var referenceMarker: String { get }
    /// The PyTorch side: a script in Tools/bench.
    var torchScript: String { get }
    /// The rows, in the order they run. `quick`: one warm-up and two timed runs each.
    func rows(quick: Bool) -> [ModelBenchRow]
    /// Builds the model and inputs of `row` (weights from seed 0) and returns the work to time.
    func prepare(_ row: ModelBenchRow) throws -> PreparedBenchWork
    /// The script's arguments for `row` besides the common ones (`--ref`, `--preset`, `--work`, `--batch`,
    /// `--frames`, `--warmup`, `--repeats`, `--threads`), e.g. the zoo config the script builds from.
    func torchArguments(_ row: ModelBenchRow) throws -> [String]
}

extension ModelBenchmark {
    /// A row of this family with the quick setting applied.
    func row(_ preset: String, _ work: String = "train", batch: Int, frames: Int, warmup: Int = 1, repetitions: Int,
             quick: Bool, torchMissing: String? = nil) -> ModelBenchRow {
        ModelBenchRow(family: name, preset: preset, work: work, batch: batch, frames: frames,
                      warmup: quick ? 1 : warmup, repetitions: quick ? 2 : repetitions, torchMissing: torchMissing)
    }

    /// The script's full argument list for `row`.
    func fullTorchArguments(_ row: ModelBenchRow, script: String, reference: String, threads: Int = 2) throws -> [String] {
        [script, "--ref", reference, "--preset", row.preset, "--work", row.work, "--batch", "\(row.batch)",
         "--frames", "\(row.frames)", "--warmup", "\(row.warmup)", "--repeats", "\(row.repetitions)",
         "--threads", "\(threads)"] + (try torchArguments(row))
    }
}

/// The families `--model` accepts, in the order `--help` lists them.
enum ModelBenchmarks {
    static let all: [any ModelBenchmark] = [
        RVDBenchmark(), SVGLPBenchmark(), IVRNNBenchmark(), RetroGANBenchmark(), DVDGANBenchmark(),
        FutureGANBenchmark(),
    ]

    static var names: [String] { all.map(\.name) }

    /// The family named `name`; an unknown name is an error that lists the known ones.
    static func named(_ name: String) throws -> any ModelBenchmark {
        guard let family = all.first(where: { $0.name == name }) else {
            throw ZooError("--model: no benchmark for \"\(name)\"; models with benchmark rows: "
                           + names.joined(separator: ", "))
        }
        return family
    }
}

// MARK: - Training-step rows through the model protocol

enum TrainStepWork {
    /// Uniform frames in [−1, 1], [batch, frames, C, H, W], from `rng`.
    static func uniformClips(batch: Int, frames: Int, contract: ClipContract, rng: inout RandomGenerator) -> VideoBatch {
        let shape = [batch, frames, contract.channels, contract.height, contract.width]
        return VideoBatch(frames: Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in rng.uniform(-1, 1) }))
    }

    /// One `trainStep` per call (forward, backward, every optimizer group's update) of `model` on one
    /// random batch, with the model's own optimizers at its default learning rate. `firstStep` is the step
    /// number of the first call (a growing model's stage and fade-in follow from it).
    static func prepare(_ model: any VideoPredictor, row: ModelBenchRow, firstStep: Int = 0,
                        rng: inout RandomGenerator) -> PreparedBenchWork {
        let batch = uniformClips(batch: row.batch, frames: row.frames, contract: model.contract, rng: &rng)
        let optimizers = model.makeOptimizers(learningRate: model.trainingDefaults.learningRate)
        var stepRNG = RandomGenerator(seed: 1)
        var step = firstStep
        return PreparedBenchWork(parameters: model.parameterCount, work: {
            _ = model.trainStep(batch, optimizers: optimizers, step: step, rng: &stepRNG)
            step += 1
        })
    }

    /// The model's config as one line of JSON (the PyTorch scripts read the fields they need from it).
    static func configJSON(_ model: any VideoPredictor) throws -> String {
        String(decoding: try model.configJSON(), as: UTF8.self)
    }
}

// MARK: - The worker

/// What one side reports for one row (zoo's worker and the Tools/bench scripts print the same fields).
struct ModelBenchSample: Codable, Sendable {
    /// Median and every timed run, milliseconds.
    var ms: Double
    var samples_ms: [Double]
    /// The process's peak resident memory (ru_maxrss) at the end, and its resident memory before the
    /// model was built, MB.
    var peak_rss_mb: Double
    var baseline_rss_mb: Double
    var parameters: Int
    /// PyTorch's version and thread count (the scripts only).
    var torch: String?
    var threads: Int?

    /// Several rounds of one side joined: the median of all timed runs and the largest peak.
    static func merged(_ rounds: [ModelBenchSample]) -> ModelBenchSample {
        precondition(!rounds.isEmpty, "a row needs at least one round")
        guard rounds.count > 1 else { return rounds[0] }
        var out = rounds[0]
        out.samples_ms = rounds.flatMap(\.samples_ms)
        out.ms = Benchmark.median(out.samples_ms)
        out.peak_rss_mb = rounds.map(\.peak_rss_mb).max()!
        out.baseline_rss_mb = rounds.map(\.baseline_rss_mb).min()!
        return out
    }
}

enum ModelBenchWorker {
    /// The process's peak resident memory so far (ru_maxrss), MB.
    static func peakRSSMegabytes() -> Double {
        var usage = rusage()
        #if os(Linux)
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_maxrss) / 1024   // KB on Linux
        #else
        getrusage(RUSAGE_SELF, &usage)
        return Double(usage.ru_maxrss) / (1024 * 1024)   // bytes on macOS
        #endif
    }

    /// The process's resident memory now (/proc/self/statm), MB; 0 where there is no /proc.
    static func currentRSSMegabytes() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
              let pages = text.split(separator: " ").dropFirst().first.flatMap({ Double($0) }) else { return 0 }
        return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / (1024 * 1024)
    }

    /// Times `row` of `family` in this process (warm-up, then exactly `repetitions` timed runs).
    static func measure(_ row: ModelBenchRow, of family: any ModelBenchmark) throws -> ModelBenchSample {
        let baseline = currentRSSMegabytes()
        let prepared = try family.prepare(row)
        let benchmarkRow = BenchmarkRow(id: row.id) { prepared.work }
        let options = BenchmarkOptions(warmup: row.warmup, repetitions: row.repetitions,
                                       minimumRepetitions: row.repetitions, secondsPerRow: 0)
        let result = Benchmark.measure(benchmarkRow, options: options)
        return ModelBenchSample(ms: result.milliseconds, samples_ms: result.samples, peak_rss_mb: peakRSSMegabytes(),
                                baseline_rss_mb: baseline, parameters: prepared.parameters, torch: nil, threads: nil)
    }

    /// `zoo bench --model NAME --worker ID`: times one row and prints its sample as one JSON line.
    static func run(_ row: ModelBenchRow, of family: any ModelBenchmark) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        print(String(decoding: try encoder.encode(measure(row, of: family)), as: UTF8.self))
    }
}

/// A family whose rows are training steps of its own presets, built and stepped through the model
/// protocol: it names its presets and how a model is made from one; the rest comes from here.
protocol PresetTrainBenchmark: ModelBenchmark {
    associatedtype Config: Encodable
    /// The model's presets by name (its `presets` table).
    var presets: KeyValuePairs<String, Config> { get }
    /// The model for `config`, ready for its first timed step, with weights drawn from `rng`.
    func makeModel(_ config: Config, rng: inout RandomGenerator) throws -> any VideoPredictor
    /// The step number of the first timed step (default 0).
    func firstStep(_ config: Config) -> Int
}

extension PresetTrainBenchmark {
    func firstStep(_ config: Config) -> Int { 0 }

    /// The preset named `name`, or an error naming it.
    func config(_ name: String) throws -> Config {
        guard let config = presets.first(where: { $0.key == name })?.value else {
            throw ZooError("\(self.name) benchmark: no preset \(name); presets: "
                           + presets.map(\.key).joined(separator: ", "))
        }
        return config
    }

    /// The row's training step (weights from seed 0).
    func prepare(_ row: ModelBenchRow) throws -> PreparedBenchWork {
        guard row.work == "train" else { throw ZooError("\(name) benchmark: no work \(row.work)") }
        let config = try config(row.preset)
        var rng = RandomGenerator(seed: 0)
        let model = try makeModel(config, rng: &rng)
        return TrainStepWork.prepare(model, row: row, firstStep: firstStep(config), rng: &rng)
    }

    /// The preset's config as JSON (`--config`): the script reads the fields it needs.
    func torchArguments(_ row: ModelBenchRow) throws -> [String] {
        ["--config", String(decoding: try sortedJSON(try config(row.preset)), as: UTF8.self)]
    }
}
