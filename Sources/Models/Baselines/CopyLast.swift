// copy-last: the floor every predictor must beat. It repeats the last context frame for every future
// frame and every sample; it has no parameters and needs no training.

import Foundation
import ZooCore

/// The config of `copy-last`: only the data contract.
public struct CopyLastConfig: Codable, Sendable, Equatable {
    /// The clip contract (frame size, channels, context and predicted frames).
    public var contract: ClipContract

    /// A config for the given contract.
    public init(contract: ClipContract) { self.contract = contract }

    /// 16x16 gray, 2 context + 3 predicted frames (tests).
    public static let tiny = CopyLastConfig(contract: ClipContract(channels: 1, height: 16, width: 16,
                                                                   contextFrames: 2, predictedFrames: 3))
    /// 32x32 gray, 4 + 16 frames: the flow data at the size of the other models' cpu presets.
    public static let cpu = CopyLastConfig(contract: ClipContract(channels: 1, height: 32, width: 32,
                                                                  contextFrames: 4, predictedFrames: 16))
    /// 64x64 gray, 4 + 16 frames (the paper's protocol on gray 64x64 data: flow, KTH, shapes).
    public static let gray64 = CopyLastConfig(contract: ClipContract(channels: 1, height: 64, width: 64,
                                                                     contextFrames: 4, predictedFrames: 16))
    /// 64x64 RGB, 4 + 16 frames (BAIR-like data, shapes with 3 channels).
    public static let rgb64 = CopyLastConfig(contract: ClipContract(channels: 3, height: 64, width: 64,
                                                                    contextFrames: 4, predictedFrames: 16))

    /// Checks the contract.
    public func validate() throws {
        let c = contract
        guard c.channels > 0, c.height > 0, c.width > 0, c.contextFrames >= 1, c.predictedFrames >= 1 else {
            throw PredictorError.invalidConfig("copy-last needs positive sizes and at least one context and predicted frame, got \(c)")
        }
    }
}

/// Repeats the last context frame: [B, Tc, C, H, W] → [B, S, T, C, H, W] with every frame equal to
/// context[:, Tc − 1].
public final class CopyLast: ConfiguredPredictor {
    /// The config.
    public let config: CopyLastConfig

    /// A copy-last predictor for `config`'s contract.
    public init(config: CopyLastConfig) { self.config = config }

    public var modelName: String { "copy-last" }
    public var contract: ClipContract { config.contract }
    public var isStochastic: Bool { false }

    public var trainingDefaults: TrainingDefaults {
        TrainingDefaults(steps: 0, batchSize: 1, clipLength: contract.clipLength, learningRate: 0)
    }

    public func makeOptimizers(learningRate: Double) -> OptimizerGroup { OptimizerGroup() }

    /// Nothing to learn: no losses.
    public func trainStep(_ batch: VideoBatch, optimizers: OptimizerGroup, step: Int,
                          rng: inout RandomGenerator) -> StepLosses { StepLosses() }

    public func predict(context: Tensor, frameCount: Int, sampleCount: Int, rng: inout RandomGenerator) -> Tensor {
        require(context.rank == 5 && context.shape[1] >= 1, "copy-last: context must be [B, T, C, H, W], got \(context.shape)")
        let s = context.shape
        let last = context.sliced(axis: 1, (s[1] - 1)..<s[1]).detached()          // [B, 1, C, H, W]
        return last.unsqueezed(1).expanded(to: [s[0], sampleCount, frameCount, s[2], s[3], s[4]]).copy()
    }
}

extension CopyLast {
    /// The registry entry.
    public static let entry = ModelEntry.create(
        name: "copy-last", summary: "Repeats the last context frame (no parameters): the floor to beat.",
        paper: "baseline (no paper)",
        presets: ["cpu": CopyLastConfig.cpu, "tiny": .tiny, "gray64": .gray64, "rgb64": .rgb64],
        validate: { try $0.validate() },
        build: { config, _ in CopyLast(config: config) })
}
