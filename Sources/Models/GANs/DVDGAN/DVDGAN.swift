// DVD-GAN for frame prediction: A. Clark, J. Donahue and K. Simonyan, "Adversarial Video Generation on
// Complex Datasets", arXiv 1907.06571 (2019). No official code.
//
// What is implemented: the networks of the unofficial github.com/Harrypotterrrr/DVD-GAN (ConvGRU
// generator with conditional-BN residual blocks and spectral norm; spatial and temporal discriminators with
// spectral norm, residual blocks and self-attention; hinge loss; Adam β = (0, 0.9); one discriminator
// update, then one generator update on the same fakes), adapted to frame prediction, which that code does
// not do. The adaptation is ours (the paper's DVD-GAN-FP is described only in outline):
//   * a context encoder reads the context frames stacked on channels; its map at each generator
//     resolution is added to the ConvGRU's input at every step;
//   * the spatial discriminator scores k random predicted frames (as the reference, frames alone); the
//     temporal discriminator scores the whole clip, context included, at half size, so it judges whether
//     the future continues the context;
//   * one class (the class embedding and projection become learned vectors);
//   * optional (presets tiny and cpu): the output as a change of the last context frame and an L1 term
//     between predicted and true frames, to make short CPU runs useful.
// Fixed reference bugs: the per-frame condition is ordered batch-major like the features; the generator's
// loss is −mean(D(fake)) (the reference applies a hinge to it too); conditional BN starts as the identity.
// Stochastic through z ~ N(0, I): each sample draws its own z.
import ZooCore

/// The `dvd-gan` model.
public final class DVDGAN: Module {
    public let config: DVDGANConfig
    let generator: DVDGenerator
    let spatialDiscriminator: DVDSpatialDiscriminator
    let temporalDiscriminator: DVDTemporalDiscriminator

    /// - Parameter orthogonal: draw the ConvGRU weights orthogonal (the reference); tests that only count
    ///   parameters of the large presets pass false to skip the QR work.
    init(config: DVDGANConfig, orthogonal: Bool, rng: inout RandomGenerator) {
        self.config = config
        generator = DVDGenerator(config: config, orthogonal: orthogonal, rng: &rng)
        spatialDiscriminator = DVDSpatialDiscriminator(inputChannels: config.contract.channels, widths: config.spatialChannels, rng: &rng)
        temporalDiscriminator = DVDTemporalDiscriminator(inputChannels: config.contract.channels, widths: config.temporalChannels,
                                                         rng: &rng)
    }

    public convenience init(config: DVDGANConfig, rng: inout RandomGenerator) {
        self.init(config: config, orthogonal: true, rng: &rng)
    }

    /// Checkpoint names: `G.*`, `D_s.*`, `D_t.*` (the reference's attribute names).
    public func children() -> [(String, ModuleChild)] {
        [("G", .module(generator)), ("D_s", .module(spatialDiscriminator)), ("D_t", .module(temporalDiscriminator))]
    }

    /// Predicted frames for `context` [B, Tc, C, H, W] and noise `z` [B, L] → [B, frameCount, C, H, W].
    func generate(context: Tensor, z: Tensor, frameCount: Int, training: Bool) -> Tensor {
        let s = context.shape
        let stacked = context.reshaped([s[0], s[1] * s[2], s[3], s[4]])
        let features = generator.contextEncoder(stacked)
        return generator(z: z, frameCount: frameCount, features: features, last: context.selecting(axis: 1, s[1] - 1),
                         training: training)
    }

    /// `z` ~ N(0, I) of shape [count, L] from `rng`.
    func drawNoise(count: Int, rng: inout RandomGenerator) -> Tensor {
        Init.batchNormal([count, config.latentSize], rng: &rng)
    }

    /// `k` distinct frame indices below `count`, sorted (the reference's `sample_k_frames`).
    static func sampleFrames(_ k: Int, of count: Int, rng: inout RandomGenerator) -> [Int] {
        var indices = Array(0..<count)
        for i in 0..<k {
            let j = i + rng.int(below: count - i)
            indices.swapAt(i, j)
        }
        return Array(indices.prefix(k)).sorted()
    }

    /// Frames `indices` of a clip [B, T, C, H, W], folded into the batch: [B·k, C, H, W].
    static func frames(_ clip: Tensor, _ indices: [Int]) -> Tensor {
        let s = clip.shape
        return stack(indices.map { clip.selecting(axis: 1, $0) }, axis: 1).reshaped([s[0] * indices.count, s[2], s[3], s[4]])
    }

    /// The temporal discriminator's input: the clip at half size, [B, C, T, H/2, W/2] (`vid_downsample`).
    static func halfSize(_ clip: Tensor) -> Tensor {
        let s = clip.shape
        let pooled = avgPool2d(clip.reshaped([s[0] * s[1], s[2], s[3], s[4]]), kernel: (2, 2))
        return pooled.reshaped([s[0], s[1], s[2], s[3] / 2, s[4] / 2]).permuted([0, 2, 1, 3, 4])
    }
}
