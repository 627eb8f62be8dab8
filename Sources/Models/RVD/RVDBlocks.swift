// RVD's building blocks (modules/network_components.py of buggyyang/RVD; docs/models/rvd.md §3), with
// parameter names equal to the reference state_dict keys: a module lists its children under the keys
// PyTorch's nn.Sequential / nn.ModuleList / wrapper modules give them ("block.0", "mlp.1", "fn.fn.to_qkv").

import ZooCore

/// `Block(c_in, c_out)`: 3x3 conv (pad 1) → GroupNorm(8) → LeakyReLU(0.2). Keys `block.0.*`, `block.1.*`.
public final class RVDBlock: Module {
    public let conv: Conv2d
    public let norm: GroupNorm

    public init(_ inChannels: Int, _ outChannels: Int, rng: inout RandomGenerator) {
        conv = Conv2d(inChannels, outChannels, kernelSize: 3, padding: 1, rng: &rng)
        norm = GroupNorm(groups: 8, channels: outChannels)
    }

    public func children() -> [(String, ModuleChild)] { [("block.0", .module(conv)), ("block.1", .module(norm))] }

    public func callAsFunction(_ x: Tensor) -> Tensor { norm.leakyRelu(conv(x), negativeSlope: 0.2) }
}

/// `ResnetBlock(c_in, c_out, t_dim)`: h = Block1(x); h += Linear(LeakyReLU(t)) over H, W (when a time
/// embedding is given); h = Block2(h); out = h + shortcut(x) with a 1x1 conv shortcut when c_in ≠ c_out.
/// Keys `mlp.1.*`, `block1.*`, `block2.*`, `res_conv.*`.
public final class RVDResnetBlock: Module {
    public let timeProjection: Linear?
    public let block1: RVDBlock
    public let block2: RVDBlock
    public let shortcut: Conv2d?

    public init(_ inChannels: Int, _ outChannels: Int, timeDimension: Int? = nil, rng: inout RandomGenerator) {
        timeProjection = timeDimension.map { Linear($0, outChannels, rng: &rng) }
        block1 = RVDBlock(inChannels, outChannels, rng: &rng)
        block2 = RVDBlock(outChannels, outChannels, rng: &rng)
        shortcut = inChannels != outChannels ? Conv2d(inChannels, outChannels, kernelSize: 1, rng: &rng) : nil
    }

    public func children() -> [(String, ModuleChild)] {
        var out: [(String, ModuleChild)] = []
        if let timeProjection { out.append(("mlp.1", .module(timeProjection))) }
        out += [("block1", .module(block1)), ("block2", .module(block2))]
        if let shortcut { out.append(("res_conv", .module(shortcut))) }
        return out
    }

    /// `x` [B, C_in, H, W], `time` [B, t_dim] or nil → [B, C_out, H, W].
    public func callAsFunction(_ x: Tensor, time: Tensor? = nil) -> Tensor {
        var h = block1(x)
        if let timeProjection, let time {
            let shift = timeProjection(leakyRelu(time, negativeSlope: 0.2))
            h = h + shift.reshaped([shift.shape[0], shift.shape[1], 1, 1])
        }
        h = block2(h)
        return h + (shortcut.map { $0(x) } ?? x)
    }
}

/// `Residual(PreNorm(dim, LinearAttention(dim)))`: x + to_out(linear attention(to_qkv(LayerNorm(x)))),
/// 4 heads of 16 channels, to_qkv without bias. Keys `fn.norm.{g,b}`, `fn.fn.to_qkv.weight`,
/// `fn.fn.to_out.{weight,bias}`.
public final class RVDAttention: Module {
    public static let heads = 4
    public static let dimHead = 16
    public let norm: ChannelLayerNorm
    public let toQKV: Conv2d
    public let toOut: Conv2d

    public init(_ channels: Int, rng: inout RandomGenerator) {
        let hidden = Self.heads * Self.dimHead
        norm = ChannelLayerNorm(channels: channels)
        toQKV = Conv2d(channels, 3 * hidden, kernelSize: 1, bias: false, rng: &rng)
        toOut = Conv2d(hidden, channels, kernelSize: 1, rng: &rng)
    }

    public func children() -> [(String, ModuleChild)] {
        [("fn.fn.to_qkv", .module(toQKV)), ("fn.fn.to_out", .module(toOut)), ("fn.norm", .module(norm))]
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        x + toOut(linearAttention(toQKV(norm(x)), heads: Self.heads, dimHead: Self.dimHead))
    }
}

/// `Downsample(c)` (3x3 conv, stride 2, pad 1) or `Upsample(c)` (4x4 transposed conv, stride 2, pad 1).
/// Key `conv.*`.
public final class RVDResample: Module {
    public let down: Conv2d?
    public let up: ConvTranspose2d?

    public init(down channels: Int, rng: inout RandomGenerator) {
        down = Conv2d(channels, channels, kernelSize: 3, stride: 2, padding: 1, rng: &rng)
        up = nil
    }

    public init(up channels: Int, rng: inout RandomGenerator) {
        down = nil
        up = ConvTranspose2d(channels, channels, kernelSize: 4, stride: 2, padding: 1, rng: &rng)
    }

    public func children() -> [(String, ModuleChild)] {
        if let down { return [("conv", .module(down))] }
        return [("conv", .module(up!))]
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { down.map { $0(x) } ?? up!(x) }
}

/// One encoder level of the context and transform nets, `nn.ModuleList([ResnetBlock, ConvGRUCell,
/// Downsample or Identity])`: keys `0.*`, `1.conv_gates.0.*` / `1.conv_cans.0.*`, `2.conv.*`.
public final class RVDRecurrentLevel: Module {
    public let res: RVDResnetBlock
    public let gru: ConvGRUCell
    public let down: RVDResample?

    public init(_ inChannels: Int, _ outChannels: Int, downsample: Bool, rng: inout RandomGenerator) {
        res = RVDResnetBlock(inChannels, outChannels, rng: &rng)
        gru = ConvGRUCell(inputChannels: outChannels, hiddenChannels: outChannels, kernelSize: 3, rng: &rng)
        down = downsample ? RVDResample(down: outChannels, rng: &rng) : nil
    }

    public func children() -> [(String, ModuleChild)] {
        var out: [(String, ModuleChild)] = [("0", .module(res)), ("1", .module(gru))]
        if let down { out.append(("2", .module(down))) }
        return out
    }

    /// ResnetBlock then one ConvGRU step: returns the new hidden state (the level's output before downsampling).
    public func callAsFunction(_ x: Tensor, state: Tensor) -> Tensor { gru(res(x), state: state) }
}
