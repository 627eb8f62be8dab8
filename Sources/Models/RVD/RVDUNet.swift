// RVD's denoising U-Net (modules/unet.py of buggyyang/RVD; docs/models/rvd.md §4), quirks included:
// the context map of each resolution is concatenated into the second ResNet block of that encoder
// level, every decoder level upsamples, and the highest-resolution skip is computed but never used.
// Parameter names are the reference's state_dict keys below `denoise_fn.`.

import ZooCore

/// One level of the U-Net, `nn.ModuleList([ResnetBlock, ResnetBlock, Residual(PreNorm(LinearAttention)),
/// Downsample / Upsample / Identity])`: keys `0.*`, `1.*`, `2.*`, `3.conv.*`.
public final class RVDUNetLevel: Module {
    public let res1: RVDResnetBlock
    public let res2: RVDResnetBlock
    public let attention: RVDAttention
    public let resample: RVDResample?

    init(res1: RVDResnetBlock, res2: RVDResnetBlock, attention: RVDAttention, resample: RVDResample?) {
        self.res1 = res1
        self.res2 = res2
        self.attention = attention
        self.resample = resample
    }

    public func children() -> [(String, ModuleChild)] {
        var out: [(String, ModuleChild)] = [("0", .module(res1)), ("1", .module(res2)), ("2", .module(attention))]
        if let resample { out.append(("3", .module(resample))) }
        return out
    }
}

/// The denoiser ε_θ(y_n, n, context).
///
///     n → SinusoidalPosEmb(dim) → Linear(dim, 4dim) → GELU → Linear(4dim, dim) → t_emb
///     encoder level i: Res(c_in→c_i, t) → cat ctx_i → Res(2c_i→c_i, t) → attn → skip_i → Down (not last)
///     middle: Res(t) → attn → Res(t)
///     decoder (levels L−1…1): cat skip → Res(2c_i→c_{i−1}, t) → Res(t) → attn → Up
///     head: Block(dim→dim) → 1x1 conv dim→C
public final class RVDUNet: Module {
    public let channels: Int
    public let embedding: SinusoidalEmbedding
    public let timeIn: Linear
    public let timeOut: Linear
    public let downs: [RVDUNetLevel]
    public let ups: [RVDUNetLevel]
    public let midBlock1: RVDResnetBlock
    public let midAttention: RVDAttention
    public let midBlock2: RVDResnetBlock
    public let finalBlock: RVDBlock
    public let finalConv: Conv2d

    /// `Unet(dim, context_dim_factor, dim_mults, channels)` with the time embedding and ResNet blocks.
    public init(dim: Int, dimMults: [Int], channels: Int, contextDimFactor: Double = 1, rng: inout RandomGenerator) {
        self.channels = channels
        let dims = [channels] + dimMults.map { dim * $0 }
        let inOut = Array(zip(dims.dropLast(), dims.dropFirst()))
        embedding = SinusoidalEmbedding(dimension: dim)
        timeIn = Linear(dim, dim * 4, rng: &rng)
        timeOut = Linear(dim * 4, dim, rng: &rng)
        var downs: [RVDUNetLevel] = []
        for (i, (dimIn, dimOut)) in inOut.enumerated() {
            let contextChannels = Int(Double(dimOut) * contextDimFactor)
            downs.append(RVDUNetLevel(
                res1: RVDResnetBlock(dimIn, dimOut, timeDimension: dim, rng: &rng),
                res2: RVDResnetBlock(dimOut + contextChannels, dimOut, timeDimension: dim, rng: &rng),
                attention: RVDAttention(dimOut, rng: &rng),
                resample: i < inOut.count - 1 ? RVDResample(down: dimOut, rng: &rng) : nil))
        }
        self.downs = downs
        let mid = dims[dims.count - 1]
        midBlock1 = RVDResnetBlock(mid, mid, timeDimension: dim, rng: &rng)
        midAttention = RVDAttention(mid, rng: &rng)
        midBlock2 = RVDResnetBlock(mid, mid, timeDimension: dim, rng: &rng)
        var ups: [RVDUNetLevel] = []
        for (dimIn, dimOut) in inOut.dropFirst().reversed() {
            // The reference's `is_last` test can never hold here: every decoder level upsamples.
            ups.append(RVDUNetLevel(
                res1: RVDResnetBlock(dimOut * 2, dimIn, timeDimension: dim, rng: &rng),
                res2: RVDResnetBlock(dimIn, dimIn, timeDimension: dim, rng: &rng),
                attention: RVDAttention(dimIn, rng: &rng),
                resample: RVDResample(up: dimIn, rng: &rng)))
        }
        self.ups = ups
        finalBlock = RVDBlock(dim, dim, rng: &rng)
        finalConv = Conv2d(dim, channels, kernelSize: 1, rng: &rng)
    }

    public func children() -> [(String, ModuleChild)] {
        var out: [(String, ModuleChild)] = [("time_mlp.1", .module(timeIn)), ("time_mlp.3", .module(timeOut))]
        out += downs.enumerated().map { ("downs.\($0.offset)", .module($0.element)) }
        out += ups.enumerated().map { ("ups.\($0.offset)", .module($0.element)) }
        out += [("mid_block1", .module(midBlock1)), ("mid_attn", .module(midAttention)),
                ("mid_block2", .module(midBlock2)), ("final_conv.0", .module(finalBlock)),
                ("final_conv.1", .module(finalConv))]
        return out
    }

    /// Resolution levels (and context maps expected).
    public var levelCount: Int { downs.count }

    /// The step embedding t_emb [B, dim] of integer steps `t`.
    public func timeEmbedding(_ t: [Int]) -> Tensor {
        timeOut(gelu(timeIn(embedding(Tensor(t.map(Float.init))))))
    }

    /// ε̂ (or x̂₀) for noisy residuals `x` [B, C, H, W] at steps `t` (B integers in 0..<N) given the
    /// context maps (one per level, [B, c_i, H/2^i, W/2^i]).
    public func callAsFunction(_ x: Tensor, t: [Int], context: [Tensor]) -> Tensor {
        require(x.rank == 4 && x.shape[1] == channels && t.count == x.shape[0],
                     "RVDUNet expects x [B, \(channels), H, W] and B steps, got \(x.shape) and \(t.count) steps")
        require(context.count == downs.count, "RVDUNet needs \(downs.count) context maps, got \(context.count)")
        let time = timeEmbedding(t)
        var h = x
        var skips: [Tensor] = []
        for (i, level) in downs.enumerated() {
            h = level.res1(h, time: time)
            h = level.res2(concat([h, context[i]], axis: 1), time: time)
            h = level.attention(h)
            skips.append(h)
            if let down = level.resample { h = down(h) }
        }
        h = midBlock1(h, time: time)
        h = midAttention(h)
        h = midBlock2(h, time: time)
        for level in ups {
            h = concat([h, skips.removeLast()], axis: 1)      // skips[0] (full resolution) is never used
            h = level.res1(h, time: time)
            h = level.res2(h, time: time)
            h = level.attention(h)
            h = level.resample!(h)
        }
        return finalConv(finalBlock(h))
    }
}
