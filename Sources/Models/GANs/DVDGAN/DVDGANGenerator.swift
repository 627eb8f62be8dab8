// DVD-GAN's generator, adapted to frame prediction: the reference's class-conditional video generator
// (a z-seeded 4x4 map, then per resolution a ConvGRU over time and two residual blocks with conditional
// batch norm, the second upsampling) plus a context encoder of ours whose features enter every ConvGRU.
//
// Port of Module/Generator.py, GResBlock.py, ConvGRU.py and Normalization.py of
// github.com/Harrypotterrrr/DVD-GAN (an unofficial implementation of Clark, Donahue & Simonyan,
// arXiv 1907.06571). Names follow the reference's state_dict (spectral-norm wrappers without the
// reference's `.module` level). Without context features the generator computes the reference's.
import ZooCore

// MARK: - Blocks

/// The reference's `ConvGRUCell`: u = σ(conv_u[x, h]), r = σ(conv_r[x, h]), c̃ = tanh(conv_c[x, r⊙h]),
/// h' = h⊙(1 − u) + c̃⊙u; orthogonal weights, zero biases. Names `reset_gate`, `update_gate`, `out_gate`.
final class DVDConvGRUCell: Module {
    let resetGate: Conv2d
    let updateGate: Conv2d
    let outGate: Conv2d
    let hiddenChannels: Int

    init(inputChannels: Int, hiddenChannels: Int, kernelSize: Int, orthogonal: Bool, rng: inout RandomGenerator) {
        self.hiddenChannels = hiddenChannels
        func gate(_ rng: inout RandomGenerator) -> Conv2d {
            let conv = Conv2d(inputChannels + hiddenChannels, hiddenChannels, kernelSize: kernelSize,
                              padding: kernelSize / 2, rng: &rng)
            if orthogonal { conv.weight.value = Init.orthogonal(conv.weight.shape, rng: &rng) }
            conv.bias?.value = Tensor.zeros([hiddenChannels])
            return conv
        }
        resetGate = gate(&rng)
        updateGate = gate(&rng)
        outGate = gate(&rng)
    }

    func key(forProperty name: String) -> String? {
        switch name {
        case "resetGate": return "reset_gate"
        case "updateGate": return "update_gate"
        case "outGate": return "out_gate"
        default: return nil
        }
    }

    /// `x` [N, Cin, H, W], `h` [N, C_h, H, W] (zeros at the first step) → h'.
    func callAsFunction(_ x: Tensor, _ h: Tensor) -> Tensor {
        let xh = concat([x, h], axis: 1)
        let update = sigmoid(updateGate(xh))
        let reset = sigmoid(resetGate(xh))
        let candidate = tanh(outGate(concat([x, h * reset], axis: 1)))
        return h * (1 - update) + candidate * update
    }
}

/// The reference's `ConvGRU`: stacked cells, layer i reading layer i − 1's new state. Names `cells.i.*`.
final class DVDConvGRU: Module {
    let cells: [DVDConvGRUCell]

    init(inputChannels: Int, hidden: [Int], kernels: [Int], orthogonal: Bool, rng: inout RandomGenerator) {
        var cells: [DVDConvGRUCell] = []
        var input = inputChannels
        for (h, k) in zip(hidden, kernels) {
            cells.append(DVDConvGRUCell(inputChannels: input, hiddenChannels: h, kernelSize: k, orthogonal: orthogonal, rng: &rng))
            input = h
        }
        self.cells = cells
    }

    /// One time step: new states of every layer (zeros stand for the reference's `None` at t = 0).
    func callAsFunction(_ x: Tensor, states: [Tensor]) -> [Tensor] {
        var input = x
        var next: [Tensor] = []
        for (cell, h) in zip(cells, states) {
            input = cell(input, h)
            next.append(input)
        }
        return next
    }

    func zeroStates(batch: Int, height: Int, width: Int) -> [Tensor] {
        cells.map { Tensor.zeros([batch, $0.hiddenChannels, height, width]) }
    }
}

/// The reference's `GResBlock` (generator side): CBN → ReLU → nearest ×up → SN conv 3x3 → CBN → ReLU →
/// SN conv 3x3, plus SN conv 1x1 of the (upsampled) input. Frames are folded into the batch.
final class DVDGResBlock: Module {
    let conv0: SpectralNorm<Conv2d>
    let conv1: SpectralNorm<Conv2d>
    let convSC: SpectralNorm<Conv2d>
    let norm1: ConditionalBatchNorm
    let norm2: ConditionalBatchNorm
    let upsample: Int

    init(_ inChannels: Int, _ outChannels: Int, conditionSize: Int, upsample: Int, rng: inout RandomGenerator) {
        conv0 = SpectralNorm(Conv2d(inChannels, outChannels, kernelSize: 3, padding: 1, rng: &rng), weightKey: "weight_bar", rng: &rng)
        conv1 = SpectralNorm(Conv2d(outChannels, outChannels, kernelSize: 3, padding: 1, rng: &rng), weightKey: "weight_bar", rng: &rng)
        convSC = SpectralNorm(Conv2d(inChannels, outChannels, kernelSize: 1, rng: &rng), weightKey: "weight_bar", rng: &rng)
        norm1 = ConditionalBatchNorm(channels: inChannels, conditionSize: conditionSize, rng: &rng)
        norm2 = ConditionalBatchNorm(channels: outChannels, conditionSize: conditionSize, rng: &rng)
        self.upsample = upsample
    }

    func key(forProperty name: String) -> String? {
        switch name {
        case "conv0", "conv1": return name
        case "convSC": return "conv_sc"
        case "norm1": return "CBNorm1"
        case "norm2": return "CBNorm2"
        default: return nil
        }
    }

    /// `x` [N, Cin, H, W], `condition` [N, D] → [N, Cout, up·H, up·W].
    func callAsFunction(_ x: Tensor, condition: Tensor, training: Bool) -> Tensor {
        var h = relu(norm1(x, condition: condition, training: training))
        if upsample != 1 { h = upsampleNearest(h, scale: upsample) }
        h = conv0(h, training: training)
        h = conv1(relu(norm2(h, condition: condition, training: training)), training: training)
        let skip = convSC(upsample != 1 ? upsampleNearest(x, scale: upsample) : x, training: training)
        return h + skip
    }
}

/// A learned vector per class (nn.Embedding); the zoo's models have one class, so it is one row `weight`
/// [1, D] used for every sample.
final class DVDClassEmbedding: Module, WeightedLayer {
    let weight: Parameter
    static var outputAxis: Int { 0 }

    init(size: Int, weight initial: Tensor) {
        require(initial.shape == [1, size], "class embedding must be [1, \(size)], got \(initial.shape)")
        weight = Parameter(initial)
    }

    /// The projection ⟨e, x⟩ of features `x` [N, D] on the (given) embedding row → [N].
    func callAsFunction(_ x: Tensor, weight w: Tensor) -> Tensor { (x * w).sum(axis: 1) }
}

/// Our context encoder (the reference generates without context): the context frames stacked on channels
/// [B, Tc·C, H, W] → conv 3x3 → ReLU, then per halving avg-pool 2 → conv 3x3 → ReLU; stage i reads the
/// map at its resolution through a 1x1 convolution to the stage's channels. Names `stem`, `downs.j`,
/// `projections.i` under `context_encoder`.
final class DVDContextEncoder: Module {
    let stem: Conv2d
    let downs: [Conv2d]
    let projections: [Conv2d]

    init(inputChannels: Int, width: Int, stageChannels: [Int], rng: inout RandomGenerator) {
        stem = Conv2d(inputChannels, width, kernelSize: 3, padding: 1, rng: &rng)
        downs = (0..<stageChannels.count).map { _ in Conv2d(width, width, kernelSize: 3, padding: 1, rng: &rng) }
        projections = stageChannels.map { Conv2d(width, $0, kernelSize: 1, rng: &rng) }
    }

    /// Features for every stage, coarsest first: [B, stageChannels[i], seed·2^i, seed·2^i].
    func callAsFunction(_ context: Tensor) -> [Tensor] {
        var h = relu(stem(context))
        var maps: [Tensor] = []
        for d in downs {
            h = relu(d(avgPool2d(h, kernel: (2, 2))))
            maps.append(h)
        }
        let n = projections.count
        return (0..<n).map { i in projections[i](maps[n - 1 - i]) }
    }
}

// MARK: - Generator

/// The generator: z (and the context features) → a clip [B, T, C, H, W].
final class DVDGenerator: Module {
    let config: DVDGANConfig
    let embedding: DVDClassEmbedding
    let affine: Linear
    let grus: [DVDConvGRU]
    let blocks: [(DVDGResBlock, DVDGResBlock)]
    let colorize: SpectralNorm<Conv2d>
    let contextEncoder: DVDContextEncoder

    init(config: DVDGANConfig, orthogonal: Bool = true, rng: inout RandomGenerator) {
        self.config = config
        let latent = config.latentSize, seed = config.seedSize
        embedding = DVDClassEmbedding(size: latent, weight: Init.normal([1, latent], rng: &rng))
        affine = Linear(2 * latent, seed * seed * config.stageChannels[0], rng: &rng)
        var grus: [DVDConvGRU] = []
        var blocks: [(DVDGResBlock, DVDGResBlock)] = []
        for (i, s) in config.stageChannels.enumerated() {
            grus.append(DVDConvGRU(inputChannels: s, hidden: config.gruWidthFactors.map { $0 * s },
                                   kernels: config.gruKernelSizes[i], orthogonal: orthogonal, rng: &rng))
            let out = i + 1 < config.stageChannels.count ? config.stageChannels[i + 1] : config.outputChannels
            blocks.append((DVDGResBlock(s, s, conditionSize: 2 * latent, upsample: 1, rng: &rng),
                           DVDGResBlock(s, out, conditionSize: 2 * latent, upsample: 2, rng: &rng)))
        }
        self.grus = grus
        self.blocks = blocks
        colorize = SpectralNorm(Conv2d(config.outputChannels, config.contract.channels, kernelSize: 3, padding: 1, rng: &rng),
                                weightKey: "weight_bar", rng: &rng)
        contextEncoder = DVDContextEncoder(inputChannels: config.contextFramesUsed * config.contract.channels,
                                           width: config.encoderChannels, stageChannels: config.stageChannels, rng: &rng)
    }

    /// The reference's names: `embedding`, `affine_transfrom`, `conv.<3i>` (ConvGRU of stage i),
    /// `conv.<3i+1>`, `conv.<3i+2>` (its residual blocks), `colorize`; ours: `context_encoder`.
    func children() -> [(String, ModuleChild)] {
        var out: [(String, ModuleChild)] = [("embedding", .module(embedding)), ("affine_transfrom", .module(affine))]
        for i in grus.indices {
            out.append(("conv.\(3 * i)", .module(grus[i])))
            out.append(("conv.\(3 * i + 1)", .module(blocks[i].0)))
            out.append(("conv.\(3 * i + 2)", .module(blocks[i].1)))
        }
        out.append(("colorize", .module(colorize)))
        out.append(("context_encoder", .module(contextEncoder)))
        return out
    }

    /// The clip for noise `z` [B, L]: [B, frameCount, C, H, W] in [−1, 1]. `features` are the context
    /// encoder's maps per stage (added to every ConvGRU input), nil for the reference's unconditional
    /// generator; `last` (with `config.residualOutput`) is the frame the output is a change of.
    func callAsFunction(z: Tensor, frameCount t: Int, features: [Tensor]?, last: Tensor?, training: Bool) -> Tensor {
        let b = z.shape[0], latent = config.latentSize, seed = config.seedSize
        require(z.rank == 2 && z.shape[1] == latent, "dvd-gan: z must be [B, \(latent)], got \(z.shape)")
        let condition = concat([z, embedding.weight.value.expanded(to: [b, latent])], axis: 1)   // [B, 2L]
        // The condition of every frame, batch-major like the features (the reference repeats it time-major,
        // which mixes samples for B > 1; we do not copy that).
        let frameCondition = condition.unsqueezed(1).expanded(to: [b, t, 2 * latent]).reshaped([b * t, 2 * latent])
        let y0 = affine(condition).reshaped([b, config.stageChannels[0], seed, seed])
        var frames: [Tensor] = []                                        // per time step, [B, C, h, w]
        for (i, gru) in grus.enumerated() {
            let size = seed << i
            var states = gru.zeroStates(batch: b, height: size, width: size)
            var outputs: [Tensor] = []
            for step in 0..<t {
                var x = i == 0 ? y0 : frames[step]
                if let features { x = x + features[i] }
                states = gru(x, states: states)
                outputs.append(states[states.count - 1])
            }
            var y = stack(outputs, axis: 1)                             // [B, T, C, h, w]
            let s = y.shape
            y = y.reshaped([b * t, s[2], s[3], s[4]])
            y = blocks[i].0(y, condition: frameCondition, training: training)
            y = blocks[i].1(y, condition: frameCondition, training: training)
            if i + 1 < grus.count {
                let r = y.shape
                let video = y.reshaped([b, t, r[1], r[2], r[3]])
                frames = (0..<t).map { video.selecting(axis: 1, $0) }
            } else {
                frames = [y]
            }
        }
        var out = colorize(relu(frames[0]), training: training)        // [B·T, C, H, W]
        let r = out.shape
        out = tanh(out).reshaped([b, t, r[1], r[2], r[3]])
        if config.residualOutput, let last {
            out = clamp(out + last.unsqueezed(1), min: -1, max: 1)
        }
        return out
    }
}

extension DVDGANConfig {
    /// Context frames the encoder reads (all of the contract's).
    var contextFramesUsed: Int { contract.contextFrames }
}
