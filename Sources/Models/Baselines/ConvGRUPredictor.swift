// convgru: a deterministic next-frame predictor, the learned floor of `zoo compare`. A small conv
// encoder feeds a ConvGRU cell at half resolution; a decoder turns its state into a change that is
// added to the current frame. Trained with teacher forcing on every transition of a clip; at
// prediction it reads the context, then feeds its own (clamped) predictions back.
//
//     x_t ─ enc: conv3x3 → lrelu → conv4x4/2 → lrelu ─ ConvGRU(h) ─ dec: tconv4x4/2 → lrelu ┐
//      └────────────────────────────────────────────────────────────── concat ─ conv3x3 ─ + x_t → x̂_{t+1}

import Foundation
import ZooCore

/// The config and presets of `convgru`.
public struct ConvGRUConfig: Codable, Sendable, Equatable {
    /// The clip contract (frame size, channels, context and predicted frames).
    public var contract: ClipContract
    /// Encoder and decoder channels.
    public var features: Int
    /// ConvGRU hidden channels.
    public var hidden: Int
    /// "mse" or "l1" on the predicted frames.
    public var loss: String
    /// Training: frames per clip, batch size, steps and Adam's learning rate.
    public var trainClipLength: Int
    public var batchSize: Int
    public var steps: Int
    public var learningRate: Double

    /// Tests: 16x16 gray, 2 + 3 frames, 4 channels (a training step takes milliseconds).
    public static let tiny = ConvGRUConfig(
        contract: ClipContract(channels: 1, height: 16, width: 16, contextFrames: 2, predictedFrames: 3),
        features: 4, hidden: 4, loss: "mse", trainClipLength: 5, batchSize: 2, steps: 20, learningRate: 3e-3)
    /// The CPU preset: 32x32 gray flow, 4 + 16 frames, trained on 10-frame clips.
    public static let cpu = ConvGRUConfig(
        contract: ClipContract(channels: 1, height: 32, width: 32, contextFrames: 4, predictedFrames: 16),
        features: 16, hidden: 32, loss: "mse", trainClipLength: 10, batchSize: 8, steps: 1500, learningRate: 1e-3)

    /// Checks the fields that must agree.
    public func validate() throws {
        let c = contract
        func fail(_ text: String) -> Error { PredictorError.invalidConfig("convgru: " + text) }
        guard c.channels > 0, c.contextFrames >= 1, c.predictedFrames >= 1 else { throw fail("bad contract \(c)") }
        guard c.height >= 4, c.width >= 4, c.height % 2 == 0, c.width % 2 == 0 else {
            throw fail("frames must be even-sized and at least 4x4, got \(c.height)x\(c.width)")
        }
        guard features > 0, hidden > 0 else { throw fail("features and hidden must be > 0") }
        guard ["mse", "l1"].contains(loss) else { throw fail("loss must be \"mse\" or \"l1\", got \"\(loss)\"") }
        guard trainClipLength >= 2, batchSize > 0, steps >= 0, learningRate > 0 else {
            throw fail("training needs clips of ≥ 2 frames, batch > 0, steps ≥ 0, learning rate > 0")
        }
    }
}

/// The ConvGRU next-frame predictor.
public final class ConvGRUPredictor: ConfiguredPredictor {
    /// The config.
    public let config: ConvGRUConfig
    let encoderIn: Conv2d
    let encoderDown: Conv2d
    let cell: ConvGRUCell
    let decoderUp: ConvTranspose2d
    let decoderOut: Conv2d

    /// A model with PyTorch-default initial weights drawn from `rng`.
    public init(config: ConvGRUConfig, rng: inout RandomGenerator) {
        self.config = config
        let c = config.contract.channels, f = config.features
        encoderIn = Conv2d(c, f, kernelSize: 3, padding: 1, rng: &rng)
        encoderDown = Conv2d(f, f, kernelSize: 4, stride: 2, padding: 1, rng: &rng)
        cell = ConvGRUCell(inputChannels: f, hiddenChannels: config.hidden, kernelSize: 3, rng: &rng)
        decoderUp = ConvTranspose2d(config.hidden, f, kernelSize: 4, stride: 2, padding: 1, rng: &rng)
        decoderOut = Conv2d(f + c, c, kernelSize: 3, padding: 1, rng: &rng)
    }

    public var modelName: String { "convgru" }
    public var contract: ClipContract { config.contract }
    public var isStochastic: Bool { false }

    public var trainingDefaults: TrainingDefaults {
        TrainingDefaults(steps: config.steps, batchSize: config.batchSize, clipLength: config.trainClipLength,
                         learningRate: config.learningRate)
    }

    public func makeOptimizers(learningRate: Double) -> OptimizerGroup {
        let group = OptimizerGroup()
        group.add("model", optimizer: Adam(learningRate: learningRate), parameters: namedParameters())
        return group
    }

    /// One recurrent step: frame `x` [B, C, H, W] and state `h` [B, hidden, H/2, W/2] → (next frame, h').
    func step(_ x: Tensor, _ h: Tensor) -> (Tensor, Tensor) {
        let e = leakyRelu(encoderDown(leakyRelu(encoderIn(x), negativeSlope: 0.2)), negativeSlope: 0.2)
        let hNext = cell(e, state: h)
        let d = leakyRelu(decoderUp(hNext), negativeSlope: 0.2)
        return (x + decoderOut(concat([d, x], axis: 1)), hNext)
    }

    func zeroState(batch: Int) -> Tensor {
        cell.zeroState(batch: batch, height: contract.height / 2, width: contract.width / 2)
    }

    /// Teacher forcing over every transition of the clip: the mean loss of x̂_{t+1} against x_{t+1}.
    public func trainStep(_ batch: VideoBatch, optimizers: OptimizerGroup, step: Int,
                          rng: inout RandomGenerator) -> StepLosses {
        let frames = batch.frames
        let t = batch.frameCount
        require(t >= 2, "convgru trains on clips of at least 2 frames, got \(t)")
        var h = zeroState(batch: batch.batchSize)
        var total = Tensor(0)
        for i in 0..<(t - 1) {
            let (predicted, next) = self.step(frames.selecting(axis: 1, i), h)
            h = next
            let target = frames.selecting(axis: 1, i + 1)
            total = total + (config.loss == "l1" ? l1Loss(predicted, target) : mseLoss(predicted, target))
        }
        let loss = total / Float(t - 1)
        optimizers.minimize(loss)
        return StepLosses([config.loss: loss.item])
    }

    /// Reads the context, then predicts autoregressively; the same future for every sample.
    public func predict(context: Tensor, frameCount: Int, sampleCount: Int, rng: inout RandomGenerator) -> Tensor {
        require(context.rank == 5 && context.shape[1] >= 1, "convgru: context must be [B, T, C, H, W], got \(context.shape)")
        return noGrad {
            let b = context.shape[0]
            var h = zeroState(batch: b)
            var predicted = Tensor(0)
            for i in 0..<context.shape[1] {
                (predicted, h) = step(context.selecting(axis: 1, i), h)
            }
            var frames: [Tensor] = []
            for i in 0..<frameCount {
                let frame = clamp(predicted, min: -1, max: 1)
                frames.append(frame)
                if i + 1 < frameCount { (predicted, h) = step(frame, h) }
            }
            let future = stack(frames, axis: 1)                                 // [B, T, C, H, W]
            let s = future.shape
            return future.unsqueezed(1).expanded(to: [b, sampleCount] + Array(s[1...])).copy()
        }
    }
}

extension ConvGRUPredictor {
    /// The registry entry.
    public static let entry = ModelEntry.create(
        name: "convgru",
        summary: "Deterministic ConvGRU next-frame predictor (conv encoder, ConvGRU, residual decoder).",
        paper: "baseline after Shi et al., Convolutional LSTM Network, NeurIPS 2015 (GRU cell variant)",
        presets: ["cpu": ConvGRUConfig.cpu, "tiny": .tiny],
        validate: { try $0.validate() },
        build: { config, rng in ConvGRUPredictor(config: config, rng: &rng) })
}
