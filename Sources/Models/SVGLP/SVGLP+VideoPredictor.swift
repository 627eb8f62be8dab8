// SVG-LP's conformance to `VideoPredictor` and its registry entry.

import Foundation
import ZooCore

extension SVGLP: ConfiguredPredictor {
    public var modelName: String { "svg-lp" }
    public var contract: ClipContract { config.contract }
    public var isStochastic: Bool { true }

    public var trainingDefaults: TrainingDefaults {
        TrainingDefaults(steps: config.steps, batchSize: config.batchSize, clipLength: config.trainClipLength,
                         learningRate: config.learningRate)
    }

    /// One Adam over all five parts with the preset's betas: the same updates as the official five
    /// optimisers with equal settings.
    public func makeOptimizers(learningRate: Double) -> OptimizerGroup {
        let group = OptimizerGroup()
        group.add("model", optimizer: Adam(learningRate: learningRate, betas: (config.beta1, config.beta2)),
                  parameters: namedParameters())
        return group
    }

    /// One official training step on clips [B, T, C, H, W] in [−1, 1] (mapped to [0, 1]): `lossTerms`,
    /// backward, one Adam update. Reports `loss` (Σ_t MSE + β·Σ_t KL) and, per predicted step, `mse`
    /// and `kld` (the official script prints the sums divided by T).
    public func trainStep(_ batch: VideoBatch, optimizers: OptimizerGroup, step: Int,
                          rng: inout RandomGenerator) -> StepLosses {
        let video = (batch.frames + 1) * 0.5
        let t = video.shape[1]
        precondition(config.recurrence == .convlstm || video.shape[0] >= 2,
                     "svg-lp: BatchNorm of the encoder's 1x1 output needs batches of at least 2 clips in training")
        let terms = lossTerms((0..<t).map { video.selecting(axis: 1, $0) }, noise: &rng)
        optimizers.minimize(terms.loss, group: "model")
        let steps = Float(t - 1)
        return StepLosses(["loss": terms.loss.item, "mse": terms.mse.item / steps, "kld": terms.kld.item / steps])
    }

    /// `sampleCount` futures per clip from the learned prior. The clips are repeated sample-major (row
    /// s·B + b) and sampled in one batch; with `testBatchNorm = .batch` the statistics of each sample's
    /// B rows normalise, as the official script normalises over its test batch.
    public func predict(context: Tensor, frameCount: Int, sampleCount: Int, rng: inout RandomGenerator) -> Tensor {
        precondition(context.rank == 5 && context.shape[1] >= 1 && sampleCount >= 1 && frameCount >= 1,
                     "svg-lp: context must be [B, T ≥ 1, C, H, W] with frameCount, sampleCount ≥ 1, got \(context.shape)")
        let b = context.shape[0], tail = Array(context.shape[1...])
        precondition(config.testBatchNorm == .running || config.recurrence == .convlstm || b >= 2,
                     "svg-lp: batchnorm=batch needs at least 2 clips per call (BatchNorm of a 1x1 output)")
        return noGrad {
            let video = ((context + 1) * 0.5).unsqueezed(0).expanded(to: [sampleCount] + context.shape)
                .reshaped([sampleCount * b] + tail)
            let mode: SVGLPNormMode = config.testBatchNorm == .running ? .running : .batchStatistics(groups: sampleCount)
            let frames = generate(context: (0..<tail[0]).map { video.selecting(axis: 1, $0) }, frameCount: frameCount,
                                  mode: mode, noise: &rng)
            let out = stack(frames, axis: 1) * 2 - 1                                   // [S·B, F, C, H, W]
            return out.reshaped([sampleCount, b] + Array(out.shape[1...])).permuted([1, 0, 2, 3, 4, 5])
        }
    }

    /// "batchnorm": running (default) or batch, see `SVGLPTestNorm`.
    public var options: [ModelOption] {
        [ModelOption(name: "batchnorm", summary: "BatchNorm when sampling: running averages, or each sample's batch statistics as the official script",
                     valueName: SVGLPTestNorm.allCases.map(\.rawValue).joined(separator: "|"),
                     current: config.testBatchNorm.rawValue)]
    }

    public func setOption(_ name: String, to value: String) throws {
        guard name == "batchnorm" else { throw PredictorError.unknownOption(model: modelName, name: name, known: options.map(\.name)) }
        guard let mode = SVGLPTestNorm(rawValue: value) else {
            throw PredictorError.invalidOption(model: modelName, name: name, value: value,
                                               reason: "expected one of \(SVGLPTestNorm.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        config.testBatchNorm = mode
    }
}

extension SVGLP {
    /// The registry entry "svg-lp".
    public static let entry = ModelEntry.create(
        name: "svg-lp",
        summary: "SVG-LP: a VAE with a learned prior; VGG/DCGAN frame encoder and decoder, LSTM or ConvLSTM recurrence.",
        paper: "Denton & Fergus, Stochastic Video Generation with a Learned Prior, ICML 2018 (arXiv 1802.07687)",
        presets: SVGLPConfig.presets,
        validate: { try $0.validate() },
        build: { config, rng in SVGLP(config: config, rng: &rng) })
}
