// SVG-LP's building blocks: BatchNorm with the official update rule, the convolution blocks of the
// VGG and DCGAN encoders/decoders, and the recurrent nets (vector LSTMs as models/lstm.py, or their
// convolutional variant). Parameter names are the official modules' state_dict keys.

import Foundation
import ZooCore

/// How a BatchNorm layer normalises in one call.
enum SVGLPNormMode {
    /// Batch statistics; the running statistics are updated `updates` times with them (PyTorch's train
    /// mode, called `updates` times on the same batch).
    case training(updates: Int)
    /// Batch statistics over each of `groups` equal consecutive slices of the batch; running statistics
    /// untouched.
    case batchStatistics(groups: Int)
    /// Running statistics (PyTorch's eval mode).
    case running
}

/// `nn.BatchNorm2d` (momentum 0.1, ε 1e-5): `weight`, `bias`, and the buffers `running_mean`,
/// `running_var`, `num_batches_tracked`.
final class SVGLPBatchNorm: Module {
    static let momentum: Float = 0.1
    let weight: Parameter
    let bias: Parameter
    let runningMean: Buffer
    let runningVariance: Buffer
    let batchesTracked: Buffer

    init(_ channels: Int) {
        weight = Parameter(Tensor.ones([channels]))
        bias = Parameter(Tensor.zeros([channels]))
        runningMean = Buffer(Tensor.zeros([channels]))
        runningVariance = Buffer(Tensor.ones([channels]))
        batchesTracked = Buffer(Tensor(0))
    }

    func children() -> [(String, ModuleChild)] {
        [("weight", .parameter(weight)), ("bias", .parameter(bias)), ("running_mean", .buffer(runningMean)),
         ("running_var", .buffer(runningVariance)), ("num_batches_tracked", .buffer(batchesTracked))]
    }

    func callAsFunction(_ x: Tensor, _ mode: SVGLPNormMode) -> Tensor {
        let m = Self.momentum
        switch mode {
        case .running:
            return batchNorm(x, runningMean: runningMean.value, runningVariance: runningVariance.value,
                             weight: weight.value, bias: bias.value, training: false).output
        case .batchStatistics(let groups):
            let zeros = Tensor.zeros(runningMean.shape)
            let b = x.shape[0] / groups
            let parts = (0..<groups).map { g in
                batchNorm(x.sliced(axis: 0, (g * b)..<((g + 1) * b)), runningMean: zeros, runningVariance: zeros,
                          weight: weight.value, bias: bias.value, training: true).output
            }
            return groups == 1 ? parts[0] : concat(parts, axis: 0)
        case .training(let updates):
            // With zero running statistics the op returns momentum·(batch mean, unbiased batch variance),
            // from which the official update r ← (1 − m)·r + m·s is applied `updates` times.
            let zeros = Tensor.zeros(runningMean.shape)
            let r = batchNorm(x, runningMean: zeros, runningVariance: zeros, weight: weight.value, bias: bias.value,
                              training: true, momentum: m)
            let mean = r.runningMean.scalars.map { $0 / m }, variance = r.runningVariance.scalars.map { $0 / m }
            var rm = runningMean.value.scalars, rv = runningVariance.value.scalars
            for _ in 0..<updates {
                for c in 0..<rm.count {
                    rm[c] = (1 - m) * rm[c] + m * mean[c]
                    rv[c] = (1 - m) * rv[c] + m * variance[c]
                }
            }
            runningMean.value = Tensor(shape: runningMean.shape, scalars: rm)
            runningVariance.value = Tensor(shape: runningVariance.shape, scalars: rv)
            batchesTracked.value = Tensor(batchesTracked.value.item + Float(updates))
            return r.output
        }
    }
}

/// The activation closing a block.
enum SVGLPActivation {
    case leakyRelu, tanh, sigmoid, none

    func callAsFunction(_ x: Tensor) -> Tensor {
        switch self {
        case .leakyRelu: return ZooCore.leakyRelu(x, negativeSlope: 0.2)
        case .tanh: return ZooCore.tanh(x)
        case .sigmoid: return ZooCore.sigmoid(x)
        case .none: return x
        }
    }
}

/// A stage of the encoder or decoder: a module applied to a feature map in a BatchNorm mode.
protocol SVGLPLayerStack: Module {
    func callAsFunction(_ x: Tensor, _ mode: SVGLPNormMode) -> Tensor
}

/// convolution → BatchNorm (optional) → activation. Named as the official module it stands for:
/// `vgg_layer`/`dcgan_conv`/`dcgan_upconv` put theirs under `main.0`, `main.1`; an `nn.Sequential`
/// (c5, upc1, a DCGAN decoder's last stage) under `0`, `1`.
final class SVGLPConvBlock: SVGLPLayerStack {
    let conv: ConvolutionLayer
    let norm: SVGLPBatchNorm?
    let activation: SVGLPActivation
    let prefix: String

    init(_ conv: ConvolutionLayer, channels: Int?, activation: SVGLPActivation, prefix: String) {
        self.conv = conv
        norm = channels.map(SVGLPBatchNorm.init)
        self.activation = activation
        self.prefix = prefix
    }

    /// The official `vgg_layer(nin, nout)`: 3x3 convolution (stride 1, padding 1) → BN → LeakyReLU(0.2).
    static func vgg(_ nin: Int, _ nout: Int, rng: inout RandomGenerator) -> SVGLPConvBlock {
        SVGLPConvBlock(Conv2d(nin, nout, kernelSize: 3, padding: 1, rng: &rng), channels: nout, activation: .leakyRelu,
                       prefix: "main.")
    }

    func children() -> [(String, ModuleChild)] {
        var out: [(String, ModuleChild)] = [(prefix + "0", .module(conv))]
        if let norm { out.append((prefix + "1", .module(norm))) }
        return out
    }

    func callAsFunction(_ x: Tensor, _ mode: SVGLPNormMode) -> Tensor {
        let y = conv(x)
        return activation(norm.map { $0(y, mode) } ?? y)
    }
}

/// An `nn.Sequential` of blocks, optionally ending in a bare convolution and a sigmoid (the VGG
/// decoder's last stage): children `0`, `1`, ….
final class SVGLPStage: SVGLPLayerStack {
    let blocks: [SVGLPConvBlock]
    let final: ConvolutionLayer?

    init(_ blocks: [SVGLPConvBlock], final: ConvolutionLayer? = nil) {
        self.blocks = blocks
        self.final = final
    }

    func children() -> [(String, ModuleChild)] {
        var out = blocks.enumerated().map { ("\($0.offset)", ModuleChild.module($0.element)) }
        if let final { out.append(("\(blocks.count)", .module(final))) }
        return out
    }

    func callAsFunction(_ x: Tensor, _ mode: SVGLPNormMode) -> Tensor {
        var y = x
        for block in blocks { y = block(y, mode) }
        if let final { y = sigmoid(final(y)) }
        return y
    }
}

// MARK: - Recurrent nets

/// A per-position linear map: `nn.Linear` on vectors [B, in], or its 1x1-convolution form on maps
/// [B, in, h, w] (the ConvLSTM variant). Names `weight` ([out, in] or [out, in, 1, 1]), `bias`.
final class SVGLPProjection: Module {
    let weight: Parameter
    let bias: Parameter
    let spatial: Bool

    init(_ nin: Int, _ nout: Int, spatial: Bool, rng: inout RandomGenerator) {
        let bound = 1 / Float(nin).squareRoot()
        weight = Parameter(Init.uniform(spatial ? [nout, nin, 1, 1] : [nout, nin], low: -bound, high: bound, rng: &rng))
        bias = Parameter(Init.uniform([nout], low: -bound, high: bound, rng: &rng))
        self.spatial = spatial
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        spatial ? conv2d(x, weight.value, bias: bias.value) : matmul(x, weight.value, transposeB: true) + bias.value
    }
}

/// The shared body of the official `lstm` and `gaussian_lstm`: `embed` (a projection, no activation),
/// then `n_layers` stacked LSTM cells (`lstm.i`), layer i + 1 reading layer i's hidden state, then the
/// heads. Vector cells are `nn.LSTMCell`s (`lstm.i.weight_ih`, …); map cells are one 3x3 convolution
/// over [input, h] giving the gates in PyTorch's order i, f, g, o (`lstm.i.weight`, `lstm.i.bias`).
final class SVGLPRecurrentNet: Module {
    let embed: SVGLPProjection
    let cells: [LSTMCell]
    let convCells: [Conv2d]
    let heads: [(String, SVGLPProjection)]
    let hiddenSize: Int
    /// The side of the maps of the convolutional variant (nil: vectors).
    let mapSize: Int?

    init(input: Int, hidden: Int, layers: Int, heads: [(String, Int)], mapSize: Int?, rng: inout RandomGenerator) {
        let spatial = mapSize != nil
        embed = SVGLPProjection(input, hidden, spatial: spatial, rng: &rng)
        var cells: [LSTMCell] = [], convCells: [Conv2d] = []
        for _ in 0..<layers {
            if spatial {
                convCells.append(Conv2d(2 * hidden, 4 * hidden, kernelSize: 3, padding: 1, rng: &rng))
            } else {
                cells.append(LSTMCell(inputSize: hidden, hiddenSize: hidden, rng: &rng))
            }
        }
        self.cells = cells
        self.convCells = convCells
        self.heads = heads.map { ($0.0, SVGLPProjection(hidden, $0.1, spatial: spatial, rng: &rng)) }
        hiddenSize = hidden
        self.mapSize = mapSize
    }

    func children() -> [(String, ModuleChild)] {
        var out: [(String, ModuleChild)] = [("embed", .module(embed))]
        for (i, cell) in cells.enumerated() { out.append(("lstm.\(i)", .module(cell))) }
        for (i, cell) in convCells.enumerated() { out.append(("lstm.\(i)", .module(cell))) }
        for (name, head) in heads { out.append((name, .module(head))) }
        return out
    }

    var layerCount: Int { Swift.max(cells.count, convCells.count) }

    /// Zero hidden and cell states for every layer (`init_hidden`).
    func zeroStates(batch: Int) -> [LSTMState] {
        let shape = mapSize.map { [batch, hiddenSize, $0, $0] } ?? [batch, hiddenSize]
        return (0..<layerCount).map { _ in (Tensor.zeros(shape), Tensor.zeros(shape)) }
    }

    /// One step: embed `x`, run the layers (updating `states`), return the last layer's hidden state.
    func step(_ x: Tensor, states: inout [LSTMState]) -> Tensor {
        var h = embed(x)
        for i in 0..<layerCount {
            if cells.isEmpty {
                let n = hiddenSize
                let gates = convCells[i](concat([h, states[i].h], axis: 1))
                let block = { (k: Int) in gates.sliced(axis: 1, (k * n)..<((k + 1) * n)) }
                let c = sigmoid(block(1)) * states[i].c + sigmoid(block(0)) * tanh(block(2))
                states[i] = (sigmoid(block(3)) * tanh(c), c)
            } else {
                states[i] = cells[i](h, state: states[i])
            }
            h = states[i].h
        }
        return h
    }

    func head(_ index: Int) -> SVGLPProjection { heads[index].1 }
}
