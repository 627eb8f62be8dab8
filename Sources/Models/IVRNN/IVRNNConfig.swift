// IVRNN's config and presets: the released single-level model (`bair64-vrnn`), the paper's hierarchy
// (`bair64`), the RVD paper's settings (`kth64`, `city128`, `sim128`), `tiny` for tests and `cpu`, the
// default of `zoo train ivrnn` (32x32 flow on two cores).

import Foundation
import ZooCore

/// Everything that defines an IVRNN model and its training.
///
/// The network has `widthMultipliers.count` = L levels. Encoder level 0 works at full resolution, levels
/// 1…L−2 halve it each, level L−1 is 1x1. Renderer block i runs at the resolution of encoder level L−1−i.
/// Latent level k feeds renderer block `latentBlocks[k]` with `latentChannels[k]` channels.
public struct IVRNNConfig: Codable, Sendable, Equatable {
    /// Frame size, channels, context and predicted frames at evaluation.
    public var contract: ClipContract
    /// `n_hid`: the base width; encoder level i has `hidden · widthMultipliers[i]` channels.
    public var hidden: Int
    /// Width multipliers of the encoder levels (official 64x64: 1, 2, 4, 8, 8, 8).
    public var widthMultipliers: [Int]
    /// The renderer block of each latent level, coarse to fine (official `vrnn`: [0]; `vrnn_hier`: [0, 2, 4]).
    public var latentBlocks: [Int]
    /// Channels of each latent level's z (`n_z` = 10 for the 1x1 level; `vrnn_hier`: 10, 512, 128).
    public var latentChannels: [Int]
    /// Whether the prior of a finer level also sees the coarser z's (the paper's hierarchy, as in
    /// s2s_big_hier.py). false: only the posterior is hierarchical (the released `vrnn_hier`).
    public var hierarchicalPrior: Bool
    /// Groups of the GroupNorms in the ResNet blocks and conv units (official 4).
    public var normGroups: Int
    /// Groups of the ConvLSTM's GroupNorms (official 16).
    public var lstmNormGroups: Int
    /// Initial weight of the last GroupNorm of every prior/posterior head (official 0: the heads start at
    /// mean 0, variance softplus(0)); its bias is drawn from N(0, 1e-3²).
    public var headWeightInit: Float
    /// "l1" (official default), "l2" or "bce" on frames in [0, 1], summed over time, channels and pixels,
    /// averaged over the batch.
    public var reconstruction: String
    /// "sample": the official single-sample estimate log q(z) − log p(z) at the posterior sample;
    /// "analytic": the closed-form Gaussian KL.
    public var kl: String
    /// β, the weight of the KL term, and the steps of its linear warm-up from 0 (0: none).
    public var beta: Double
    public var betaWarmupSteps: Int
    /// `predict` draws z from the prior (false) or takes the prior's mean (true, the "mean" sample).
    public var meanLatent: Bool
    /// Training: frames per clip (context + unrolled steps), clips per batch, steps, Adam's learning rate
    /// and its coupled (L2) weight decay.
    public var trainClipLength: Int
    public var batchSize: Int
    public var steps: Int
    public var learningRate: Double
    public var weightDecay: Double

    /// Encoder level count L.
    public var levels: Int { widthMultipliers.count }
    /// Channels of encoder level `i`.
    public func width(_ i: Int) -> Int { hidden * widthMultipliers[i] }
    /// Spatial size (height, width) of encoder level `i`.
    public func resolution(_ i: Int) -> (Int, Int) {
        if i == levels - 1 { return (1, 1) }
        return (contract.height >> i, contract.width >> i)
    }
    /// The encoder level a latent level (or renderer block) reads.
    public func encoderLevel(block: Int) -> Int { levels - 1 - block }

    /// Checks the fields that must agree.
    public func validate() throws {
        func fail(_ text: String) -> Error { PredictorError.invalidConfig("ivrnn: " + text) }
        let c = contract
        guard c.channels > 0, c.contextFrames >= 1, c.predictedFrames >= 1 else { throw fail("bad contract \(c)") }
        guard hidden > 0 else { throw fail("hidden must be > 0, got \(hidden)") }
        guard levels >= 2, widthMultipliers.allSatisfy({ $0 > 0 }) else {
            throw fail("widthMultipliers needs at least two positive entries, got \(widthMultipliers)")
        }
        let stride = 1 << (levels - 2)
        guard c.height % stride == 0, c.width % stride == 0, c.height / stride >= 1 else {
            throw fail("frames \(c.height)x\(c.width) must be divisible by \(stride) for \(levels) levels")
        }
        guard normGroups > 0, lstmNormGroups > 0 else { throw fail("normGroups and lstmNormGroups must be > 0") }
        for i in 0..<levels {
            let w = width(i)
            guard w % normGroups == 0 else {
                throw fail("normGroups \(normGroups) must divide every level width, level \(i) has \(w)")
            }
            guard w % lstmNormGroups == 0 else {
                throw fail("lstmNormGroups \(lstmNormGroups) must divide every level width, level \(i) has \(w)")
            }
            guard (w * c.contextFrames) % normGroups == 0 else {
                throw fail("normGroups \(normGroups) must divide \(w) x \(c.contextFrames) context frames")
            }
        }
        guard !latentBlocks.isEmpty, latentBlocks.count == latentChannels.count else {
            throw fail("latentBlocks \(latentBlocks) and latentChannels \(latentChannels) need one entry per level")
        }
        guard latentBlocks == latentBlocks.sorted(), Set(latentBlocks).count == latentBlocks.count,
              latentBlocks.allSatisfy({ (0..<levels).contains($0) })
        else {
            throw fail("latentBlocks must be distinct renderer blocks 0..<\(levels) in increasing order, got \(latentBlocks)")
        }
        guard latentChannels.allSatisfy({ $0 > 0 }) else { throw fail("latentChannels must be > 0") }
        guard ["l1", "l2", "bce"].contains(reconstruction) else {
            throw fail("reconstruction must be l1, l2 or bce, got \"\(reconstruction)\"")
        }
        guard ["sample", "analytic"].contains(kl) else { throw fail("kl must be sample or analytic, got \"\(kl)\"") }
        guard beta >= 0, betaWarmupSteps >= 0 else { throw fail("beta and betaWarmupSteps must be ≥ 0") }
        guard trainClipLength > c.contextFrames else {
            throw fail("trainClipLength \(trainClipLength) must exceed the \(c.contextFrames) context frames")
        }
        guard batchSize > 0, steps >= 0, learningRate > 0, weightDecay >= 0 else {
            throw fail("batchSize > 0, steps ≥ 0, learningRate > 0, weightDecay ≥ 0")
        }
    }

    /// β at trainer step `step` (0-based): the official warm-up, β·(step + 1)/warm-up steps until it ends.
    public func beta(atStep step: Int) -> Double {
        guard betaWarmupSteps > 0, step + 1 < betaWarmupSteps else { return beta }
        return beta * Double(step + 1) / Double(betaWarmupSteps)
    }
}

// MARK: - Presets

extension IVRNNConfig {
    /// The released `vrnn` at 64x64 (n_hid 64, n_z 10, one 1x1 latent level), L1, β 1, Adam 1e-4 with
    /// weight decay 1e-4, batch 16.
    static func official64(channels: Int, context: Int, predicted: Int) -> IVRNNConfig {
        IVRNNConfig(
            contract: ClipContract(channels: channels, height: 64, width: 64, contextFrames: context,
                                   predictedFrames: predicted),
            hidden: 64, widthMultipliers: [1, 2, 4, 8, 8, 8], latentBlocks: [0], latentChannels: [10],
            hierarchicalPrior: false, normGroups: 4, lstmNormGroups: 16, headWeightInit: 0, reconstruction: "l1",
            kl: "sample", beta: 1, betaWarmupSteps: 0, meanLatent: false, trainClipLength: context + predicted,
            batchSize: 16, steps: 500_000, learningRate: 1e-4, weightDecay: 1e-4)
    }

    /// Latents at 1x1 (n_z), at 1/8 and at 1/2 resolution with the encoder's widths there (`vrnn_hier`'s
    /// levels), both prior and posterior conditioned on the coarser z's.
    static func hierarchy(_ base: IVRNNConfig) -> IVRNNConfig {
        var c = base
        c.latentBlocks = [0, 2, 4]
        c.latentChannels = [10] + [2, 4].map { c.width(c.encoderLevel(block: $0)) }
        c.hierarchicalPrior = true
        return c
    }

    /// The released single-level model as its README trains it on BAIR: 64x64 RGB, 2 context + 10 steps.
    public static let bair64Vrnn = official64(channels: 3, context: 2, predicted: 10)
    /// The paper's hierarchy on BAIR: three latent levels (1x1, 8x8, 32x32), 2 + 10 frames.
    public static let bair64 = hierarchy(official64(channels: 3, context: 2, predicted: 10))
    /// KTH at the RVD paper's setting: 64x64 gray, 4 context + 12 predicted frames, hierarchy.
    public static let kth64 = hierarchy(official64(channels: 1, context: 4, predicted: 12))
    /// 128x128 with one more full-resolution level (widths 64·(1, 1, 2, 4, 8, 8, 8)); latents at 1x1,
    /// 8x8 (block 2) and 32x32 (block 4), 4 + 16 frames, batch 8.
    static func paper128(channels: Int) -> IVRNNConfig {
        var c = official64(channels: channels, context: 4, predicted: 16)
        c.contract = ClipContract(channels: channels, height: 128, width: 128, contextFrames: 4, predictedFrames: 16)
        c.widthMultipliers = [1, 1, 2, 4, 8, 8, 8]
        c.batchSize = 8
        return hierarchy(c)
    }
    /// Cityscapes at the RVD paper's setting: 128x128 RGB, 4 + 16 frames.
    public static let city128 = paper128(channels: 3)
    /// The vortex simulation at the RVD paper's setting: 128x128 gray, 4 + 16 frames.
    public static let sim128 = paper128(channels: 1)

    /// Tests: 16x16 gray, 2 + 3 frames, width 4 over three levels (16x16, 8x8, 1x1), latents at 1x1 and
    /// 8x8 with a hierarchical prior, group norms of 2 and 4 groups, heads initialised at 0.01 so that
    /// every parameter receives a gradient on the first step.
    public static let tiny: IVRNNConfig = {
        var c = official64(channels: 1, context: 2, predicted: 3)
        c.contract = ClipContract(channels: 1, height: 16, width: 16, contextFrames: 2, predictedFrames: 3)
        c.hidden = 4
        c.widthMultipliers = [1, 2, 2]
        c.latentBlocks = [0, 1]
        c.latentChannels = [4, 4]
        c.hierarchicalPrior = true
        c.normGroups = 2
        c.lstmNormGroups = 4
        c.headWeightInit = 0.01
        c.trainClipLength = 5
        c.batchSize = 2
        c.steps = 20
        c.learningRate = 3e-3
        c.weightDecay = 0
        return c
    }()

    /// The CPU preset, the default of `zoo train ivrnn`: 32x32 gray flow, 4 + 16 frames. See README.md.
    public static let cpu: IVRNNConfig = {
        var c = official64(channels: 1, context: 4, predicted: 16)
        c.contract = ClipContract(channels: 1, height: 32, width: 32, contextFrames: 4, predictedFrames: 16)
        c.hidden = 16
        c.widthMultipliers = [1, 2, 4, 4]
        c.latentBlocks = [0]
        c.latentChannels = [8]
        c.lstmNormGroups = 8
        c.trainClipLength = 12
        c.batchSize = 8
        c.steps = 400
        c.learningRate = 1e-3
        c.weightDecay = 0
        return c
    }()

    /// Preset name → config; the first is the default of `zoo train ivrnn`.
    public static let presets: KeyValuePairs<String, IVRNNConfig> = [
        "cpu": cpu, "tiny": tiny, "bair64-vrnn": bair64Vrnn, "bair64": bair64, "kth64": kth64,
        "city128": city128, "sim128": sim128,
    ]
}
