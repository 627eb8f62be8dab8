// `zoo bench --model rvd`: the rows (RVD's training step and denoiser at a preset) and the worker that
// times one row in its own process, so that the process's peak memory is the row's. The PyTorch side is
// Tools/bench/bench_rvd_torch.py; BenchRVDRun.swift runs both sides row by row and joins them.

import Foundation
import RVD
import ZooCore
import ZooCLI

/// One row of the RVD benchmark: a preset's model, the work to time and its size.
struct RVDBenchRow: Sendable {
    enum Work: String, Sendable { case train, denoise }

    /// The preset name (RVDConfig.presets) and its config, read when the row is made.
    var preset: String
    var config: RVDConfig
    var work: Work
    var batch: Int
    /// Frames per training clip (train rows only).
    var frames: Int
    /// Untimed and timed runs.
    var warmup: Int
    var repetitions: Int

    /// "rvd bair64 train b8x8" or "rvd bair64 denoiser b1".
    var id: String {
        work == .train ? "rvd \(preset) train b\(batch)x\(frames)" : "rvd \(preset) denoiser b\(batch)"
    }

    /// The rows compared with the reference code (bair64: training step at batch 8 and 1 of 8-frame clips,
    /// denoiser at batch 1) and the training step of `cpu`, the default preset of `zoo train rvd`, at its own
    /// batch and clip length.
    /// `quick`: one warm-up and two timed runs per row.
    static func all(quick: Bool = false) -> [RVDBenchRow] {
        let bair = RVDConfig.bair64, cpu = RVDConfig.cpu
        func row(_ preset: String, _ config: RVDConfig, _ work: Work, batch: Int, warmup: Int, repetitions: Int)
            -> RVDBenchRow
        {
            RVDBenchRow(preset: preset, config: config, work: work, batch: batch, frames: config.trainClipLength,
                        warmup: quick ? 1 : warmup, repetitions: quick ? 2 : repetitions)
        }
        return [
            row("bair64", bair, .train, batch: 8, warmup: 1, repetitions: 3),
            row("bair64", bair, .train, batch: 1, warmup: 1, repetitions: 5),
            row("bair64", bair, .denoise, batch: 1, warmup: 3, repetitions: 20),
            row("cpu", cpu, .train, batch: cpu.batchSize, warmup: 1, repetitions: 5),
        ]
    }

    /// The diffusion step the denoiser row evaluates (as bench_rvd_torch.py: 800, or the last step).
    var denoiserStep: Int { Swift.min(800, config.diffusionSteps - 1) }

    /// Builds the model (PyTorch-default initial weights from seed 0) and the inputs (uniform in
    /// [−1, 1]; the denoiser's noisy input standard normal), and returns the work to time with the
    /// model's parameter count. Train: `RVD.trainStep` (loss, gradients, Adam). Denoise: one denoiser
    /// call without a tape, on the context maps of one frame read by the context net.
    func prepare() -> (parameters: Int, work: () -> Void) {
        var rng = RandomGenerator(seed: 0)
        let model = RVD(config: config, rng: &rng)
        let c = config.contract
        func uniform(_ shape: [Int]) -> Tensor {
            Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in rng.uniform(-1, 1) })
        }
        switch work {
        case .train:
            let batch = VideoBatch(frames: uniform([batch, frames, c.channels, c.height, c.width]))
            let optimizers = model.makeOptimizers(learningRate: config.learningRate)
            var stepRNG = RandomGenerator(seed: 1)
            var step = 0
            return (model.parameterCount, {
                _ = model.trainStep(batch, optimizers: optimizers, step: step, rng: &stepRNG)
                step += 1
            })
        case .denoise:
            let frame = uniform([batch, c.channels, c.height, c.width])
            let x = Benchmark.randomTensor([batch, c.channels, c.height, c.width], rng: &rng)
            let t = [Int](repeating: denoiserStep, count: batch)
            let context = noGrad { () -> [Tensor] in
                var state = model.zeroState(batch: batch)
                return model.read(frame, state: &state).context
            }
            return (model.parameterCount, { noGrad { _ = model.denoiser(x, t: t, context: context) } })
        }
    }

    /// The config fields bench_rvd_torch.py reads (`--config`), so that PyTorch builds the same model.
    func torchConfigJSON() throws -> String {
        struct TorchConfig: Encodable {
            var channels, height, width, dim: Int
            var dim_mults, transform_dim_mults: [Int]
            var context_dim_factor, transform_dim_factor: Double
            var residual: Bool
            var diffusion_steps: Int
            var loss, objective: String
            var learning_rate: Double
        }
        let objective: String
        switch config.objective {
        case .epsilon: objective = "noise"
        case .x0: objective = "pred_true"
        case .v: throw ZooError("\(id): the reference code has no v-prediction")
        }
        let c = config.contract
        let torch = TorchConfig(channels: c.channels, height: c.height, width: c.width, dim: config.dim,
                                dim_mults: config.dimMults, transform_dim_mults: config.transformDimMults,
                                context_dim_factor: config.contextDimFactor,
                                transform_dim_factor: config.transformDimFactor, residual: config.residual,
                                diffusion_steps: config.diffusionSteps, loss: config.loss, objective: objective,
                                learning_rate: config.learningRate)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(torch), as: UTF8.self)
    }

    /// bench_rvd_torch.py's arguments for this row.
    func torchArguments(script: String, reference: String) throws -> [String] {
        var arguments = [script, "--ref", reference, "--config", try torchConfigJSON(), "--work", work.rawValue,
                         "--batch", "\(batch)", "--warmup", "\(warmup)", "--repeats", "\(repetitions)",
                         "--threads", "2"]
        if work == .train { arguments += ["--frames", "\(frames)"] }
        return arguments
    }
}

/// What one side reports for one row (zoo's worker and bench_rvd_torch.py print the same fields).
struct RVDBenchSample: Codable, Sendable {
    /// Median and every timed run, milliseconds.
    var ms: Double
    var samples_ms: [Double]
    /// The process's peak resident memory (ru_maxrss) at the end, and its resident memory before the
    /// model was built, MB.
    var peak_rss_mb: Double
    var baseline_rss_mb: Double
    var parameters: Int
    /// PyTorch's version and thread count (bench_rvd_torch.py only).
    var torch: String?
    var threads: Int?
}

enum RVDBenchWorker {
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

    /// Times `row` in this process (warm-up, then exactly `repetitions` timed runs) and returns the sample.
    static func measure(_ row: RVDBenchRow) -> RVDBenchSample {
        let baseline = currentRSSMegabytes()
        var parameters = 0
        let benchmarkRow = BenchmarkRow(id: row.id) {
            let prepared = row.prepare()
            parameters = prepared.parameters
            return prepared.work
        }
        let options = BenchmarkOptions(warmup: row.warmup, repetitions: row.repetitions,
                                       minimumRepetitions: row.repetitions, secondsPerRow: 0)
        let result = Benchmark.measure(benchmarkRow, options: options)
        return RVDBenchSample(ms: result.milliseconds, samples_ms: result.samples, peak_rss_mb: peakRSSMegabytes(),
                              baseline_rss_mb: baseline, parameters: parameters, torch: nil, threads: nil)
    }

    /// `zoo bench --model rvd --worker ID`: times one row and prints its sample as one JSON line.
    static func run(_ row: RVDBenchRow) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        print(String(decoding: try encoder.encode(measure(row)), as: UTF8.self))
    }
}
