// IVRNN's building blocks, after layers.py of facebookresearch/improved_vrnn: the pre-activation ResNet
// block, conv → GroupNorm → LeakyReLU units, the ConvLSTM cell with GroupNorm on its gates and on its cell,
// and the small "init nets" that turn context features into an initial LSTM state. Every module lists
// its children under the keys the official `state_dict` uses (nn.Sequential indices, `main`, `model`).
// Inputs of the per-frame blocks are [N, C, H, W] (batch and time folded together by the caller).

import ZooCore

/// A Sequential of a convolution and a GroupNorm: keys `0.*` and `1.*` (no activation of its own).
public final class IVRNNConvNorm: Module {
    public let conv: ConvolutionLayer
    public let norm: GroupNorm

    init(conv: ConvolutionLayer, groups: Int, channels: Int) {
        self.conv = conv
        norm = GroupNorm(groups: groups, channels: channels)
    }

    public func children() -> [(String, ModuleChild)] { [("0", .module(conv)), ("1", .module(norm))] }

    public func callAsFunction(_ x: Tensor) -> Tensor { norm(conv(x)) }

    /// The unit followed by LeakyReLU(0.2) (fused into the normalisation).
    public func leakyRelu(_ x: Tensor) -> Tensor { norm.leakyRelu(conv(x), negativeSlope: 0.2) }
}

/// `DcConv` / `DcUpConv`: conv (or transposed conv) → GroupNorm → LeakyReLU(0.2), keys `main.0.*`,
/// `main.1.*`.
public final class IVRNNConvUnit: Module {
    public let unit: IVRNNConvNorm

    init(conv: ConvolutionLayer, groups: Int, channels: Int) {
        unit = IVRNNConvNorm(conv: conv, groups: groups, channels: channels)
    }

    public func children() -> [(String, ModuleChild)] { [("main", .module(unit))] }

    public func callAsFunction(_ x: Tensor) -> Tensor { unit.leakyRelu(x) }
}

/// A plain layer the official code wraps in `TemporalConv2d` / `TemporalNorm2d` (key `model.*`).
public final class IVRNNWrapped<Layer: Module>: Module {
    public let layer: Layer
    init(_ layer: Layer) { self.layer = layer }
    public func children() -> [(String, ModuleChild)] { [("model", .module(layer))] }
}

/// `ResnetBlock(fin, fout)`: out = shortcut(x) + 0.1·GN(conv3x3(lrelu(GN(conv3x3(lrelu(x)))))), the hidden
/// width min(fin, fout), the second conv without bias, the shortcut a bias-free 1x1 conv when fin ≠ fout.
/// Keys `conv_0.{0,1}.*`, `conv_1.{0,1}.*`, `conv_s.weight`.
public final class IVRNNResnetBlock: Module {
    public let conv0: IVRNNConvNorm
    public let conv1: IVRNNConvNorm
    public let shortcut: Conv2d?

    init(_ fin: Int, _ fout: Int, groups: Int, rng: inout RandomGenerator) {
        let hidden = Swift.min(fin, fout)
        conv0 = IVRNNConvNorm(conv: Conv2d(fin, hidden, kernelSize: 3, padding: 1, rng: &rng), groups: groups,
                              channels: hidden)
        conv1 = IVRNNConvNorm(conv: Conv2d(hidden, fout, kernelSize: 3, padding: 1, bias: false, rng: &rng),
                              groups: groups, channels: fout)
        shortcut = fin != fout ? Conv2d(fin, fout, kernelSize: 1, bias: false, rng: &rng) : nil
    }

    public func children() -> [(String, ModuleChild)] {
        var out: [(String, ModuleChild)] = [("conv_0", .module(conv0)), ("conv_1", .module(conv1))]
        if let shortcut { out.append(("conv_s", .module(shortcut))) }
        return out
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        // conv_0 = GN(conv(lrelu(x))), then lrelu (fused), then conv_1 = GN(conv(·)).
        let dx = conv1(conv0.leakyRelu(leakyRelu(x, negativeSlope: 0.2)))
        return (shortcut.map { $0(x) } ?? x) + 0.1 * dx
    }
}

/// The ConvLSTM cell of `ConvLSTM(in, hid, norm=True)` (`NormConvLSTMCell`, under key `model`):
///   gates = GN(conv3x3(x)) + GN(conv3x3(h)), split as input, forget, output, cell;
///   c' = GN(σ(f)⊙c + σ(i)⊙tanh(g)),  h' = σ(o)⊙tanh(c').
/// Keys `model.ih_gates.{0,1}.*`, `model.hh_gates.{0,1}.*`, `model.c_norm.*`.
public final class IVRNNConvLSTM: Module {
    public let hiddenChannels: Int
    public let inputGates: IVRNNConvNorm
    public let hiddenGates: IVRNNConvNorm
    public let cellNorm: GroupNorm

    init(_ inChannels: Int, _ hiddenChannels: Int, groups: Int, rng: inout RandomGenerator) {
        self.hiddenChannels = hiddenChannels
        let gates = 4 * hiddenChannels
        inputGates = IVRNNConvNorm(conv: Conv2d(inChannels, gates, kernelSize: 3, padding: 1, rng: &rng),
                                   groups: groups, channels: gates)
        hiddenGates = IVRNNConvNorm(conv: Conv2d(hiddenChannels, gates, kernelSize: 3, padding: 1, rng: &rng),
                                    groups: groups, channels: gates)
        cellNorm = GroupNorm(groups: groups, channels: hiddenChannels)
    }

    public func children() -> [(String, ModuleChild)] {
        [("model.ih_gates", .module(inputGates)), ("model.hh_gates", .module(hiddenGates)),
         ("model.c_norm", .module(cellNorm))]
    }

    /// One step: `x` [N, Cin, H, W], state (h, c) [N, hid, H, W] each → the new (h, c).
    public func step(_ x: Tensor, _ state: (h: Tensor, c: Tensor)) -> (h: Tensor, c: Tensor) {
        let gates = inputGates(x) + hiddenGates(state.h)
        let k = hiddenChannels
        let i = sigmoid(gates.sliced(axis: 1, 0..<k))
        let f = sigmoid(gates.sliced(axis: 1, k..<(2 * k)))
        let o = sigmoid(gates.sliced(axis: 1, (2 * k)..<(3 * k)))
        let g = tanh(gates.sliced(axis: 1, (3 * k)..<(4 * k)))
        let c = cellNorm(f * state.c + i * g)
        return (o * tanh(c), c)
    }

    /// The whole sequence `x` [B, T, Cin, H, W] from `state` → the hidden states [B, T, hid, H, W].
    public func callAsFunction(_ x: Tensor, state: (h: Tensor, c: Tensor)) -> Tensor {
        var s = state
        var outs: [Tensor] = []
        for t in 0..<x.shape[1] {
            s = step(x.selecting(axis: 1, t), s)
            outs.append(s.h)
        }
        return stack(outs, axis: 1)
    }
}

/// An init net (`init_nets.i`, `prior_init_nets.k`, `posterior_init_nets.k`): the context frames' features
/// stacked along channels [B, C·a, H, W] → DcConv 1x1 → conv 1x1 (→ 2·hid) → GroupNorm(1) → split into the
/// initial (h, c). Keys `0.main.{0,1}.*`, `1.model.*`, `2.model.*`.
public final class IVRNNInitNet: Module {
    public let mix: IVRNNConvUnit
    public let project: IVRNNWrapped<Conv2d>
    public let norm: IVRNNWrapped<GroupNorm>
    public let hiddenChannels: Int

    init(inChannels: Int, hiddenChannels: Int, groups: Int, rng: inout RandomGenerator) {
        self.hiddenChannels = hiddenChannels
        mix = IVRNNConvUnit(conv: Conv2d(inChannels, inChannels, kernelSize: 1, rng: &rng), groups: groups,
                            channels: inChannels)
        project = IVRNNWrapped(Conv2d(inChannels, 2 * hiddenChannels, kernelSize: 1, rng: &rng))
        norm = IVRNNWrapped(GroupNorm(groups: 1, channels: 2 * hiddenChannels))
    }

    public func children() -> [(String, ModuleChild)] {
        [("0", .module(mix)), ("1", .module(project)), ("2", .module(norm))]
    }

    /// `context` [B, Tc, a, H, W] → (h0, c0), each [B, hid, H, W].
    public func callAsFunction(_ context: Tensor) -> (h: Tensor, c: Tensor) {
        let s = context.shape
        let stacked = context.reshaped([s[0], s[1] * s[2], s[3], s[4]])
        let out = norm.layer(project.layer(mix(stacked)))
        let k = hiddenChannels
        return (out.sliced(axis: 1, 0..<k), out.sliced(axis: 1, k..<(2 * k)))
    }
}

/// Applies a per-frame function to [B, T, C, H, W] by folding time into the batch.
@inline(__always)
func perFrame(_ x: Tensor, _ body: (Tensor) -> Tensor) -> Tensor {
    let s = x.shape
    let y = body(x.reshaped([s[0] * s[1], s[2], s[3], s[4]]))
    return y.reshaped([s[0], s[1]] + Array(y.shape[1...]))
}
