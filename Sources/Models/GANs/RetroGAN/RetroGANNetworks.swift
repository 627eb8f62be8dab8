// RetroGAN's networks: the ResNet generator that maps k stacked frames to the next (or, fed reversed
// frames, the previous) one, the PatchGAN frame and sequence discriminators, and the fixed
// Laplacian-of-Gaussian filter of the LoG loss.
//
// Port of the generator and discriminators of github.com/SaulZhang/Video_Prediction_ZOO,
// RetrospectiveCycleGAN/models.py (a re-implementation of Kwon & Park, CVPR 2019; there is no official
// code). Parameter names equal the reference's state_dict (`model.<index>.weight`, with the Sequential's
// indices), so its weights convert one to one. Generalised from the reference: frame channels (the
// reference hard-codes RGB) and every width and block count are config fields; the reference preset
// reproduces its layers exactly.
import ZooCore

// MARK: - Padding

/// Reflection padding of the last two axes of `[N, C, H, W]` by `p` on every side (PyTorch's
/// `nn.ReflectionPad2d(p)`): the border row/column is not repeated. Composed of slices, flips and concats.
func reflectionPad2d(_ x: Tensor, _ p: Int) -> Tensor {
    guard p > 0 else { return x }
    require(x.rank == 4 && x.shape[2] > p && x.shape[3] > p,
                 "reflectionPad2d(\(p)) needs [N, C, H, W] with H, W > \(p), got \(x.shape)")
    func pad(_ t: Tensor, axis: Int) -> Tensor {
        let n = t.shape[axis]
        let before = t.sliced(axis: axis, 1..<(p + 1)).flipped(axes: [axis])
        let after = t.sliced(axis: axis, (n - 1 - p)..<(n - 1)).flipped(axes: [axis])
        return concat([before, t, after], axis: axis)
    }
    return pad(pad(x, axis: 2), axis: 3)
}

/// Draws a convolution's weight from N(0, 0.02²) and zeroes its bias (the reference's `weights_init_normal`).
func retroGANInit(_ layer: ConvolutionLayer, rng: inout RandomGenerator) {
    layer.weight.value = Init.normal(layer.weight.shape, std: 0.02, rng: &rng)
    if let bias = layer.bias { bias.value = Tensor.zeros(bias.shape) }
}

// MARK: - Generator

/// The reference's `ResidualBlock`: x + IN(conv(reflect(relu(IN(conv(reflect(x))))))); names
/// `block.1` and `block.5` (the Sequential's indices).
final class RetroGANResidualBlock: Module {
    let conv1: Conv2d
    let conv2: Conv2d

    init(channels: Int, rng: inout RandomGenerator) {
        conv1 = Conv2d(channels, channels, kernelSize: 3, rng: &rng)
        conv2 = Conv2d(channels, channels, kernelSize: 3, rng: &rng)
        retroGANInit(conv1, rng: &rng)
        retroGANInit(conv2, rng: &rng)
    }

    func children() -> [(String, ModuleChild)] { [("block.1", .module(conv1)), ("block.5", .module(conv2))] }

    func callAsFunction(_ x: Tensor) -> Tensor {
        let h = relu(instanceNorm(conv1(reflectionPad2d(x, 1))))
        return x + instanceNorm(conv2(reflectionPad2d(h, 1)))
    }
}

/// The reference's `GeneratorResNet`: `inputFrames` frames stacked on channels [B, k·C, H, W] → one frame
/// [B, C, H, W] in (−1, 1).
///
///     reflect 3 → conv 7x7 (stem; no norm or activation, as the reference)
///     per down width: conv 3x3 stride 2 → IN → ReLU
///     residual blocks at the lowest resolution
///     per up width: transposed conv 3x3 stride 2 (output padding 1) → IN → ReLU
///     reflect 3 → conv 7x7 → tanh
public final class RetroGANGenerator: Module {
    let stem: Conv2d
    let downs: [Conv2d]
    let blocks: [RetroGANResidualBlock]
    let ups: [ConvTranspose2d]
    let head: Conv2d

    public init(config: RetroGANConfig, rng: inout RandomGenerator) {
        let c = config.contract.channels
        stem = Conv2d(config.inputFrames * c, config.stemChannels, kernelSize: 7, rng: &rng)
        retroGANInit(stem, rng: &rng)
        var width = config.stemChannels
        var downs: [Conv2d] = []
        for out in config.downChannels {
            let conv = Conv2d(width, out, kernelSize: 3, stride: 2, padding: 1, rng: &rng)
            retroGANInit(conv, rng: &rng)
            downs.append(conv)
            width = out
        }
        var blocks: [RetroGANResidualBlock] = []
        for _ in 0..<config.residualBlocks { blocks.append(RetroGANResidualBlock(channels: width, rng: &rng)) }
        var ups: [ConvTranspose2d] = []
        for out in config.upChannels {
            let conv = ConvTranspose2d(width, out, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1, rng: &rng)
            retroGANInit(conv, rng: &rng)
            ups.append(conv)
            width = out
        }
        head = Conv2d(width, c, kernelSize: 7, rng: &rng)
        retroGANInit(head, rng: &rng)
        self.downs = downs
        self.blocks = blocks
        self.ups = ups
    }

    /// The reference's Sequential indices: pad 0, stem 1, then three layers per down (conv, IN, ReLU), one
    /// per residual block, three per up, and pad + conv + tanh at the end.
    public func children() -> [(String, ModuleChild)] {
        var out: [(String, ModuleChild)] = [("model.1", .module(stem))]
        var i = 2
        for d in downs { out.append(("model.\(i)", .module(d))); i += 3 }
        for b in blocks { out.append(("model.\(i)", .module(b))); i += 1 }
        for u in ups { out.append(("model.\(i)", .module(u))); i += 3 }
        out.append(("model.\(i + 1)", .module(head)))
        return out
    }

    /// `x` [B, k·C, H, W] (k frames stacked oldest first, or newest first for the backward direction).
    public func callAsFunction(_ x: Tensor) -> Tensor {
        require(x.rank == 4 && x.shape[1] == stem.weight.shape[1],
                     "RetroGAN generator expects [B, \(stem.weight.shape[1]), H, W] (frames stacked on channels), got \(x.shape)")
        var h = stem(reflectionPad2d(x, 3))
        for d in downs { h = relu(instanceNorm(d(h))) }
        for b in blocks { h = b(h) }
        for u in ups { h = relu(instanceNorm(u(h))) }
        return tanh(head(reflectionPad2d(h, 3)))
    }
}

// MARK: - Discriminator

/// The reference's `DiscriminatorA`/`DiscriminatorB` (4-block PatchGAN): conv 4x4 stride 2 → [IN] →
/// LeakyReLU(0.2) per width (no IN in the first), zero padding (left 1, top 1), conv 4x4 padding 1 → one
/// channel of patch scores [B, 1, H/2ⁿ, W/2ⁿ]. The frame discriminator reads one frame (C channels), the
/// sequence discriminator a whole clip stacked on channels (k+1 frames).
public final class RetroGANDiscriminator: Module {
    let blocks: [Conv2d]
    let head: Conv2d

    public init(inputChannels: Int, channels: [Int], rng: inout RandomGenerator) {
        var width = inputChannels
        var blocks: [Conv2d] = []
        for out in channels {
            let conv = Conv2d(width, out, kernelSize: 4, stride: 2, padding: 1, rng: &rng)
            retroGANInit(conv, rng: &rng)
            blocks.append(conv)
            width = out
        }
        head = Conv2d(width, 1, kernelSize: 4, padding: 1, rng: &rng)
        retroGANInit(head, rng: &rng)
        self.blocks = blocks
    }

    /// Indices: conv 0 + LReLU 1, then conv + IN + LReLU per further block, then the pad and the head conv.
    public func children() -> [(String, ModuleChild)] {
        var out: [(String, ModuleChild)] = [("model.0", .module(blocks[0]))]
        var i = 2
        for b in blocks.dropFirst() { out.append(("model.\(i)", .module(b))); i += 3 }
        out.append(("model.\(i + 1)", .module(head)))
        return out
    }

    /// `x` [B, Cin, H, W] → patch scores [B, 1, H/2ⁿ, W/2ⁿ].
    public func callAsFunction(_ x: Tensor) -> Tensor {
        require(x.rank == 4 && x.shape[1] == blocks[0].weight.shape[1],
                     "RetroGAN discriminator expects [B, \(blocks[0].weight.shape[1]), H, W], got \(x.shape)")
        var h = leakyRelu(blocks[0](x), negativeSlope: 0.2)
        for b in blocks.dropFirst() { h = leakyRelu(instanceNorm(b(h)), negativeSlope: 0.2) }
        return head(h.padded([(0, 0), (0, 0), (1, 0), (1, 0)]))
    }
}

// MARK: - Laplacian of Gaussian

/// The fixed 9x9 LoG-like kernel of the reference (laplacian_of_guassian.py), applied to every channel
/// separately with zero padding 4. Its seventh row is "1,4,5,3,0,3,4,4,1" where symmetry would give
/// "…,5,4,1": we keep the reference's values, so the loss is the reference's. Un-normalised (sum ≠ 0).
let retroGANLoGKernel: [Float] = [
    0, 1, 1, 2, 2, 2, 1, 1, 0,
    1, 2, 4, 5, 5, 5, 4, 2, 1,
    1, 4, 5, 3, 0, 3, 5, 4, 1,
    2, 5, 3, -12, -24, -12, 3, 5, 2,
    2, 5, 0, -24, -40, -24, 0, 5, 2,
    2, 5, 3, -12, -24, -12, 3, 5, 2,
    1, 4, 5, 3, 0, 3, 4, 4, 1,
    1, 2, 4, 5, 5, 5, 4, 2, 1,
    0, 1, 1, 2, 2, 2, 1, 1, 0,
]

/// The LoG filter of every channel of `x` [B, C, H, W] (a depthwise convolution with a constant kernel).
func laplacianOfGaussian(_ x: Tensor) -> Tensor {
    let s = x.shape
    let kernel = Tensor(shape: [1, 1, 9, 9], scalars: retroGANLoGKernel)
    return conv2d(x.reshaped([s[0] * s[1], 1, s[2], s[3]]), kernel, padding: (4, 4)).reshaped(s)
}
