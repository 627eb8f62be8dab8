// IVRNN's conformance to `VideoPredictor` and its registry entry.

import Foundation
import ZooCore

extension IVRNN: ConfiguredPredictor {
    public var modelName: String { "ivrnn" }
    public var contract: ClipContract { config.contract }
    public var isStochastic: Bool { !config.meanLatent }

    /// The config's training settings (no EMA: the official trainer keeps none).
    public var trainingDefaults: TrainingDefaults {
        TrainingDefaults(steps: config.steps, batchSize: config.batchSize, clipLength: config.trainClipLength,
                         learningRate: config.learningRate)
    }

    /// One Adam over every parameter with the official coupled L2 weight decay (`torch.optim.Adam(…,
    /// weight_decay=1e-4)` in the paper presets).
    public func makeOptimizers(learningRate: Double) -> OptimizerGroup {
        let group = OptimizerGroup()
        group.add("model", optimizer: Adam(learningRate: learningRate, weightDecay: config.weightDecay),
                  parameters: namedParameters())
        return group
    }

    /// One teacher-forced step: the first C frames of the clip are the context, the rest are predicted
    /// from the posterior z's; loss = reconstruction + β·KL (β warmed up linearly when configured).
    public func trainStep(_ batch: VideoBatch, optimizers: OptimizerGroup, step: Int,
                          rng: inout RandomGenerator) -> StepLosses {
        let ctx = config.contract.contextFrames
        let frames = (batch.frames + 1) * 0.5
        let t = frames.shape[1]
        require(t > ctx, "ivrnn: training clips need more than \(ctx) frames, got \(t)")
        let noise = drawNoise(batch: frames.shape[0], steps: t - ctx, rng: &rng)
        let pass = self.pass(frames, noise: noise)
        let (rec, kl) = losses(pass, targets: frames.sliced(axis: 1, ctx..<t))
        let beta = config.beta(atStep: step)
        let loss = beta > 0 ? rec + Float(beta) * kl : rec
        optimizers.minimize(loss, group: "model")
        return StepLosses(["loss": loss.item, "loss_rec": rec.item, "loss_kl": kl.item])
    }

    /// `sampleCount` futures per clip from the last C context frames: the clips are repeated S times and
    /// sampled step by step in one batch.
    public func predict(context: Tensor, frameCount: Int, sampleCount: Int, rng: inout RandomGenerator) -> Tensor {
        let ctx = config.contract.contextFrames
        require(context.rank == 5 && context.shape[1] >= ctx && sampleCount >= 1,
                     "ivrnn: context must be [B, T ≥ \(ctx), C, H, W], got \(context.shape)")
        return noGrad {
            let b = context.shape[0]
            let last = context.sliced(axis: 1, (context.shape[1] - ctx)..<context.shape[1])
            let tail = Array(last.shape[1...])
            let repeated = last.unsqueezed(1).expanded(to: [b, sampleCount] + tail).reshaped([b * sampleCount] + tail)
            let frames = sample(context: (repeated + 1) * 0.5, frameCount: frameCount, rng: &rng) * 2 - 1
            return frames.reshaped([b, sampleCount] + Array(frames.shape[1...]))
        }
    }

    /// "latent": draw z from the prior ("sample") or take its mean ("mean").
    public var options: [ModelOption] {
        [ModelOption(name: "latent", summary: "z at prediction: a prior sample, or the prior's mean",
                     valueName: "sample|mean", current: config.meanLatent ? "mean" : "sample")]
    }

    public func setOption(_ name: String, to value: String) throws {
        guard name == "latent" else {
            throw PredictorError.unknownOption(model: modelName, name: name, known: options.map(\.name))
        }
        switch value {
        case "sample": config.meanLatent = false
        case "mean": config.meanLatent = true
        default:
            throw PredictorError.invalidOption(model: modelName, name: name, value: value,
                                               reason: "expected sample or mean")
        }
    }
}

extension IVRNN {
    /// The registry entry "ivrnn".
    public static let entry = ModelEntry.create(
        name: "ivrnn",
        summary: "Improved conditional VRNN: hierarchical latents per step, ConvLSTM renderer initialised from context.",
        paper: "Castrejón, Ballas & Courville, Improved Conditional VRNNs for Video Prediction, ICCV 2019 (arXiv 1904.12165)",
        presets: IVRNNConfig.presets,
        validate: { try $0.validate() },
        build: { config, rng in IVRNN(config: config, rng: &rng) })
}
