// RVD's conformance to `VideoPredictor` and its registry entry.

import Foundation
import ZooCore

extension RVD: ConfiguredPredictor {
    public var contract: ClipContract { config.contract }
    public var isStochastic: Bool { true }

    /// The config's training settings; EMA as the reference's trainer (0.99 every 5 steps, a hard copy
    /// before `emaStart`).
    public var trainingDefaults: TrainingDefaults {
        TrainingDefaults(steps: config.steps, batchSize: config.batchSize, clipLength: config.trainClipLength,
                         learningRate: config.learningRate, emaDecay: config.emaDecay, emaEvery: config.emaEvery,
                         emaStart: config.emaStart)
    }

    /// One Adam (PyTorch defaults) over every parameter with the reference's LambdaLR: the factor
    /// max(0.8^k, 0.2), stepped every iteration from step 100k on (a drop to 1/5 over seven steps).
    public func makeOptimizers(learningRate: Double) -> OptimizerGroup {
        let group = OptimizerGroup()
        let config = self.config
        group.add("model", optimizer: Adam(learningRate: learningRate), parameters: namedParameters(),
                  schedule: .lambda(learningRate) { config.learningRateFactor(step: $0) })
        return group
    }

    /// One step: the diffusion loss of the batch (`loss(_:rng:)`), backward, one Adam update.
    public func trainStep(_ batch: VideoBatch, optimizers: OptimizerGroup, step: Int,
                          rng: inout RandomGenerator) -> StepLosses {
        let loss = self.loss(batch.frames, rng: &rng)
        optimizers.minimize(loss)
        return StepLosses(["loss": loss.item])
    }

    /// `sampleCount` samples per clip: the clips are repeated S times and sampled in one batch.
    public func predict(context: Tensor, frameCount: Int, sampleCount: Int, rng: inout RandomGenerator) -> Tensor {
        require(context.rank == 5 && sampleCount >= 1, "\(modelName): context must be [B, T, C, H, W], got \(context.shape)")
        let b = context.shape[0]
        let tail = Array(context.shape[1...])
        let repeated = context.unsqueezed(1).expanded(to: [b, sampleCount] + tail).reshaped([b * sampleCount] + tail)
        let frames = sample(context: repeated.copy(), frameCount: frameCount, rng: &rng)
        return frames.reshaped([b, sampleCount] + Array(frames.shape[1...]))
    }

    /// The sampler `predict` uses, as the option "sampler".
    public var options: [ModelOption] {
        [ModelOption(name: "sampler", summary: "the reverse process: ddpm (all N steps, the paper's), ddim:K (K steps, η = 0) or ddim:K:ETA",
                     valueName: "ddpm|ddim:K[:ETA]", current: config.sampler.text)]
    }

    public func setOption(_ name: String, to value: String) throws {
        guard name == "sampler" else {
            throw PredictorError.unknownOption(model: modelName, name: name, known: options.map(\.name))
        }
        do {
            let settings = try SamplerSettings(parsing: value)
            try settings.validate(stepCount: diffusionStepCount)
            samplerSettings = settings
        } catch let error as SamplerError {
            throw PredictorError.invalidOption(model: modelName, name: name, value: value,
                                               reason: "\(error) (\(modelName) has N = \(diffusionStepCount) steps)")
        }
    }

    /// The loss is noisy (a random step per clip), so the overfit check runs longer at a higher rate.
    public var conformanceHints: ConformanceHints {
        ConformanceHints(overfitSteps: 60, overfitLearningRate: 2e-3, gradientSteps: 2)
    }
}

extension RVD {
    /// The registry entry "rvd".
    public static let entry = ModelEntry.create(
        name: "rvd",
        summary: "Residual Video Diffusion: a recurrent next-frame mean plus a diffusion model of the residual.",
        paper: "Yang, Srivastava & Mandt, Diffusion Probabilistic Modeling for Video Generation, arXiv 2203.09481 (Entropy 2023)",
        presets: RVDConfig.presets,
        validate: { config in
            guard config.residual else { throw PredictorError.invalidConfig("rvd: residual must be true (use vd)") }
            try config.validate()
        },
        build: { config, rng in RVD(config: config, modelName: "rvd", rng: &rng) })
}
