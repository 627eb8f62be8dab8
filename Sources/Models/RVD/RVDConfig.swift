// RVD's config and presets: the paper's four (bair64, kth64, city128, sim128), `tiny` for tests and
// `cpu`, the default of `zoo train rvd` (32x32 flow on two cores). Values with their sources in
// docs/models/rvd.md §2 (config.py of buggyyang/RVD).

import Foundation
import ZooCore

/// Everything that defines an RVD (or VD) model and its training.
public struct RVDConfig: Codable, Sendable, Equatable {
    /// Frame size, channels, context and predicted frames at evaluation.
    public var contract: ClipContract
    /// Base width of the denoiser and context net (`embed_dim`: 48 at 64x64, 64 at 128x128).
    public var dim: Int
    /// Width multipliers of the denoiser and the context net, one per resolution level.
    public var dimMults: [Int]
    /// Width multipliers of the transform net (`transform_dim_mults`).
    public var transformDimMults: [Int]
    /// `context_dim_factor` / `transform_dim_factor`: widths of the context and transform nets relative to `dim`.
    public var contextDimFactor: Double
    public var transformDimFactor: Double
    /// true: RVD (the transform net predicts μ and the denoiser models the residual); false: VD (μ = 0, σ = 1).
    public var residual: Bool
    /// The transform net's learned scale σ = clamp(exp(conv(h)), √2, 20√2) (the reference's dead
    /// "transform" branch). false: σ = 1, as the released code and models.
    public var learnedScale: Bool
    /// Diffusion steps N (`iteration_step`).
    public var diffusionSteps: Int
    /// "cosine" (s = 0.008, β ≤ 0.999) or "linear".
    public var schedule: String
    /// The denoiser's target (`pred_mode`: noise → epsilon, pred_true → x0).
    public var objective: Objective
    /// "l1" or "l2" between target and prediction (`loss_type`).
    public var loss: String
    /// x̂₀ is clamped to [−clip, clip] while sampling (`clip_noise`; nil: off).
    public var clip: Float?
    /// Frames read before the first loss term of a training clip (2 in the reference).
    public var burnInFrames: Int
    /// The sampler `predict` uses.
    public var sampler: SamplerSettings
    /// Training: frames per clip, clips per batch, steps, Adam's learning rate.
    public var trainClipLength: Int
    public var batchSize: Int
    public var steps: Int
    public var learningRate: Double
    /// The reference's LambdaLR, stepped every iteration from `lrDecayStart` on: lr·max(decay^k, floor)
    /// with k = step − lrDecayStart + 1 (a single drop 5e-5 → 1e-5 over seven steps at 100k).
    public var lrDecayStart: Int
    public var lrDecay: Double
    public var lrFloor: Double
    /// EMA: decay, interval, and the step before which the EMA is a hard copy.
    public var emaDecay: Float
    public var emaEvery: Int
    public var emaStart: Int

    /// Checks the fields that must agree.
    public func validate() throws {
        func fail(_ text: String) -> Error { PredictorError.invalidConfig("rvd: " + text) }
        let c = contract
        guard c.channels > 0, c.contextFrames >= 1, c.predictedFrames >= 1 else { throw fail("bad contract \(c)") }
        let levels = dimMults.count
        guard levels >= 2, transformDimMults.count >= 2 else { throw fail("need at least two resolution levels") }
        let stride = 1 << (Swift.max(levels, transformDimMults.count) - 1)
        guard c.height % stride == 0, c.width % stride == 0 else {
            throw fail("frames \(c.height)x\(c.width) must be divisible by \(stride) for \(levels) levels")
        }
        let widths = dimMults.map { dim * $0 } + dimMults.map { Int(contextDimFactor * Double(dim * $0)) }
            + transformDimMults.map { Int(transformDimFactor * Double(dim)) * $0 }
        guard widths.allSatisfy({ $0 > 0 && $0 % 8 == 0 }) else {
            throw fail("every level width must be a positive multiple of 8 (GroupNorm(8)), got \(widths)")
        }
        guard diffusionSteps >= 1 else { throw fail("diffusionSteps must be ≥ 1") }
        guard ["cosine", "linear"].contains(schedule) else { throw fail("schedule must be cosine or linear") }
        guard ["l1", "l2"].contains(loss) else { throw fail("loss must be l1 or l2") }
        guard burnInFrames >= 1, trainClipLength > burnInFrames else {
            throw fail("training clips need more than \(burnInFrames) burn-in frames, got \(trainClipLength)")
        }
        guard batchSize > 0, steps >= 0, learningRate > 0 else { throw fail("batch > 0, steps ≥ 0, learning rate > 0") }
        try sampler.validate(stepCount: diffusionSteps)
    }

    /// The noise schedule of `schedule` with `diffusionSteps` steps.
    public func makeSchedule() -> NoiseSchedule {
        schedule == "linear" ? .linear(steps: diffusionSteps) : .cosine(steps: diffusionSteps)
    }

    /// The learning-rate factor at trainer step `step` (RVD's schedule; see `lrDecayStart`).
    public func learningRateFactor(step: Int) -> Double {
        guard step >= lrDecayStart, step > 0 else { return 1 }
        return Swift.max(Foundation.pow(lrDecay, Double(step - lrDecayStart + 1)), lrFloor)
    }
}

// MARK: - Presets

extension RVDConfig {
    /// The reference's 64x64 configuration (dim 48, mults (1,2,4,8), transform (1,2,2,4), batch 2).
    static func paper64(channels: Int, predicted: Int) -> RVDConfig {
        RVDConfig(
            contract: ClipContract(channels: channels, height: 64, width: 64, contextFrames: 4, predictedFrames: predicted),
            dim: 48, dimMults: [1, 2, 4, 8], transformDimMults: [1, 2, 2, 4], contextDimFactor: 1,
            transformDimFactor: 1, residual: true, learnedScale: false, diffusionSteps: 1600, schedule: "cosine",
            objective: .epsilon, loss: "l1", clip: 2, burnInFrames: 2, sampler: .ddpm, trainClipLength: 8,
            batchSize: 2, steps: 1_000_000, learningRate: 5e-5, lrDecayStart: 100_000, lrDecay: 0.8, lrFloor: 0.2,
            emaDecay: 0.99, emaEvery: 5, emaStart: 2000)
    }

    /// The reference's 128x128 configuration (dim 64, mults (1,1,2,2,4,4), transform (1,2,3,4), batch 1).
    static func paper128(channels: Int) -> RVDConfig {
        var c = paper64(channels: channels, predicted: 16)
        c.contract = ClipContract(channels: channels, height: 128, width: 128, contextFrames: 4, predictedFrames: 16)
        c.dim = 64
        c.dimMults = [1, 1, 2, 2, 4, 4]
        c.transformDimMults = [1, 2, 3, 4]
        c.batchSize = 1
        return c
    }

    /// BAIR robot pushing: 64x64 RGB, 4 context + 16 predicted frames (37,611,414 parameters).
    public static let bair64 = paper64(channels: 3, predicted: 16)
    /// KTH actions: 64x64 gray, 4 context + 12 predicted frames (37,607,570 parameters).
    public static let kth64 = paper64(channels: 1, predicted: 12)
    /// Cityscapes: 128x128 RGB, 4 + 16 frames (43,613,702 parameters).
    public static let city128 = paper128(channels: 3)
    /// The vortex simulation: 128x128 gray, 4 + 16 frames (43,608,578 parameters).
    public static let sim128 = paper128(channels: 1)

    /// Tests: 16x16 gray, 2 + 3 frames, width 8, two levels, 20 diffusion steps, DDIM-5 sampling.
    public static let tiny: RVDConfig = {
        var c = paper64(channels: 1, predicted: 3)
        c.contract = ClipContract(channels: 1, height: 16, width: 16, contextFrames: 2, predictedFrames: 3)
        c.dim = 8
        c.dimMults = [1, 2]
        c.transformDimMults = [1, 2]
        c.diffusionSteps = 20
        c.sampler = .ddim(steps: 5, eta: 1)
        c.trainClipLength = 4
        c.batchSize = 2
        c.steps = 20
        c.learningRate = 1e-3
        c.emaStart = 0
        return c
    }()

    /// The CPU preset, the default of `zoo train rvd`: 32x32 gray flow, 4 + 16 frames, width 16 with three
    /// levels (denoiser/context (1,2,4), transform (1,2,2); 1,169,522 parameters), N = 1600, x₀-prediction
    /// (the reference's `pred_mode = "pred_true"`), Adam 1e-3, batch 8 of 8-frame clips, 400 steps; DDIM-25
    /// with η = 1 for sampling. See README.md for why and what was measured.
    public static let cpu: RVDConfig = {
        var c = paper64(channels: 1, predicted: 16)
        c.contract = ClipContract(channels: 1, height: 32, width: 32, contextFrames: 4, predictedFrames: 16)
        c.dim = 16
        c.dimMults = [1, 2, 4]
        c.transformDimMults = [1, 2, 2]
        c.objective = .x0
        c.sampler = .ddim(steps: 25, eta: 1)
        c.trainClipLength = 8
        c.batchSize = 8
        c.steps = 400
        c.learningRate = 1e-3
        return c
    }()

    /// Presets by name; the first is the default of `zoo train rvd`.
    public static let presets: KeyValuePairs<String, RVDConfig> = [
        "cpu": cpu, "tiny": tiny, "bair64": bair64, "kth64": kth64, "city128": city128, "sim128": sim128,
    ]
}
