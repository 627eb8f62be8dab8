// A worked example of adding a predictor (README.md shows this file verbatim): the
// next frame is the last frame plus a learned correction from the last two. One file holds the config
// with its presets, the network, the protocol conformance and the registry entry.
import Foundation
import ZooCore

/// The config: the data contract, the network width, and the learning rate.
public struct TwoFrameConfig: Codable, Sendable, Equatable {
    public var contract: ClipContract
    public var hidden: Int
    public var learningRate: Double

    /// For tests: 16x16 gray, 2 context + 3 predicted frames.
    public static let tiny = TwoFrameConfig(
        contract: ClipContract(channels: 1, height: 16, width: 16, contextFrames: 2, predictedFrames: 3),
        hidden: 8, learningRate: 3e-3)
    /// For the flow data on a CPU: 32x32 gray, 4 + 16 frames.
    public static let cpu = TwoFrameConfig(
        contract: ClipContract(channels: 1, height: 32, width: 32, contextFrames: 4, predictedFrames: 16),
        hidden: 16, learningRate: 1e-3)

    /// Cross-field rules, checked before every build.
    public func validate() throws {
        guard contract.contextFrames >= 2, hidden > 0 else {
            throw PredictorError.invalidConfig("two-frame needs 2 context frames and hidden > 0")
        }
    }
}

/// x̂ₜ₊₁ = xₜ + conv₂(relu(conv₁([xₜ, xₜ − xₜ₋₁]))), deterministic.
public final class TwoFramePredictor: ConfiguredPredictor {
    public let config: TwoFrameConfig
    let conv1: Conv2d
    let conv2: Conv2d

    public init(config: TwoFrameConfig, rng: inout RandomGenerator) {
        self.config = config
        let c = config.contract.channels
        conv1 = Conv2d(2 * c, config.hidden, kernelSize: 3, padding: 1, rng: &rng)
        conv2 = Conv2d(config.hidden, c, kernelSize: 3, padding: 1, rng: &rng)
    }

    /// The next frame from the previous and the last one, each [B, C, H, W].
    func next(_ previous: Tensor, _ last: Tensor) -> Tensor {
        last + conv2(relu(conv1(concat([last, last - previous], axis: 1))))
    }

    public var modelName: String { "two-frame" }
    public var contract: ClipContract { config.contract }
    public var isStochastic: Bool { false }

    public var trainingDefaults: TrainingDefaults {
        TrainingDefaults(steps: 500, batchSize: 8, clipLength: contract.clipLength, learningRate: config.learningRate)
    }

    public func makeOptimizers(learningRate: Double) -> OptimizerGroup {
        let group = OptimizerGroup()
        group.add("model", optimizer: Adam(learningRate: learningRate), parameters: namedParameters())
        return group
    }

    /// Teacher forcing: predict every frame from the two before it; one Adam step on the mean MSE.
    public func trainStep(_ batch: VideoBatch, optimizers: OptimizerGroup, step: Int,
                          rng: inout RandomGenerator) -> StepLosses {
        let x = batch.frames                                                   // [B, T, C, H, W]
        var loss = Tensor(0)
        for t in 2..<batch.frameCount {
            let predicted = next(x.selecting(axis: 1, t - 2), x.selecting(axis: 1, t - 1))
            loss = loss + mseLoss(predicted, x.selecting(axis: 1, t))
        }
        loss = loss / Float(batch.frameCount - 2)
        optimizers.minimize(loss)                     // gradients of the "model" group, one Adam step
        return StepLosses(["mse": loss.item])
    }

    /// Rolls the predictor forward from the context; every sample is the same future.
    public func predict(context: Tensor, frameCount: Int, sampleCount: Int, rng: inout RandomGenerator) -> Tensor {
        noGrad {
            var frames = (0..<context.shape[1]).map { context.selecting(axis: 1, $0) }
            for _ in 0..<frameCount {
                let n = frames.count
                frames.append(clamp(next(frames[n - 2], frames[n - 1]), min: -1, max: 1))
            }
            let future = stack(Array(frames.suffix(frameCount)), axis: 1)     // [B, T, C, H, W]
            let s = future.shape
            return future.unsqueezed(1).expanded(to: [s[0], sampleCount, s[1], s[2], s[3], s[4]])
        }
    }
}

extension TwoFramePredictor {
    /// The registry entry: add `TwoFramePredictor.entry` to the list in Sources/ModelZoo/DefaultRegistry.swift.
    public static let entry = ModelEntry.create(
        name: "two-frame", summary: "Last frame plus a learned two-frame correction (the worked example).",
        paper: "worked example (no paper)",
        presets: ["cpu": TwoFrameConfig.cpu, "tiny": .tiny],
        validate: { try $0.validate() },
        build: { config, rng in TwoFramePredictor(config: config, rng: &rng) })
}
