// RVD's transform net `HistoryNet` (modules/temporal_models.py:100-175 of buggyyang/RVD;
// docs/models/rvd.md §6): a U-Net with a ConvGRU at every encoder level that predicts the next frame's
// mean μ (clamped to [−1, 1]). σ is 1 as in the released code; the learned scale of the reference's dead
// "transform" branch (σ = clamp(exp(conv(h)), √2, 20√2)) is an option. Quirk kept: the level-0 skip is
// saved but never used.
// Parameter names are the reference's below `transform_fn.`.

import Foundation
import ZooCore

/// One decoder level, `nn.ModuleList([ResnetBlock, Upsample])`: keys `0.*`, `1.conv.*`.
public final class RVDTransformUpLevel: Module {
    public let res: RVDResnetBlock
    public let up: RVDResample

    init(_ inChannels: Int, _ outChannels: Int, rng: inout RandomGenerator) {
        res = RVDResnetBlock(inChannels, outChannels, rng: &rng)
        up = RVDResample(up: outChannels, rng: &rng)
    }

    public func children() -> [(String, ModuleChild)] { [("0", .module(res)), ("1", .module(up))] }
}

/// The next-frame predictor μ (and σ).
public final class RVDTransformNet: Module {
    public let downs: [RVDRecurrentLevel]
    public let ups: [RVDTransformUpLevel]
    public let mu: Conv2d
    /// The learned-scale head (`sigma.0`), or nil for σ = 1.
    public let sigma: Conv2d?

    /// `HistoryNet(dim, dim_mults, channels)`; `learnedScale` adds the σ head.
    public init(dim: Int, dimMults: [Int], channels: Int, learnedScale: Bool = false, rng: inout RandomGenerator) {
        let dims = [channels] + dimMults.map { dim * $0 }
        let inOut = Array(zip(dims.dropLast(), dims.dropFirst()))
        // Construction order of the reference: mu (and sigma), then the encoder, then the decoder.
        mu = Conv2d(dim, channels, kernelSize: 3, padding: 1, rng: &rng)
        sigma = learnedScale ? Conv2d(dim, channels, kernelSize: 3, padding: 1, rng: &rng) : nil
        var downs: [RVDRecurrentLevel] = []
        for (i, (dimIn, dimOut)) in inOut.enumerated() {
            downs.append(RVDRecurrentLevel(dimIn, dimOut, downsample: i < inOut.count - 1, rng: &rng))
        }
        self.downs = downs
        var ups: [RVDTransformUpLevel] = []
        for (i, (dimIn, dimOut)) in inOut.dropFirst().reversed().enumerated() {
            ups.append(RVDTransformUpLevel(i == 0 ? dimOut : dimOut * 2, dimIn, rng: &rng))
        }
        self.ups = ups
    }

    public func children() -> [(String, ModuleChild)] {
        var out: [(String, ModuleChild)] = downs.enumerated().map { ("downs.\($0.offset)", .module($0.element)) }
        out += ups.enumerated().map { ("ups.\($0.offset)", .module($0.element)) }
        out.append(("mu", .module(mu)))
        if let sigma { out.append(("sigma.0", .module(sigma))) }
        return out
    }

    /// Zero hidden states for frames of `height` x `width` (level i at 1/2^i).
    public func zeroStates(batch: Int, height: Int, width: Int) -> [Tensor] {
        downs.enumerated().map { i, level in
            level.gru.zeroState(batch: batch, height: height >> i, width: width >> i)
        }
    }

    /// Reads one frame [B, C, H, W]: returns μ (clamped to [−1, 1]), σ (nil means 1) and the new states.
    public func callAsFunction(_ frame: Tensor, states: [Tensor]) -> (mu: Tensor, sigma: Tensor?, states: [Tensor]) {
        require(states.count == downs.count, "RVDTransformNet has \(downs.count) levels, got \(states.count) states")
        var x = frame
        var skips: [Tensor] = []
        var next: [Tensor] = []
        for (i, (level, state)) in zip(downs, states).enumerated() {
            x = level(x, state: state)
            next.append(x)
            if i != downs.count - 1 { skips.append(x) }      // skips[0] is never used
            if let down = level.down { x = down(x) }
        }
        for (i, level) in ups.enumerated() {
            if i != 0 { x = concat([x, skips.removeLast()], axis: 1) }
            x = level.up(level.res(x))
        }
        let mean = clamp(mu(x), min: -1, max: 1)
        let scale = sigma.map { clamp(exp($0(x)), min: Float(2.0.squareRoot()), max: Float(20 * 2.0.squareRoot())) }
        return (mean, scale, next)
    }
}
