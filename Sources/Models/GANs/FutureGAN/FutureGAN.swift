// FutureGAN: Aigner & Körner, "FutureGAN: Anticipating the Future Frames of Video Sequences using
// Spatio-Temporal 3d Convolutions in Progressively Growing GANs", arXiv 1810.01325 (2018); reference code
// github.com/TUM-LMF/FutureGAN.
//
// A 3-D convolutional encoder-decoder maps D_in past frames to D_pred future frames in one pass (no
// noise: deterministic); a 3-D convolutional critic scores past ⊕ future clips. Both are trained with
// WGAN-GP and grown progressively from 4x4, new blocks fading in next to the frames. Tensors are
// [N, C, D (time), H, W] inside the networks.
//
//   generator: fromRGB ─ encoder blocks (3x3x3 conv, (1,2,2)-strided conv) down to 4x4 ─ middle
//              (3x3x3, (D_in,1,1) conv to one step, (D_pred,1,1) transposed conv, 3x3x3) ─ decoder blocks
//              ((1,2,2)-strided transposed conv, 3x3x3) ─ toRGB (1x1x1, no activation)
//   critic:    fromRGB ─ blocks (3x3x3 conv, (1,2,2)-strided conv) down to 4x4 ─ minibatch stddev ─
//              3x3x3 conv ─ (D_in+D_pred,4,4) conv ─ linear → one score
// Every convolution has equalised learning rate and is followed by LeakyReLU(0.2), in the generator
// also by pixel norm (except toRGB). While a stage fades in, the generator's input and output and the
// critic's input each have a second, low-resolution path (the previous stage's fromRGB/toRGB with a new
// strided convolution between), mixed as (1 − α)·low + α·high.
//
// Implemented as the reference; deviations (README.md): a fixed batch size for all stages, real clips
// reduced to the stage's resolution by average pooling (the reference: nearest), an optional L1
// reconstruction term and an optional residual output (both off in the reference presets), predictions
// clamped to [−1, 1] and, before the last stage, upsampled (nearest) to the frame size. As the reference's
// `flush_network`, the fade-in paths are dropped when a stage's fade-in ends: the model's `stage` (the
// protocol's) counts phases, stage 0 and then for each growth step a fading and a flushed phase.

import ZooCore

/// LeakyReLU(0.2), the activation after every convolution but toRGB.
@inline(__always) func lrelu(_ x: Tensor) -> Tensor { leakyRelu(x, negativeSlope: 0.2) }

/// A downsampling block (encoder of the generator, body of the critic): a 3x3x3 convolution at `channels`,
/// then a (1,2,2)-strided (1,2,2) convolution to `outChannels` at half the resolution.
final class DownBlock: Module {
    let conv: EqualizedConv3d
    let down: EqualizedConv3d
    let pixelNorm: Bool

    init(_ channels: Int, _ outChannels: Int, pixelNorm: Bool, rng: inout RandomGenerator) {
        conv = EqualizedConv3d(channels, channels, kernelSize: 3, padding: 1, rng: &rng)
        down = EqualizedConv3d(channels, outChannels, kernelSize: (1, 2, 2), stride: (1, 2, 2), rng: &rng)
        self.pixelNorm = pixelNorm
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        let act: (Tensor) -> Tensor = pixelNorm ? { ZooCore.pixelNorm(lrelu($0)) } : lrelu
        return act(down(act(conv(x))))
    }
}

/// A decoder block of the generator: a (1,2,2)-strided transposed convolution from `inChannels` to
/// `channels` at twice the resolution, then a 3x3x3 convolution.
final class UpBlock: Module {
    let up: EqualizedConvTranspose3d
    let conv: EqualizedConv3d

    init(_ inChannels: Int, _ channels: Int, rng: inout RandomGenerator) {
        up = EqualizedConvTranspose3d(inChannels, channels, kernelSize: (1, 2, 2), stride: (1, 2, 2), rng: &rng)
        conv = EqualizedConv3d(channels, channels, kernelSize: 3, padding: 1, rng: &rng)
    }

    func callAsFunction(_ x: Tensor) -> Tensor { pixelNorm(lrelu(conv(pixelNorm(lrelu(up(x)))))) }
}

/// The generator's 4x4 middle: 3x3x3 conv, a (D_in,1,1) convolution to one time step, a (D_pred,1,1)
/// transposed convolution to D_pred steps, 3x3x3 conv.
final class MiddleBlock: Module {
    let conv1: EqualizedConv3d
    let squeeze: EqualizedConv3d
    let expand: EqualizedConvTranspose3d
    let conv2: EqualizedConv3d

    init(_ channels: Int, inFrames: Int, outFrames: Int, rng: inout RandomGenerator) {
        conv1 = EqualizedConv3d(channels, channels, kernelSize: 3, padding: 1, rng: &rng)
        squeeze = EqualizedConv3d(channels, channels, kernelSize: (inFrames, 1, 1), rng: &rng)
        expand = EqualizedConvTranspose3d(channels, channels, kernelSize: (outFrames, 1, 1), rng: &rng)
        conv2 = EqualizedConv3d(channels, channels, kernelSize: 3, padding: 1, rng: &rng)
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        var h = pixelNorm(lrelu(conv1(x)))
        h = pixelNorm(lrelu(squeeze(h)))
        h = pixelNorm(lrelu(expand(h)))
        return pixelNorm(lrelu(conv2(h)))
    }
}

/// The generator's low-resolution paths while a stage fades in: the previous stage's fromRGB followed by a
/// new strided convolution down, and a new strided transposed convolution up followed by the previous
/// stage's toRGB.
final class GeneratorFadeIn: Module {
    let fromRGB: EqualizedConv3d
    let down: EqualizedConv3d
    let up: EqualizedConvTranspose3d
    let toRGB: EqualizedConv3d

    init(fromRGB: EqualizedConv3d, toRGB: EqualizedConv3d, channels: Int, rng: inout RandomGenerator) {
        self.fromRGB = fromRGB
        self.toRGB = toRGB
        down = EqualizedConv3d(channels, channels, kernelSize: (1, 2, 2), stride: (1, 2, 2), rng: &rng)
        up = EqualizedConvTranspose3d(channels, channels, kernelSize: (1, 2, 2), stride: (1, 2, 2), rng: &rng)
    }
}

/// FutureGAN's generator (`FutureGenerator` of the reference): past frames [N, C, D_in, r, r] → future
/// frames [N, C, D_pred, r, r] at the current resolution r.
final class FutureGenerator: Module {
    /// The frame-side input layer of the current resolution (1x1x1 conv, LReLU, pixel norm).
    var fromRGB: EqualizedConv3d
    /// encoders[j] takes resolution 4·2^(j+1) to 4·2^j (index 0 next to the middle).
    var encoders: [DownBlock]
    let middle: MiddleBlock
    /// decoders[j] takes resolution 4·2^j to 4·2^(j+1).
    var decoders: [UpBlock]
    /// The frame-side output layer of the current resolution (1x1x1 conv, no activation).
    var toRGB: EqualizedConv3d
    /// The low-resolution paths of a stage that is fading in.
    var fadeIn: GeneratorFadeIn?

    let frameChannels: Int
    let width: (Int) -> Int
    /// Whether every toRGB starts at zero weights (the `residual` presets: the untrained generator then
    /// predicts the last context frame, and each new resolution starts from the previous one's output).
    let zeroOutput: Bool

    /// The generator at `levels` resolution levels above 4x4; `width(r)` gives the channels at resolution r.
    init(frameChannels: Int, inFrames: Int, outFrames: Int, levels: Int, width: @escaping (Int) -> Int,
         zeroOutput: Bool = false, rng: inout RandomGenerator) {
        self.frameChannels = frameChannels
        self.width = width
        self.zeroOutput = zeroOutput
        let top = 4 << levels
        fromRGB = EqualizedConv3d(frameChannels, width(top), kernelSize: 1, rng: &rng)
        encoders = (0..<levels).map { j in
            let r = 8 << j
            return DownBlock(width(r), width(r / 2), pixelNorm: true, rng: &rng)
        }
        middle = MiddleBlock(width(4), inFrames: inFrames, outFrames: outFrames, rng: &rng)
        decoders = (0..<levels).map { j in
            let r = 8 << j
            return UpBlock(width(r / 2), width(r), rng: &rng)
        }
        toRGB = EqualizedConv3d(width(top), frameChannels, kernelSize: 1, rng: &rng)
        if zeroOutput { toRGB.weight.value = Tensor.zeros(toRGB.weight.shape) }
    }

    /// Adds the blocks of the next resolution and the fade-in paths (the reference's `grow_network`).
    func grow(rng: inout RandomGenerator) {
        let r = 8 << encoders.count, low = width(r / 2), high = width(r)
        let newFromRGB = EqualizedConv3d(frameChannels, high, kernelSize: 1, rng: &rng)
        let encoder = DownBlock(high, low, pixelNorm: true, rng: &rng)
        let decoder = UpBlock(low, high, rng: &rng)
        let newToRGB = EqualizedConv3d(high, frameChannels, kernelSize: 1, rng: &rng)
        if zeroOutput { newToRGB.weight.value = Tensor.zeros(newToRGB.weight.shape) }
        fadeIn = GeneratorFadeIn(fromRGB: fromRGB, toRGB: toRGB, channels: low, rng: &rng)
        fromRGB = newFromRGB
        toRGB = newToRGB
        encoders.append(encoder)
        decoders.append(decoder)
    }

    /// Drops the fade-in paths (the reference's `flush_network`).
    func flush() { fadeIn = nil }

    /// Past frames [N, C, D_in, r, r] → predicted frames [N, C, D_pred, r, r]; α weighs the new layers
    /// while a stage fades in.
    func callAsFunction(_ x: Tensor, alpha: Float) -> Tensor {
        let levels = encoders.count
        let fading = fadeIn != nil && alpha < 1 && levels > 0
        var h = pixelNorm(lrelu(fromRGB(x)))
        if levels > 0 {
            h = encoders[levels - 1](h)
            if fading, let f = fadeIn {
                let low = pixelNorm(lrelu(f.down(pixelNorm(lrelu(f.fromRGB(x))))))
                h = low * (1 - alpha) + h * alpha
            }
            for j in stride(from: levels - 2, through: 0, by: -1) { h = encoders[j](h) }
        }
        h = middle(h)
        guard levels > 0 else { return toRGB(h) }
        for j in 0..<(levels - 1) { h = decoders[j](h) }
        let high = toRGB(decoders[levels - 1](h))
        guard fading, let f = fadeIn else { return high }
        let low = f.toRGB(pixelNorm(lrelu(f.up(h))))
        return low * (1 - alpha) + high * alpha
    }
}

/// The critic's 4x4 head: minibatch stddev, 3x3x3 conv (C + 1 → C), a (D,4,4) convolution over the whole
/// clip, and a linear layer to one score (no sigmoid).
final class CriticHead: Module {
    let conv: EqualizedConv3d
    let clip: EqualizedConv3d
    let linear: EqualizedLinear

    init(_ channels: Int, frames: Int, rng: inout RandomGenerator) {
        conv = EqualizedConv3d(channels + 1, channels, kernelSize: 3, padding: 1, rng: &rng)
        clip = EqualizedConv3d(channels, channels, kernelSize: (frames, 4, 4), rng: &rng)
        linear = EqualizedLinear(channels, 1, rng: &rng)
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        let h = lrelu(clip(lrelu(conv(minibatchStddev(x)))))
        return linear(h.reshaped([h.shape[0], -1]))
    }
}

/// The critic's low-resolution path while a stage fades in: the previous stage's fromRGB and a new
/// strided convolution down.
final class CriticFadeIn: Module {
    let fromRGB: EqualizedConv3d
    let down: EqualizedConv3d

    init(fromRGB: EqualizedConv3d, channels: Int, rng: inout RandomGenerator) {
        self.fromRGB = fromRGB
        down = EqualizedConv3d(channels, channels, kernelSize: (1, 2, 2), stride: (1, 2, 2), rng: &rng)
    }
}

/// FutureGAN's critic (`Discriminator` of the reference): a clip [N, C, D_in + D_pred, r, r] → [N, 1].
final class FutureCritic: Module {
    var fromRGB: EqualizedConv3d
    /// blocks[j] takes resolution 4·2^(j+1) to 4·2^j.
    var blocks: [DownBlock]
    let head: CriticHead
    var fadeIn: CriticFadeIn?

    let frameChannels: Int
    let width: (Int) -> Int

    init(frameChannels: Int, frames: Int, levels: Int, width: @escaping (Int) -> Int, rng: inout RandomGenerator) {
        self.frameChannels = frameChannels
        self.width = width
        fromRGB = EqualizedConv3d(frameChannels, width(4 << levels), kernelSize: 1, rng: &rng)
        blocks = (0..<levels).map { j in
            let r = 8 << j
            return DownBlock(width(r), width(r / 2), pixelNorm: false, rng: &rng)
        }
        head = CriticHead(width(4), frames: frames, rng: &rng)
    }

    /// Adds the block of the next resolution and the fade-in path.
    func grow(rng: inout RandomGenerator) {
        let r = 8 << blocks.count, low = width(r / 2), high = width(r)
        let newFromRGB = EqualizedConv3d(frameChannels, high, kernelSize: 1, rng: &rng)
        let block = DownBlock(high, low, pixelNorm: false, rng: &rng)
        fadeIn = CriticFadeIn(fromRGB: fromRGB, channels: low, rng: &rng)
        fromRGB = newFromRGB
        blocks.append(block)
    }

    /// Drops the fade-in path (the reference's `flush_network`).
    func flush() { fadeIn = nil }

    func callAsFunction(_ x: Tensor, alpha: Float) -> Tensor {
        let levels = blocks.count
        var h = lrelu(fromRGB(x))
        if levels > 0 {
            h = blocks[levels - 1](h)
            if alpha < 1, let f = fadeIn {
                let low = lrelu(f.down(lrelu(f.fromRGB(x))))
                h = low * (1 - alpha) + h * alpha
            }
            for j in stride(from: levels - 2, through: 0, by: -1) { h = blocks[j](h) }
        }
        return head(h)
    }
}

/// FutureGAN: the generator, the critic and the progressive-growing state.
public final class FutureGAN: ConfiguredPredictor {
    /// The config.
    public let config: FutureGANConfig
    let generator: FutureGenerator
    let discriminator: FutureCritic
    /// α of the stage fading in ([1]; 1 when nothing fades in). Set from the step in `trainStep` and kept
    /// in checkpoints, so a prediction or a resume inside a fade-in sees the same mix.
    let fadeInAlpha: Buffer
    /// The phase the networks are in (0 at construction): 0 for stage 0, then 2k − 1 while stage k fades
    /// in and 2k after its fade-in (`FutureGANConfig.phase(forStep:)`). This is the protocol's stage: the
    /// trainer moves the model through it and checkpoints store it.
    public private(set) var stage: Int = 0
    /// The optimizers `makeOptimizers` made last, with the phase they were made in: on entering a flushed
    /// phase their Adam state carries over to the new ones (the reference keeps its optimizers when it
    /// flushes).
    var lastOptimizers: (phase: Int, group: OptimizerGroup)?

    /// A model in stage 0 (the networks at `config.startResolution`) with weights drawn from `rng`.
    public init(config: FutureGANConfig, rng: inout RandomGenerator) {
        self.config = config
        let c = config.contract, levels = config.levels(stage: 0)
        let g = config.generatorChannels, d = config.criticChannels
        generator = FutureGenerator(frameChannels: c.channels, inFrames: c.contextFrames, outFrames: c.predictedFrames,
                                    levels: levels, width: { [config] in config.channels(g, resolution: $0) },
                                    zeroOutput: config.residual, rng: &rng)
        discriminator = FutureCritic(frameChannels: c.channels, frames: c.clipLength, levels: levels,
                                     width: { [config] in config.channels(d, resolution: $0) }, rng: &rng)
        fadeInAlpha = Buffer(Tensor(shape: [1], scalars: [1]))
    }

    public var modelName: String { "futuregan" }

    /// The growth stage (resolution level above the start) of the current phase.
    public var growthStage: Int { config.stage(phase: stage) }

    /// The current training resolution.
    public var resolution: Int { config.resolution(stage: growthStage) }

    /// α as stored.
    var alpha: Float { fadeInAlpha.value.scalars[0] }

    /// Moves the networks phase by phase up to `target`: entering a fading phase grows them (the layers of
    /// growth stage k drawn from `config.seed + k`) with α set to 0; entering a flushed phase drops the
    /// fade-in paths, α 1.
    public func enterStage(_ target: Int) throws {
        guard (0..<config.phaseCount).contains(target) else {
            throw PredictorError.invalidConfig(
                "futuregan: stage \(target) does not exist; this config has stages 0...\(config.phaseCount - 1) "
                + "(0, then a fading and a flushed stage per growth step)")
        }
        guard target >= stage else {
            throw PredictorError.invalidConfig("futuregan: cannot shrink from stage \(stage) to \(target)")
        }
        while stage < target {
            stage += 1
            if config.isFadingIn(phase: stage) {
                var rng = RandomGenerator(seed: config.seed &+ UInt64(growthStage))
                generator.grow(rng: &rng)
                discriminator.grow(rng: &rng)
                fadeInAlpha.value = Tensor(shape: [1], scalars: [0])
            } else {
                generator.flush()
                discriminator.flush()
                fadeInAlpha.value = Tensor(shape: [1], scalars: [1])
            }
        }
    }

    /// Clips [B, T, C, H, W] → [B, C, T, r, r] at the current resolution (average pooling).
    func toNetwork(_ frames: Tensor) -> Tensor {
        let x = frames.permuted([0, 2, 1, 3, 4])
        let factor = config.contract.height / resolution
        return factor == 1 ? x : avgPool3d(x, kernel: (1, factor, factor))
    }

    /// The generator at the stored α: past [N, C, D_in, r, r] → future [N, C, D_pred, r, r] (with
    /// `residual`, the last past frame plus the generator's output).
    func generate(_ past: Tensor) -> Tensor {
        let out = generator(past, alpha: alpha)
        guard config.residual else { return out }
        let d = past.shape[2]
        return out + past.sliced(axis: 2, (d - 1)..<d)
    }

    /// The critic at the stored α: clip [N, C, D_in + D_pred, r, r] → scores [N, 1].
    func criticize(_ clip: Tensor) -> Tensor { discriminator(clip, alpha: alpha) }
}
