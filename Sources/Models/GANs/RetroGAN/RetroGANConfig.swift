// RetroGAN's config: the data contract, the widths of the generator and the two discriminators, the loss
// weights and the optimiser, with the presets.
import ZooCore

/// Every hyperparameter of `retrogan`. Defaults are the reference implementation's (ResNet generator with
/// 9 residual blocks, 4-block PatchGAN discriminators, λ_LoG 0.005, λ_frame = λ_seq = 0.003, Adam 3e-4
/// with β = (0.5, 0.999), batch 20).
public struct RetroGANConfig: Codable, Sendable, Equatable {
    public var contract: ClipContract
    /// Frames the generator reads to predict one (the reference's 4).
    public var inputFrames: Int
    /// Output channels of the 7x7 stem convolution (no norm, no activation after it, as the reference).
    public var stemChannels: Int
    /// Output channels of each stride-2 downsampling convolution.
    public var downChannels: [Int]
    /// Residual blocks at the lowest resolution (width: the last of `downChannels`).
    public var residualBlocks: Int
    /// Output channels of each stride-2 transposed convolution (the reference widens the last to 256).
    public var upChannels: [Int]
    /// Output channels of the discriminators' stride-2 blocks (the first without instance norm).
    public var discriminatorChannels: [Int]
    /// Weight of the Laplacian-of-Gaussian L1 term.
    public var logWeight: Double
    /// Weight of the frame discriminator's term in the generator loss.
    public var frameAdversarialWeight: Double
    /// Weight of the sequence discriminator's term in the generator loss.
    public var sequenceAdversarialWeight: Double
    /// The generator's learning rate (the run's base rate); the discriminators' is this times
    /// `discriminatorLearningRateRatio`.
    public var learningRate: Double
    public var discriminatorLearningRateRatio: Double
    public var beta1: Double
    public var beta2: Double
    public var batchSize: Int
    public var steps: Int

    public init(contract: ClipContract, inputFrames: Int = 4, stemChannels: Int = 128, downChannels: [Int] = [128, 256],
                residualBlocks: Int = 9, upChannels: [Int] = [128, 256], discriminatorChannels: [Int] = [64, 128, 256, 512],
                logWeight: Double = 0.005, frameAdversarialWeight: Double = 0.003, sequenceAdversarialWeight: Double = 0.003,
                learningRate: Double = 3e-4, discriminatorLearningRateRatio: Double = 1, beta1: Double = 0.5,
                beta2: Double = 0.999, batchSize: Int = 20, steps: Int = 100_000) {
        self.contract = contract
        self.inputFrames = inputFrames
        self.stemChannels = stemChannels
        self.downChannels = downChannels
        self.residualBlocks = residualBlocks
        self.upChannels = upChannels
        self.discriminatorChannels = discriminatorChannels
        self.logWeight = logWeight
        self.frameAdversarialWeight = frameAdversarialWeight
        self.sequenceAdversarialWeight = sequenceAdversarialWeight
        self.learningRate = learningRate
        self.discriminatorLearningRateRatio = discriminatorLearningRateRatio
        self.beta1 = beta1
        self.beta2 = beta2
        self.batchSize = batchSize
        self.steps = steps
    }

    /// Frames of one training clip: the generator's input plus the frame it predicts.
    public var trainClipLength: Int { inputFrames + 1 }

    /// Cross-field rules; each error names the field.
    public func validate() throws {
        func fail(_ message: String) -> PredictorError { .invalidConfig("retrogan: \(message)") }
        let c = contract
        guard c.channels >= 1, c.height >= 1, c.width >= 1 else { throw fail("contract: channels, height and width must be positive") }
        guard inputFrames >= 2 else { throw fail("inputFrames must be at least 2 (got \(inputFrames))") }
        guard c.contextFrames >= inputFrames else {
            throw fail("contract.contextFrames (\(c.contextFrames)) must be at least inputFrames (\(inputFrames))")
        }
        guard c.predictedFrames >= 1 else { throw fail("contract.predictedFrames must be at least 1") }
        guard stemChannels > 0 else { throw fail("stemChannels must be positive") }
        guard !downChannels.isEmpty, downChannels.allSatisfy({ $0 > 0 }) else { throw fail("downChannels must be non-empty and positive") }
        guard upChannels.count == downChannels.count, upChannels.allSatisfy({ $0 > 0 }) else {
            throw fail("upChannels must have as many positive entries as downChannels (\(downChannels.count))")
        }
        guard residualBlocks >= 0 else { throw fail("residualBlocks must be ≥ 0") }
        guard !discriminatorChannels.isEmpty, discriminatorChannels.allSatisfy({ $0 > 0 }) else {
            throw fail("discriminatorChannels must be non-empty and positive")
        }
        let g = 1 << downChannels.count
        guard c.height % g == 0, c.width % g == 0 else {
            throw fail("contract height and width (\(c.height)x\(c.width)) must be divisible by 2^downChannels.count = \(g)")
        }
        let d = 1 << discriminatorChannels.count
        guard c.height % d == 0, c.width % d == 0 else {
            throw fail("contract height and width (\(c.height)x\(c.width)) must be divisible by 2^discriminatorChannels.count = \(d)")
        }
        // The 7x7 reflection padding needs 3 pixels inside the frame.
        guard c.height >= 4, c.width >= 4 else { throw fail("contract height and width must be at least 4") }
        guard logWeight >= 0, frameAdversarialWeight >= 0, sequenceAdversarialWeight >= 0 else {
            throw fail("logWeight, frameAdversarialWeight and sequenceAdversarialWeight must be ≥ 0")
        }
        guard learningRate > 0, discriminatorLearningRateRatio > 0 else { throw fail("learningRate and discriminatorLearningRateRatio must be positive") }
        guard (0..<1).contains(beta1), (0..<1).contains(beta2) else { throw fail("beta1 and beta2 must be in [0, 1)") }
        guard batchSize >= 1, steps >= 1 else { throw fail("batchSize and steps must be at least 1") }
    }
}

extension RetroGANConfig {
    /// For tests: 16x16 gray, 4 + 3 frames, a few channels per layer.
    public static let tiny = RetroGANConfig(
        contract: ClipContract(channels: 1, height: 16, width: 16, contextFrames: 4, predictedFrames: 3),
        stemChannels: 8, downChannels: [8, 16], residualBlocks: 1, upChannels: [8, 8],
        discriminatorChannels: [8, 16, 16], learningRate: 1e-3, batchSize: 2, steps: 20)

    /// The flow data on a CPU: 32x32 gray, 4 + 16 frames (rolled out autoregressively), 3 residual blocks
    /// at 8x8, the reference's loss weights and betas, batch 8; Adam 1e-3 for the generator and the
    /// reference's 3e-4 for the discriminators (1e-3 for both let them win outright within 200 steps).
    public static let cpu = RetroGANConfig(
        contract: ClipContract(channels: 1, height: 32, width: 32, contextFrames: 4, predictedFrames: 16),
        stemChannels: 32, downChannels: [32, 64], residualBlocks: 3, upChannels: [32, 64],
        discriminatorChannels: [32, 64, 128, 128], learningRate: 1e-3, discriminatorLearningRateRatio: 0.3, batchSize: 8, steps: 600)

    /// The reference architecture at 64x64 RGB with the reference's training settings (one step ahead:
    /// 4 frames in, 1 out; 11,767,427 generator parameters).
    public static let reference64 = RetroGANConfig(
        contract: ClipContract(channels: 3, height: 64, width: 64, contextFrames: 4, predictedFrames: 1))

    /// The RVD paper's protocol at 64x64 (4 context frames, 16 predicted by rolling the generator
    /// forward), reference architecture and training.
    public static let rvd64 = RetroGANConfig(
        contract: ClipContract(channels: 3, height: 64, width: 64, contextFrames: 4, predictedFrames: 16))

    /// The RVD paper's protocol at 128x128 (4 + 16 frames), reference architecture and training.
    public static let rvd128 = RetroGANConfig(
        contract: ClipContract(channels: 3, height: 128, width: 128, contextFrames: 4, predictedFrames: 16))

    /// Presets by name; the first (`cpu`) is the default of `zoo train retrogan`.
    public static let presets: KeyValuePairs<String, RetroGANConfig> = [
        "cpu": cpu, "tiny": tiny, "reference64": reference64, "rvd64": rvd64, "rvd128": rvd128,
    ]
}
