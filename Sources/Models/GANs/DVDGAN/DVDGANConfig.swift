// DVD-GAN's config: the data contract, the generator's stages (ConvGRU and residual blocks per
// resolution), the context encoder we add for frame prediction, the two discriminators, the loss and the
// optimisers, with the presets.
import ZooCore

/// Every hyperparameter of `dvd-gan`. Defaults are the reference implementation's at 64x64 with
/// `--g_chn 32 --ds_chn 32 --dt_chn 32` (z of 120, ConvGRUs of widths [1, 2, 1]x and kernels 3-5-3,
/// discriminator widths 64…512, hinge loss, Adam β = (0, 0.9) at 5e-5).
public struct DVDGANConfig: Codable, Sendable, Equatable {
    public var contract: ClipContract
    /// Size of the noise vector z (the reference's `z_dim`, also the size of its class embedding).
    public var latentSize: Int
    /// Side of the first feature map (the reference's `latent_dim`, 4): the output is seedSize·2^stages.
    public var seedSize: Int
    /// Input channels of each generator stage (one stage per resolution, seedSize·2^i): a ConvGRU, then
    /// a residual block at that resolution and one that upsamples ×2.
    public var stageChannels: [Int]
    /// Channels of the last residual block's output, before the colour convolution.
    public var outputChannels: Int
    /// Hidden widths of every ConvGRU layer as multiples of its stage's channels (the last must be 1).
    public var gruWidthFactors: [Int]
    /// Kernel sizes of the ConvGRU layers, per stage.
    public var gruKernelSizes: [[Int]]
    /// Width of the context encoder (ours: the reference has no context frames).
    public var encoderChannels: Int
    /// Whether the generator predicts a change of the last context frame (ours, off in the reference
    /// presets): x̂ₜ = clamp(x_last + tanh(·)) instead of tanh(·).
    public var residualOutput: Bool
    /// Widths of the spatial discriminator: the stem, then one residual block per further entry (each
    /// halves the resolution; self-attention after the first).
    public var spatialChannels: [Int]
    /// Widths of the temporal discriminator: the 3-D stem, a 3-D residual block, then 2-D residual blocks.
    public var temporalChannels: [Int]
    /// Predicted frames the spatial discriminator scores per clip (the reference's `k_sample`).
    public var spatialFrames: Int
    /// Weight of an L1 term between predicted and true future frames in the generator loss (ours; 0 in
    /// the reference presets).
    public var reconstructionWeight: Double
    /// The generator's learning rate (the run's base rate); the discriminators' is this times the ratio.
    public var learningRate: Double
    public var discriminatorLearningRateRatio: Double
    public var beta1: Double
    public var beta2: Double
    public var batchSize: Int
    public var steps: Int

    public init(contract: ClipContract, latentSize: Int = 120, seedSize: Int = 4, stageChannels: [Int] = [256, 256, 256, 128],
                outputChannels: Int = 64, gruWidthFactors: [Int] = [1, 2, 1],
                gruKernelSizes: [[Int]] = [[3, 5, 3], [3, 5, 3], [3, 5, 3], [3, 5, 5]], encoderChannels: Int = 64,
                residualOutput: Bool = false, spatialChannels: [Int] = [64, 128, 256, 512, 512],
                temporalChannels: [Int] = [64, 128, 256, 512, 512], spatialFrames: Int = 8, reconstructionWeight: Double = 0,
                learningRate: Double = 5e-5, discriminatorLearningRateRatio: Double = 1, beta1: Double = 0, beta2: Double = 0.9,
                batchSize: Int = 8, steps: Int = 100_000) {
        self.contract = contract
        self.latentSize = latentSize
        self.seedSize = seedSize
        self.stageChannels = stageChannels
        self.outputChannels = outputChannels
        self.gruWidthFactors = gruWidthFactors
        self.gruKernelSizes = gruKernelSizes
        self.encoderChannels = encoderChannels
        self.residualOutput = residualOutput
        self.spatialChannels = spatialChannels
        self.temporalChannels = temporalChannels
        self.spatialFrames = spatialFrames
        self.reconstructionWeight = reconstructionWeight
        self.learningRate = learningRate
        self.discriminatorLearningRateRatio = discriminatorLearningRateRatio
        self.beta1 = beta1
        self.beta2 = beta2
        self.batchSize = batchSize
        self.steps = steps
    }

    /// Cross-field rules; each error names the field.
    public func validate() throws {
        func fail(_ message: String) -> PredictorError { .invalidConfig("dvd-gan: \(message)") }
        let c = contract
        guard c.channels >= 1 else { throw fail("contract.channels must be positive") }
        guard c.contextFrames >= 1, c.predictedFrames >= 1 else { throw fail("contract needs ≥ 1 context and ≥ 1 predicted frame") }
        guard latentSize >= 1, seedSize >= 1 else { throw fail("latentSize and seedSize must be positive") }
        guard !stageChannels.isEmpty, stageChannels.allSatisfy({ $0 > 0 }), outputChannels > 0 else {
            throw fail("stageChannels must be non-empty and positive, outputChannels positive")
        }
        let size = seedSize << stageChannels.count
        guard c.height == size, c.width == size else {
            throw fail("contract is \(c.height)x\(c.width) but seedSize·2^stageChannels.count = \(seedSize)·2^\(stageChannels.count) = \(size)")
        }
        guard !gruWidthFactors.isEmpty, gruWidthFactors.allSatisfy({ $0 > 0 }), gruWidthFactors.last == 1 else {
            throw fail("gruWidthFactors must be positive and end with 1 (the ConvGRU's output feeds the stage), got \(gruWidthFactors)")
        }
        guard gruKernelSizes.count == stageChannels.count,
              gruKernelSizes.allSatisfy({ $0.count == gruWidthFactors.count && $0.allSatisfy { $0 > 0 && $0 % 2 == 1 } }) else {
            throw fail("gruKernelSizes needs one list of \(gruWidthFactors.count) odd kernel sizes per stage (\(stageChannels.count) stages)")
        }
        guard encoderChannels > 0 else { throw fail("encoderChannels must be positive") }
        guard spatialChannels.count >= 2, spatialChannels.allSatisfy({ $0 > 0 }) else {
            throw fail("spatialChannels needs ≥ 2 positive widths (a stem and a block)")
        }
        guard temporalChannels.count >= 2, temporalChannels.allSatisfy({ $0 > 0 }) else {
            throw fail("temporalChannels needs ≥ 2 positive widths (a 3-D stem and a 3-D block)")
        }
        // The spatial discriminator halves the frame once per width; the temporal one reads frames at half
        // size and halves once per width as well.
        guard c.height >> spatialChannels.count >= 1 else {
            throw fail("spatialChannels has \(spatialChannels.count) widths, too many halvings for \(c.height)x\(c.width)")
        }
        guard c.height >> (temporalChannels.count + 1) >= 1 else {
            throw fail("temporalChannels has \(temporalChannels.count) widths, too many halvings for \(c.height)x\(c.width) at half size")
        }
        guard c.clipLength >= 4 else { throw fail("the clip (context + predicted) needs ≥ 4 frames for the temporal discriminator's two halvings") }
        guard (1...c.predictedFrames).contains(spatialFrames) else {
            throw fail("spatialFrames must be in 1...\(c.predictedFrames) (contract.predictedFrames), got \(spatialFrames)")
        }
        guard reconstructionWeight >= 0 else { throw fail("reconstructionWeight must be ≥ 0") }
        guard learningRate > 0, discriminatorLearningRateRatio > 0 else { throw fail("learningRate and discriminatorLearningRateRatio must be positive") }
        guard (0..<1).contains(beta1), (0..<1).contains(beta2) else { throw fail("beta1 and beta2 must be in [0, 1)") }
        guard batchSize >= 1, steps >= 1 else { throw fail("batchSize and steps must be at least 1") }
    }
}

extension DVDGANConfig {
    /// For tests: 16x16 gray, 2 + 3 frames, two stages of a few channels.
    public static let tiny = DVDGANConfig(
        contract: ClipContract(channels: 1, height: 16, width: 16, contextFrames: 2, predictedFrames: 3),
        latentSize: 8, seedSize: 4, stageChannels: [16, 8], outputChannels: 8, gruWidthFactors: [1],
        gruKernelSizes: [[3], [3]], encoderChannels: 8, residualOutput: true, spatialChannels: [8, 16, 16],
        temporalChannels: [8, 16], spatialFrames: 2, reconstructionWeight: 1, learningRate: 1e-3, batchSize: 2, steps: 20)

    /// The flow data on a CPU: 32x32 gray, 4 + 16 frames; three stages (4, 8, 16) with one-layer ConvGRUs,
    /// a residual output and an L1 term (both ours), TTUR-style rates, batch 4 and 320 steps (about 10 minutes
    /// on two cores).
    public static let cpu = DVDGANConfig(
        contract: ClipContract(channels: 1, height: 32, width: 32, contextFrames: 4, predictedFrames: 16),
        latentSize: 32, seedSize: 4, stageChannels: [64, 64, 32], outputChannels: 16, gruWidthFactors: [1],
        gruKernelSizes: [[3], [3], [3]], encoderChannels: 32, residualOutput: true, spatialChannels: [16, 32, 64, 64],
        temporalChannels: [16, 32, 64], spatialFrames: 4, reconstructionWeight: 1, learningRate: 2e-4,
        discriminatorLearningRateRatio: 2, batchSize: 4, steps: 320)

    /// The reference architecture at 64x64 RGB (ch = 32; the scripts' 8 frames, k = 4), conditioned on 4
    /// context frames to predict 4, hinge loss only, Adam 5e-5 with β = (0, 0.9).
    public static let reference64 = DVDGANConfig(
        contract: ClipContract(channels: 3, height: 64, width: 64, contextFrames: 4, predictedFrames: 4),
        spatialFrames: 4)

    /// The RVD paper's protocol at 64x64: 4 context + 16 predicted frames, the reference architecture.
    public static let rvd64 = DVDGANConfig(
        contract: ClipContract(channels: 3, height: 64, width: 64, contextFrames: 4, predictedFrames: 16))

    /// The RVD paper's protocol at 128x128: one more stage (at 64x64, 64 channels) and one more
    /// discriminator block.
    public static let rvd128 = DVDGANConfig(
        contract: ClipContract(channels: 3, height: 128, width: 128, contextFrames: 4, predictedFrames: 16),
        stageChannels: [256, 256, 256, 128, 64], outputChannels: 32,
        gruKernelSizes: [[3, 5, 3], [3, 5, 3], [3, 5, 3], [3, 5, 5], [3, 5, 5]],
        spatialChannels: [64, 128, 256, 512, 512, 512], temporalChannels: [64, 128, 256, 512, 512, 512])

    /// Presets by name; the first (`cpu`) is the default of `zoo train dvd-gan`.
    public static let presets: KeyValuePairs<String, DVDGANConfig> = [
        "cpu": cpu, "tiny": tiny, "reference64": reference64, "rvd64": rvd64, "rvd128": rvd128,
    ]
}
