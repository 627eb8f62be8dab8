// DVD-GAN's two discriminators with spectral norm everywhere: the spatial one scores single frames at full
// resolution, the temporal one scores the whole clip at half resolution with 3-D convolutions first.
//
// Port of Module/Discriminators.py and Module/Attention.py (SelfAttention) of
// github.com/Harrypotterrrr/DVD-GAN, with the number of blocks following the config (the reference's
// widths are [2, 4, 8, 16, 16]·chn). The class projection keeps the reference's form with one class.
import ZooCore

// MARK: - Blocks

/// SAGAN self-attention (the reference's `SelfAttention`): q, k to C/8 and v to C by 1x1 convolutions
/// (Xavier-uniform weights, zero biases), softmax over positions, out = γ·attention + x with γ starting at 0.
final class DVDSelfAttention: Module {
    let queryConv: Conv2d
    let keyConv: Conv2d
    let valueConv: Conv2d
    let gamma: Parameter

    init(channels: Int, rng: inout RandomGenerator) {
        require(channels >= 8, "self-attention needs ≥ 8 channels (q and k have C/8), got \(channels)")
        func conv(_ out: Int, _ rng: inout RandomGenerator) -> Conv2d {
            let c = Conv2d(channels, out, kernelSize: 1, rng: &rng)
            c.weight.value = Init.xavierUniform(c.weight.shape, rng: &rng)
            c.bias?.value = Tensor.zeros([out])
            return c
        }
        queryConv = conv(channels / 8, &rng)
        keyConv = conv(channels / 8, &rng)
        valueConv = conv(channels, &rng)
        gamma = Parameter(Tensor.zeros([1]))
    }

    func key(forProperty name: String) -> String? {
        switch name {
        case "queryConv": return "query_conv"
        case "keyConv": return "key_conv"
        case "valueConv": return "value_conv"
        case "gamma": return "gamma"
        default: return nil
        }
    }

    /// `x` [N, C, H, W] → [N, C, H, W].
    func callAsFunction(_ x: Tensor) -> Tensor {
        let s = x.shape, n = s[2] * s[3]
        let q = queryConv(x).reshaped([s[0], -1, n])                  // [N, C', P]
        let k = keyConv(x).reshaped([s[0], -1, n])                    // [N, C', P]
        let v = valueConv(x).reshaped([s[0], s[1], n])                // [N, C, P]
        let attention = softmax(matmul(q, k, transposeA: true), axis: 2)      // [N, P(query), P(key)]
        let out = matmul(v, attention, transposeB: true).reshaped(s)          // out[c, i] = Σⱼ v[c, j]·a[i, j]
        return gamma.value * out + x
    }
}

/// The reference's discriminator `GBlock` (no norm, downsampling): ReLU → SN conv 3x3 → ReLU → SN conv
/// 3x3 → avg-pool 2, plus SN conv 1x1 → avg-pool 2 of the input.
final class DVDDiscriminatorBlock: Module {
    let conv0: SpectralNorm<Conv2d>
    let conv1: SpectralNorm<Conv2d>
    let convSC: SpectralNorm<Conv2d>

    init(_ inChannels: Int, _ outChannels: Int, rng: inout RandomGenerator) {
        conv0 = SpectralNorm(Conv2d(inChannels, outChannels, kernelSize: 3, padding: 1, rng: &rng), weightKey: "weight_bar", rng: &rng)
        conv1 = SpectralNorm(Conv2d(outChannels, outChannels, kernelSize: 3, padding: 1, rng: &rng), weightKey: "weight_bar", rng: &rng)
        convSC = SpectralNorm(Conv2d(inChannels, outChannels, kernelSize: 1, rng: &rng), weightKey: "weight_bar", rng: &rng)
    }

    func key(forProperty name: String) -> String? { name == "convSC" ? "conv_sc" : name }

    func callAsFunction(_ x: Tensor, training: Bool) -> Tensor {
        let h = conv1(relu(conv0(relu(x), training: training)), training: training)
        return avgPool2d(h, kernel: (2, 2)) + avgPool2d(convSC(x, training: training), kernel: (2, 2))
    }
}

/// The reference's `Res3dBlock` (no norm, downsampling): the same with 3x3x3 convolutions and 3-D pooling.
final class DVDDiscriminatorBlock3d: Module {
    let conv0: SpectralNorm<Conv3d>
    let conv1: SpectralNorm<Conv3d>
    let convSC: SpectralNorm<Conv3d>

    init(_ inChannels: Int, _ outChannels: Int, rng: inout RandomGenerator) {
        conv0 = SpectralNorm(Conv3d(inChannels, outChannels, kernelSize: 3, padding: 1, rng: &rng), weightKey: "weight_bar", rng: &rng)
        conv1 = SpectralNorm(Conv3d(outChannels, outChannels, kernelSize: 3, padding: 1, rng: &rng), weightKey: "weight_bar", rng: &rng)
        convSC = SpectralNorm(Conv3d(inChannels, outChannels, kernelSize: 1, rng: &rng), weightKey: "weight_bar", rng: &rng)
    }

    func key(forProperty name: String) -> String? { name == "convSC" ? "conv_sc" : name }

    func callAsFunction(_ x: Tensor, training: Bool) -> Tensor {
        let h = conv1(relu(conv0(relu(x), training: training)), training: training)
        return avgPool3d(h, kernel: (2, 2, 2)) + avgPool3d(convSC(x, training: training), kernel: (2, 2, 2))
    }
}

/// The score head both discriminators share: ReLU, sum over positions, SN linear → 1 plus the projection
/// on the (spectrally normalised) class embedding.
final class DVDScoreHead: Module {
    let linear: SpectralNorm<Linear>
    let embed: SpectralNorm<DVDClassEmbedding>

    init(channels: Int, rng: inout RandomGenerator) {
        linear = SpectralNorm(Linear(channels, 1, rng: &rng), weightKey: "weight_bar", rng: &rng)
        embed = SpectralNorm(DVDClassEmbedding(size: channels, weight: Init.uniform([1, channels], low: -0.1, high: 0.1, rng: &rng)),
                             weightKey: "weight_bar", rng: &rng)
    }

    /// `h` [N, C, H, W] → scores [N].
    func callAsFunction(_ h: Tensor, training: Bool) -> Tensor {
        let features = relu(h).sum(axes: [2, 3])                           // [N, C]
        return linear(features, training: training).reshaped([-1]) + embed(features, training: training)
    }
}

// MARK: - Discriminators

/// The spatial discriminator D_S: frames [N, C, H, W] → one score per frame [N].
///
///     stem: SN conv 3x3 → ReLU → SN conv 3x3 → avg-pool 2, plus SN conv 1x1 of the avg-pooled input
///     block to widths[1] (÷2) → self-attention → blocks to widths[2…] (÷2 each) → head
///
/// Names as the reference: `pre_conv.0`, `pre_conv.2`, `pre_skip`, `conv1`, `attn`, `conv2.j`, `linear`,
/// `embed`.
final class DVDSpatialDiscriminator: Module {
    let preConv0: SpectralNorm<Conv2d>
    let preConv2: SpectralNorm<Conv2d>
    let preSkip: SpectralNorm<Conv2d>
    let conv1: DVDDiscriminatorBlock
    let attn: DVDSelfAttention
    let conv2: [DVDDiscriminatorBlock]
    let head: DVDScoreHead

    init(inputChannels: Int, widths w: [Int], rng: inout RandomGenerator) {
        preConv0 = SpectralNorm(Conv2d(inputChannels, w[0], kernelSize: 3, padding: 1, rng: &rng), weightKey: "weight_bar", rng: &rng)
        preConv2 = SpectralNorm(Conv2d(w[0], w[0], kernelSize: 3, padding: 1, rng: &rng), weightKey: "weight_bar", rng: &rng)
        preSkip = SpectralNorm(Conv2d(inputChannels, w[0], kernelSize: 1, rng: &rng), weightKey: "weight_bar", rng: &rng)
        conv1 = DVDDiscriminatorBlock(w[0], w[1], rng: &rng)
        attn = DVDSelfAttention(channels: w[1], rng: &rng)
        conv2 = (2..<w.count).map { DVDDiscriminatorBlock(w[$0 - 1], w[$0], rng: &rng) }
        head = DVDScoreHead(channels: w[w.count - 1], rng: &rng)
    }

    func children() -> [(String, ModuleChild)] {
        var out: [(String, ModuleChild)] = [("pre_conv.0", .module(preConv0)), ("pre_conv.2", .module(preConv2)),
                                            ("pre_skip", .module(preSkip)), ("conv1", .module(conv1)), ("attn", .module(attn))]
        for (j, block) in conv2.enumerated() { out.append(("conv2.\(j)", .module(block))) }
        out.append(("linear", .module(head.linear)))
        out.append(("embed", .module(head.embed)))
        return out
    }

    func callAsFunction(_ x: Tensor, training: Bool) -> Tensor {
        require(x.rank == 4, "dvd-gan spatial discriminator expects frames [N, C, H, W], got \(x.shape)")
        var h = avgPool2d(preConv2(relu(preConv0(x, training: training)), training: training), kernel: (2, 2))
        h = h + preSkip(avgPool2d(x, kernel: (2, 2)), training: training)
        h = attn(conv1(h, training: training))
        for block in conv2 { h = block(h, training: training) }
        return head(h, training: training)
    }
}

/// The temporal discriminator D_T: a clip [B, C, T, H, W] (the trainer's half-size frames) → one score
/// per remaining time slice [B·T/4] (batch-major).
///
///     stem: SN conv3d 3x3x3 → ReLU → SN conv3d → avg-pool3d 2, plus SN conv3d 1x1x1 of the pooled input
///     3-D block to widths[1] (÷2 in T, H, W) → time folded into the batch → self-attention →
///     2-D blocks to widths[2…] → head
///
/// Names as the reference: `pre_conv.0`, `pre_conv.2`, `pre_skip`, `res3d`, `self_attn`, `conv.j`,
/// `linear`, `embed`.
final class DVDTemporalDiscriminator: Module {
    let preConv0: SpectralNorm<Conv3d>
    let preConv2: SpectralNorm<Conv3d>
    let preSkip: SpectralNorm<Conv3d>
    let res3d: DVDDiscriminatorBlock3d
    let selfAttn: DVDSelfAttention
    let conv: [DVDDiscriminatorBlock]
    let head: DVDScoreHead

    init(inputChannels: Int, widths w: [Int], rng: inout RandomGenerator) {
        preConv0 = SpectralNorm(Conv3d(inputChannels, w[0], kernelSize: 3, padding: 1, rng: &rng), weightKey: "weight_bar", rng: &rng)
        preConv2 = SpectralNorm(Conv3d(w[0], w[0], kernelSize: 3, padding: 1, rng: &rng), weightKey: "weight_bar", rng: &rng)
        preSkip = SpectralNorm(Conv3d(inputChannels, w[0], kernelSize: 1, rng: &rng), weightKey: "weight_bar", rng: &rng)
        res3d = DVDDiscriminatorBlock3d(w[0], w[1], rng: &rng)
        selfAttn = DVDSelfAttention(channels: w[1], rng: &rng)
        conv = (2..<w.count).map { DVDDiscriminatorBlock(w[$0 - 1], w[$0], rng: &rng) }
        head = DVDScoreHead(channels: w[w.count - 1], rng: &rng)
    }

    func children() -> [(String, ModuleChild)] {
        var out: [(String, ModuleChild)] = [("pre_conv.0", .module(preConv0)), ("pre_conv.2", .module(preConv2)),
                                            ("pre_skip", .module(preSkip)), ("res3d", .module(res3d)),
                                            ("self_attn", .module(selfAttn))]
        for (j, block) in conv.enumerated() { out.append(("conv.\(j)", .module(block))) }
        out.append(("linear", .module(head.linear)))
        out.append(("embed", .module(head.embed)))
        return out
    }

    func callAsFunction(_ x: Tensor, training: Bool) -> Tensor {
        require(x.rank == 5, "dvd-gan temporal discriminator expects a clip [B, C, T, H, W], got \(x.shape)")
        var h = avgPool3d(preConv2(relu(preConv0(x, training: training)), training: training), kernel: (2, 2, 2))
        h = h + preSkip(avgPool3d(x, kernel: (2, 2, 2)), training: training)
        h = res3d(h, training: training)                                   // [B, C, T', H', W']
        let s = h.shape
        h = h.permuted([0, 2, 1, 3, 4]).reshaped([s[0] * s[2], s[1], s[3], s[4]])
        h = selfAttn(h)
        for block in conv { h = block(h, training: training) }
        return head(h, training: training)
    }
}
