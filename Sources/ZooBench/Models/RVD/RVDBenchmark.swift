// `zoo bench --model rvd`: RVD's training step and denoiser at a preset, against the reference code
// (Tools/bench/bench_rvd_torch.py).

import Foundation
import RVD
import ZooCore
import ZooCLI

/// RVD's rows: the training step and the denoiser at a preset, against github.com/buggyyang/RVD
/// (Tools/bench/bench_rvd_torch.py).
struct RVDBenchmark: ModelBenchmark {
    let name = "rvd"
    let referenceRepository = "github.com/buggyyang/RVD"
    let referenceMarker = "modules/denoising_diffusion.py"
    let torchScript = "bench_rvd_torch.py"

    static let configs: [String: RVDConfig] = ["bair64": .bair64, "cpu": .cpu, "tiny": .tiny]

    /// The rows compared with the reference code (bair64: training step at batch 8 and 1 of 8-frame clips,
    /// denoiser at batch 1) and the training step of `cpu`, the default preset of `zoo train rvd`, at its own
    /// batch and clip length.
    func rows(quick: Bool) -> [ModelBenchRow] {
        let bair = RVDConfig.bair64, cpu = RVDConfig.cpu
        return [
            row("bair64", batch: 8, frames: bair.trainClipLength, repetitions: 3, quick: quick),
            row("bair64", batch: 1, frames: bair.trainClipLength, repetitions: 5, quick: quick),
            row("bair64", "denoise", batch: 1, frames: 1, warmup: 3, repetitions: 20, quick: quick),
            row("cpu", batch: cpu.batchSize, frames: cpu.trainClipLength, repetitions: 5, quick: quick),
        ]
    }

    func config(_ row: ModelBenchRow) throws -> RVDConfig {
        guard let config = Self.configs[row.preset] else { throw ZooError("rvd benchmark: no preset \(row.preset)") }
        return config
    }

    /// The diffusion step the denoiser row evaluates (as bench_rvd_torch.py: 800, or the last step).
    static func denoiserStep(_ config: RVDConfig) -> Int { Swift.min(800, config.diffusionSteps - 1) }

    /// Builds the model (PyTorch-default initial weights from seed 0) and the inputs (uniform in
    /// [−1, 1]; the denoiser's noisy input standard normal). Train: `RVD.trainStep` (loss, gradients,
    /// Adam). Denoise: one denoiser call without a tape, on the context maps of one frame read by the
    /// context net.
    func prepare(_ row: ModelBenchRow) throws -> PreparedBenchWork {
        let config = try config(row)
        var rng = RandomGenerator(seed: 0)
        let model = RVD(config: config, rng: &rng)
        let c = config.contract
        switch row.work {
        case "train":
            return TrainStepWork.prepare(model, row: row, rng: &rng)
        case "denoise":
            let batch = row.batch
            let frame = TrainStepWork.uniformClips(batch: batch, frames: 1, contract: c, rng: &rng).frames
                .reshaped([batch, c.channels, c.height, c.width])
            let x = Benchmark.randomTensor([batch, c.channels, c.height, c.width], rng: &rng)
            let t = [Int](repeating: Self.denoiserStep(config), count: batch)
            let context = noGrad { () -> [Tensor] in
                var state = model.zeroState(batch: batch)
                return model.read(frame, state: &state).context
            }
            return PreparedBenchWork(parameters: model.parameterCount,
                                     work: { noGrad { _ = model.denoiser(x, t: t, context: context) } })
        default:
            throw ZooError("rvd benchmark: no work \(row.work)")
        }
    }

    /// The config fields bench_rvd_torch.py reads (`--config`), so that PyTorch builds the same model.
    func torchConfigJSON(_ row: ModelBenchRow) throws -> String {
        struct TorchConfig: Encodable {
            var channels, height, width, dim: Int
            var dim_mults, transform_dim_mults: [Int]
            var context_dim_factor, transform_dim_factor: Double
            var residual: Bool
            var diffusion_steps: Int
            var loss, objective: String
            var learning_rate: Double
        }
        let config = try config(row)
        let objective: String
        switch config.objective {
        case .epsilon: objective = "noise"
        case .x0: objective = "pred_true"
        case .v: throw ZooError("\(row.id): the reference code has no v-prediction")
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

    func torchArguments(_ row: ModelBenchRow) throws -> [String] {
        ["--config", try torchConfigJSON(row)]
    }
}
