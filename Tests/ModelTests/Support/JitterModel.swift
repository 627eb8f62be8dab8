// A small test-only predictor whose training step draws from the trainer's generator (so an exact
// resume needs the restored random state), keeps an EMA, and can be told to produce a NaN loss.
import Foundation
import ZooCore

struct JitterConfig: Codable, Sendable, Equatable {
    var contract = ClipContract(channels: 1, height: 16, width: 16, contextFrames: 2, predictedFrames: 3)
    /// The step (1-based count) whose loss is NaN, if any.
    var nanAtStep: Int?
    /// The step (1-based count) whose update makes the weights NaN while its loss (computed before the
    /// update) is still finite, if any.
    var nanWeightsAtStep: Int?
}

/// x̂ₜ₊₁ = xₜ + conv(xₜ + ε), ε ~ N(0, 0.1²) drawn from the step's generator; sampling adds noise too.
final class JitterModel: VideoPredictor {
    let config: JitterConfig
    let conv: Conv2d

    init(config: JitterConfig, rng: inout RandomGenerator) {
        self.config = config
        conv = Conv2d(1, 1, kernelSize: 3, padding: 1, rng: &rng)
    }

    var modelName: String { "jitter" }
    var contract: ClipContract { config.contract }
    var isStochastic: Bool { true }
    func configJSON() throws -> Data { try sortedJSON(config) }
    var trainingDefaults: TrainingDefaults {
        TrainingDefaults(steps: 10, batchSize: 2, clipLength: 4, learningRate: 1e-2, emaDecay: 0.9, emaEvery: 1,
                         emaStart: 2)
    }

    func makeOptimizers(learningRate: Double) -> OptimizerGroup {
        let group = OptimizerGroup()
        group.add("model", optimizer: Adam(learningRate: learningRate), parameters: namedParameters(),
                  schedule: .step(learningRate, stepSize: 3, gamma: 0.5))
        return group
    }

    func noise(_ shape: [Int], _ rng: inout RandomGenerator) -> Tensor {
        Init.normal(shape, std: 0.1, rng: &rng)
    }

    func trainStep(_ batch: VideoBatch, optimizers: OptimizerGroup, step: Int, rng: inout RandomGenerator) -> StepLosses {
        let x = batch.frames.selecting(axis: 1, 0), y = batch.frames.selecting(axis: 1, 1)
        let loss = mseLoss(x + conv(x + noise(x.shape, &rng)), y)
        let member = optimizers["model"]!
        var grads = gradients(of: loss, wrt: member.parameters)
        if config.nanWeightsAtStep == step + 1 { grads = grads.map { $0 * Float.nan } }   // Adam turns NaN in → NaN out
        member.optimizer.update(member.parameters, gradients: grads)
        let value = config.nanAtStep == step + 1 ? Float.nan : loss.item
        return StepLosses(["loss": value])
    }

    func predict(context: Tensor, frameCount: Int, sampleCount: Int, rng: inout RandomGenerator) -> Tensor {
        noGrad {
            let last = context.selecting(axis: 1, context.shape[1] - 1)
            var samples: [Tensor] = []
            for _ in 0..<sampleCount {
                var frames: [Tensor] = []
                var x = last
                for _ in 0..<frameCount {
                    x = clamp(x + conv(x + noise(x.shape, &rng)), min: -1, max: 1)
                    frames.append(x)
                }
                samples.append(stack(frames, axis: 1))
            }
            return stack(samples, axis: 1)
        }
    }

    static let entry = ModelEntry.create(
        name: "jitter", summary: "test model", paper: "none",
        presets: ["tiny": JitterConfig(), "nan": JitterConfig(nanAtStep: 3),
                  "nan-weights": JitterConfig(nanWeightsAtStep: 4)],
        build: { config, rng in JitterModel(config: config, rng: &rng) })
}
