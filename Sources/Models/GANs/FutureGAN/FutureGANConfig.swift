// FutureGAN's config and presets: `cpu` (the default of `zoo train futuregan`: 32x32 gray flow, 4 + 16
// frames), `cpu-direct` (the same network trained at 32x32 from the first step), `tiny` for tests,
// `mmnist64` (the reference's architecture and MovingMNIST protocol: 64x64 gray, 6 + 6 frames, 512
// channels) and the RVD paper's protocols (`bair64`, `kth64`, `city128`, `sim128`).

import Foundation
import ZooCore

/// Everything that defines a FutureGAN model and its training.
public struct FutureGANConfig: Codable, Sendable, Equatable {
    /// Frame size (square, a power of two), channels, context frames (the generator's input D_in) and
    /// predicted frames (its output D_pred).
    public var contract: ClipContract
    /// Generator channels at the low resolutions (`ngf`, 512 in the reference).
    public var generatorChannels: Int
    /// Critic channels at the low resolutions (`ndf`, 512 in the reference).
    public var criticChannels: Int
    /// Resolutions up to this one use the full channel count; each doubling above it halves the channels
    /// (32 in the reference: 512 up to 32x32, 256 at 64x64, 128 at 128x128).
    public var fullWidthUpTo: Int
    /// The resolution training starts at: 4 grows the networks progressively (the reference); the frame
    /// size trains the final networks from the first step (one stage).
    public var startResolution: Int
    /// Steps of every stage before the last (fade-in plus stabilisation); the last stage runs to the end.
    public var stageSteps: Int
    /// Steps at the start of each stage after the first over which the new layers fade in (α from
    /// 1/fadeInSteps to 1).
    public var fadeInSteps: Int
    /// Adam's learning rate in the first stage, and its betas (1e-3 and (0, 0.99) in the reference).
    public var learningRate: Double
    public var beta1: Double
    public var beta2: Double
    /// Learning-rate factor per growth step: stage k trains at learningRate·growthDecay^k (0.87).
    public var growthDecay: Double
    /// λ of the gradient penalty (10) and the weight of the drift term mean D(real)² (0.001).
    public var gradientPenaltyWeight: Double
    public var driftWeight: Double
    /// Weight of an L1 term between predicted and true future frames in the generator's loss. 0 in the
    /// reference (adversarial loss only); the CPU presets use it (a deviation, see README.md).
    public var reconstructionWeight: Double
    /// The generator predicts the change from the last context frame (each predicted frame is that frame
    /// plus the generator's output). false in the reference; the CPU presets use it (a deviation).
    public var residual: Bool
    /// Training: clips per batch and steps.
    public var batchSize: Int
    public var steps: Int
    /// The seed of the layers each growth step adds (stage k draws from seed + k), so that a resumed run
    /// grows the same layers as one that never stopped.
    public var seed: UInt64

    // MARK: Derived

    /// Number of stages: 1 + log2(frame size / start resolution).
    public var stageCount: Int { log2(contract.height / startResolution) + 1 }
    /// The resolution of stage `stage`.
    public func resolution(stage: Int) -> Int { startResolution << stage }
    /// Resolution levels above 4x4 in stage `stage` (encoder and decoder blocks of the generator).
    public func levels(stage: Int) -> Int { log2(resolution(stage: stage) / 4) }
    /// Channels at `resolution` for a network whose low resolutions have `base` channels.
    public func channels(_ base: Int, resolution: Int) -> Int { base / Swift.max(1, resolution / fullWidthUpTo) }

    /// The stage of training step `step`.
    public func stage(forStep step: Int) -> Int { Swift.min(step / stageSteps, stageCount - 1) }

    /// Number of phases: stage 0, then two per growth step (fading in, then flushed).
    public var phaseCount: Int { 2 * stageCount - 1 }
    /// The phase of training step `step`: 0 in stage 0; in stage k ≥ 1, 2k − 1 during its first
    /// `fadeInSteps` steps (the fade-in paths exist) and 2k afterwards (they are dropped, as the
    /// reference's `flush_network` does when α reaches 1).
    public func phase(forStep step: Int) -> Int {
        let k = stage(forStep: step)
        guard k > 0 else { return 0 }
        return step - k * stageSteps < fadeInSteps ? 2 * k - 1 : 2 * k
    }
    /// The growth stage of `phase`.
    public func stage(phase: Int) -> Int { (phase + 1) / 2 }
    /// Whether `phase` is a fade-in (its stage's low-resolution paths exist).
    public func isFadingIn(phase: Int) -> Bool { phase % 2 == 1 }

    /// The fade-in weight α of the new layers at `step` in `stage` (1 in stage 0 and once faded in).
    public func fadeInAlpha(step: Int, stage: Int) -> Float {
        guard stage > 0, fadeInSteps > 0 else { return 1 }
        let done = step - stage * stageSteps + 1
        return Swift.min(1, Swift.max(0, Float(done) / Float(fadeInSteps)))
    }

    /// Checks every field and the rules between them, naming the field at fault.
    public func validate() throws {
        func fail(_ text: String) -> Error { PredictorError.invalidConfig("futuregan: " + text) }
        func isPowerOfTwo(_ n: Int) -> Bool { n > 0 && n & (n - 1) == 0 }
        let c = contract
        guard c.channels > 0 else { throw fail("contract.channels must be > 0, got \(c.channels)") }
        guard c.contextFrames >= 1, c.predictedFrames >= 1 else {
            throw fail("contract needs ≥ 1 context and ≥ 1 predicted frame, got \(c.contextFrames) + \(c.predictedFrames)")
        }
        guard c.height == c.width, isPowerOfTwo(c.height), c.height >= 4 else {
            throw fail("frames must be square with a power-of-two side ≥ 4 (contract.height, contract.width), got \(c.height)x\(c.width)")
        }
        guard isPowerOfTwo(startResolution), startResolution >= 4, startResolution <= c.height else {
            throw fail("startResolution must be a power of two from 4 to the frame size \(c.height), got \(startResolution)")
        }
        guard isPowerOfTwo(fullWidthUpTo), fullWidthUpTo >= 4 else {
            throw fail("fullWidthUpTo must be a power of two ≥ 4, got \(fullWidthUpTo)")
        }
        let halvings = Swift.max(1, c.height / fullWidthUpTo)
        for (name, base) in [("generatorChannels", generatorChannels), ("criticChannels", criticChannels)] {
            guard base > 0, base % halvings == 0 else {
                throw fail("\(name) must be a positive multiple of \(halvings) (halved up to \(c.height)x\(c.height)), got \(base)")
            }
        }
        guard stageSteps >= 1 else { throw fail("stageSteps must be ≥ 1, got \(stageSteps)") }
        guard fadeInSteps >= 0 else { throw fail("fadeInSteps must be ≥ 0, got \(fadeInSteps)") }
        // A stage between the first and the last must finish fading in before the next growth step.
        guard stageCount <= 2 || fadeInSteps <= stageSteps else {
            throw fail("fadeInSteps must be ≤ stageSteps (\(stageSteps)) when stages follow the fade-in, got \(fadeInSteps)")
        }
        guard learningRate > 0 else { throw fail("learningRate must be > 0, got \(learningRate)") }
        guard (0..<1).contains(beta1), (0..<1).contains(beta2) else {
            throw fail("beta1 and beta2 must be in [0, 1), got \(beta1), \(beta2)")
        }
        guard growthDecay > 0 else { throw fail("growthDecay must be > 0, got \(growthDecay)") }
        guard gradientPenaltyWeight >= 0 else { throw fail("gradientPenaltyWeight must be ≥ 0, got \(gradientPenaltyWeight)") }
        guard driftWeight >= 0 else { throw fail("driftWeight must be ≥ 0, got \(driftWeight)") }
        guard reconstructionWeight >= 0 else { throw fail("reconstructionWeight must be ≥ 0, got \(reconstructionWeight)") }
        guard batchSize >= 1 else { throw fail("batchSize must be ≥ 1, got \(batchSize)") }
        guard steps >= 0 else { throw fail("steps must be ≥ 0, got \(steps)") }
    }
}

/// log2 of a power of two.
private func log2(_ n: Int) -> Int { n.trailingZeroBitCount }

// MARK: - Presets

extension FutureGANConfig {
    /// The reference's networks and training settings (train.py defaults: ngf = ndf = 512, full width up
    /// to 32x32, growth from 4x4, Adam 1e-3 with β = (0, 0.99), ×0.87 per growth, λ = 10, drift 0.001, no
    /// reconstruction term) for a contract; a stage of `stageSteps` steps, half of them fade-in.
    static func reference(_ contract: ClipContract, batchSize: Int, stageSteps: Int) -> FutureGANConfig {
        let c = FutureGANConfig(
            contract: contract, generatorChannels: 512, criticChannels: 512, fullWidthUpTo: 32, startResolution: 4,
            stageSteps: stageSteps, fadeInSteps: stageSteps / 2, learningRate: 1e-3, beta1: 0, beta2: 0.99,
            growthDecay: 0.87, gradientPenaltyWeight: 10, driftWeight: 0.001, reconstructionWeight: 0,
            residual: false, batchSize: batchSize, steps: 0, seed: 0)
        var out = c
        out.steps = c.stageCount * stageSteps
        return out
    }

    /// The reference architecture and protocol at 64x64: MovingMNIST, gray, 6 context + 6 predicted frames
    /// (ReadMe.md of the reference), grown 4 → 64 in 20k-step stages, batch 16 (the reference's DGX table
    /// at 64x64).
    public static let mmnist64 = reference(
        ClipContract(channels: 1, height: 64, width: 64, contextFrames: 6, predictedFrames: 6),
        batchSize: 16, stageSteps: 20_000)

    /// The RVD paper's protocols with the reference architecture: BAIR 64x64 RGB, 4 + 16 frames.
    public static let bair64 = reference(
        ClipContract(channels: 3, height: 64, width: 64, contextFrames: 4, predictedFrames: 16),
        batchSize: 16, stageSteps: 20_000)
    /// KTH 64x64 gray, 4 + 12 frames (as RVD's kth64).
    public static let kth64 = reference(
        ClipContract(channels: 1, height: 64, width: 64, contextFrames: 4, predictedFrames: 12),
        batchSize: 16, stageSteps: 20_000)
    /// Cityscapes 128x128 RGB, 4 + 16 frames, batch 8 (the DGX table at 128x128).
    public static let city128 = reference(
        ClipContract(channels: 3, height: 128, width: 128, contextFrames: 4, predictedFrames: 16),
        batchSize: 8, stageSteps: 20_000)
    /// The vortex simulation at 128x128 gray, 4 + 16 frames.
    public static let sim128 = reference(
        ClipContract(channels: 1, height: 128, width: 128, contextFrames: 4, predictedFrames: 16),
        batchSize: 8, stageSteps: 20_000)

    /// Tests: 8x8 gray, 2 + 3 frames, 4 channels; stage 0 (4x4) for two steps, then 8x8 with a three-step
    /// fade-in, so a short run crosses a growth step and a resume can land inside the fade-in.
    public static let tiny = FutureGANConfig(
        contract: ClipContract(channels: 1, height: 8, width: 8, contextFrames: 2, predictedFrames: 3),
        generatorChannels: 4, criticChannels: 4, fullWidthUpTo: 8, startResolution: 4, stageSteps: 2,
        fadeInSteps: 3, learningRate: 1e-3, beta1: 0, beta2: 0.99, growthDecay: 0.87, gradientPenaltyWeight: 10,
        driftWeight: 0.001, reconstructionWeight: 10, residual: false, batchSize: 2, steps: 8, seed: 7)

    /// The CPU preset, the default of `zoo train futuregan`: 32x32 gray flow, 4 + 16 frames, grown
    /// 4 → 8 → 16 → 32 in 40-step stages (20 of fade-in), then 180 steps at 32x32. The L1 weight 1000
    /// makes the L1 gradient about 8 times the adversarial one at 32x32 (a 1-Lipschitz critic's gradient
    /// has norm about 1 per clip; the mean L1's is weight/√(16·32·32) = weight/128). See README.md.
    public static let cpu = FutureGANConfig(
        contract: ClipContract(channels: 1, height: 32, width: 32, contextFrames: 4, predictedFrames: 16),
        generatorChannels: 32, criticChannels: 32, fullWidthUpTo: 8, startResolution: 4, stageSteps: 40,
        fadeInSteps: 20, learningRate: 1e-3, beta1: 0, beta2: 0.99, growthDecay: 0.87, gradientPenaltyWeight: 10,
        driftWeight: 0.001, reconstructionWeight: 1000, residual: true, batchSize: 8, steps: 300, seed: 0)

    /// `cpu` without progressive growing: the 32x32 networks from the first step (a deviation from the
    /// reference, for comparison).
    public static let cpuDirect: FutureGANConfig = {
        var c = cpu
        c.startResolution = 32
        return c
    }()

    /// Presets by name; the first is the default of `zoo train futuregan`.
    public static let presets: KeyValuePairs<String, FutureGANConfig> = [
        "cpu": cpu, "cpu-direct": cpuDirect, "tiny": tiny, "mmnist64": mmnist64, "bair64": bair64, "kth64": kth64,
        "city128": city128, "sim128": sim128,
    ]
}
