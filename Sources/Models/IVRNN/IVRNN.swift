// IVRNN: "Improved Conditional VRNNs for Video Prediction", Lluís Castrejón, Nicolas Ballas and Aaron
// Courville, ICCV 2019 (arXiv 1904.12165). A conditional VRNN with a hierarchy of latent variables per time
// step and a high-capacity ConvLSTM renderer whose recurrent states start from the context frames'
// features.
//
// Port of models/vrnn.py of github.com/facebookresearch/improved_vrnn (parameter names follow its
// state_dict), generalised: the number of encoder levels follows the frame size (`widthMultipliers`), the
// latent levels are a list (`latentBlocks`, as `vrnn_hier`), and the prior of a finer level may also see
// the coarser z's (`hierarchicalPrior`, the wiring of the unreleased s2s_big_hier.py that matches the
// paper). Known differences from the official code, explained in README.md:
//   • `predict` is a step-wise sampler that keeps the recurrent states and the z's already drawn (the
//     official sampler re-runs the whole sequence once per predicted frame and re-samples past z's);
//   • videos enter in [-1, 1] and are mapped to [0, 1], the official frame range, inside the model.
//
//   frames ─ encoder (per frame, L levels) ─ e_0 … e_{L−1}
//   prior_k:     e_j(x_{t−1}) ─ conv1x1 ─ GN ─ ConvLSTM(init: context) ─ [z_{<k}] ─ conv1x1 ─ GN ─ μ, log softplus
//   posterior_k: e_j(x_t)     ─ conv1x1 ─ GN ─ ConvLSTM(init: context) ─ [z_{<k}] ─ conv1x1 ─ GN ─ μ, log softplus
//   renderer:    e_{L−1}(x_{t−1}) ─ block 0 … block L−1 (ConvLSTM(init: context), up-conv; z joins its block) ─ σ

import Foundation
import ZooCore

/// One encoder level (`emb_net.i`): level 0 is conv1x1 → ResNet block (keys `0`, `1`); the others are
/// max-pool → ResNet block → ResNet block (keys `1`, `2`; the pool is item 0).
public final class IVRNNEncoderLevel: Module {
    public let inputConv: Conv2d?
    public let blocks: [IVRNNResnetBlock]
    /// Max-pool kernel and stride (nil at level 0).
    let pool: (kernel: (Int, Int), stride: Int)?

    init(level: Int, config c: IVRNNConfig, rng: inout RandomGenerator) {
        let out = c.width(level)
        if level == 0 {
            inputConv = Conv2d(c.contract.channels, out, kernelSize: 1, rng: &rng)
            blocks = [IVRNNResnetBlock(out, out, groups: c.normGroups, rng: &rng)]
            pool = nil
        } else {
            inputConv = nil
            let inc = c.width(level - 1)
            blocks = [IVRNNResnetBlock(inc, out, groups: c.normGroups, rng: &rng),
                      IVRNNResnetBlock(out, out, groups: c.normGroups, rng: &rng)]
            pool = level == c.levels - 1 ? (c.resolution(level - 1), 1) : ((2, 2), 2)
        }
    }

    public func children() -> [(String, ModuleChild)] {
        // Item 0 is the input conv (level 0) or the max-pool (no parameters); the blocks follow.
        var out: [(String, ModuleChild)] = inputConv.map { [("0", .module($0))] } ?? []
        for (i, b) in blocks.enumerated() { out.append(("\(i + 1)", .module(b))) }
        return out
    }

    /// `x` [N, C, H, W] → [N, C', H', W'].
    func callAsFunction(_ x: Tensor) -> Tensor {
        var h = x
        if let pool { h = maxPool2d(h, kernel: pool.kernel, stride: (pool.stride, pool.stride)) }
        if let inputConv { h = inputConv(h) }
        for b in blocks { h = b(h) }
        return h
    }
}

/// One renderer block (`render_nets.i`): ConvLSTM (key `0`), then an up-convolution (`DcUpConv`, key `1`)
/// or, in the last block, a 3x3 conv unit (`DcConv`, key `1`) and the 3x3 output conv (key `2`).
public final class IVRNNRenderBlock: Module {
    public let lstm: IVRNNConvLSTM
    public let up: IVRNNConvUnit
    public let output: IVRNNWrapped<Conv2d>?

    init(block i: Int, config c: IVRNNConfig, rng: inout RandomGenerator) {
        let j = c.encoderLevel(block: i)
        let hid = c.width(j)
        let z = c.latentBlocks.firstIndex(of: i).map { c.latentChannels[$0] } ?? 0
        lstm = IVRNNConvLSTM(hid + z, hid, groups: c.lstmNormGroups, rng: &rng)
        if j > 0 {
            let out = c.width(j - 1)
            let first = i == 0
            let k = first ? c.resolution(j - 1) : (4, 4)
            let conv = ConvTranspose2d(hid, out, kernelSize: k, stride: first ? (1, 1) : (2, 2),
                                       padding: first ? (0, 0) : (1, 1), rng: &rng)
            up = IVRNNConvUnit(conv: conv, groups: c.normGroups, channels: out)
            output = nil
        } else {
            up = IVRNNConvUnit(conv: Conv2d(hid, hid, kernelSize: 3, padding: 1, rng: &rng), groups: c.normGroups,
                               channels: hid)
            output = IVRNNWrapped(Conv2d(hid, c.contract.channels, kernelSize: 3, padding: 1, rng: &rng))
        }
    }

    public func children() -> [(String, ModuleChild)] {
        var out: [(String, ModuleChild)] = [("0", .module(lstm)), ("1", .module(up))]
        if let output { out.append(("2", .module(output))) }
        return out
    }

    /// The layers after the LSTM on one frame: [N, hid, h, w] → the next block's input (or logits).
    func afterLSTM(_ h: Tensor) -> Tensor {
        let y = up(h)
        return output.map { $0.layer(y) } ?? y
    }
}

/// One prior or posterior branch (`prior_nets.k`, `posterior_nets.k`): conv1x1 → GroupNorm(1) →
/// ConvLSTM → conv1x1 (the coarser z's concatenated in front of its input) → GroupNorm(1) → (μ, r),
/// variance softplus(r). Keys `0` … `4`.
public final class IVRNNLatentBranch: Module {
    public let inputConv: IVRNNWrapped<Conv2d>
    public let inputNorm: IVRNNWrapped<GroupNorm>
    public let lstm: IVRNNConvLSTM
    public let headConv: IVRNNWrapped<Conv2d>
    public let headNorm: IVRNNWrapped<GroupNorm>
    let zChannels: Int

    init(channels a: Int, coarserChannels: Int, zChannels o: Int, config c: IVRNNConfig, rng: inout RandomGenerator) {
        zChannels = o
        inputConv = IVRNNWrapped(Conv2d(a, a, kernelSize: 1, rng: &rng))
        inputNorm = IVRNNWrapped(GroupNorm(groups: 1, channels: a))
        lstm = IVRNNConvLSTM(a, a, groups: c.lstmNormGroups, rng: &rng)
        headConv = IVRNNWrapped(Conv2d(a + coarserChannels, 2 * o, kernelSize: 1, rng: &rng))
        headNorm = IVRNNWrapped(GroupNorm(groups: 1, channels: 2 * o))
        // The official init of the last layer: weight constant (0), bias ~ N(0, 1e-3²).
        headNorm.layer.weight?.value = Tensor(repeating: c.headWeightInit, shape: [2 * o])
        headNorm.layer.bias?.value = Init.normal([2 * o], std: 1e-3, rng: &rng)
    }

    public func children() -> [(String, ModuleChild)] {
        [("0", .module(inputConv)), ("1", .module(inputNorm)), ("2", .module(lstm)), ("3", .module(headConv)),
         ("4", .module(headNorm))]
    }

    /// The input layers on one frame's features [N, a, h, w].
    func embed(_ x: Tensor) -> Tensor { inputNorm.layer(inputConv.layer(x)) }

    /// The head on [N, coarser + a, h, w] → (mean, log-variance), each [N, o, h, w].
    func head(_ x: Tensor) -> (mean: Tensor, logvar: Tensor) {
        let out = headNorm.layer(headConv.layer(x))
        let o = zChannels
        return (out.sliced(axis: 1, 0..<o), log(softplus(out.sliced(axis: 1, o..<(2 * o)))))
    }
}

/// A diagonal Gaussian per latent level: [B, S, o, h, w] each.
public struct IVRNNGaussian {
    public var mean: Tensor
    public var logvar: Tensor
}

/// What one teacher-forced pass gives: the frames' probabilities in [0, 1] (and their logits), the
/// prior and posterior of each latent level, and the posterior samples.
public struct IVRNNPass {
    public var predictions: Tensor
    public var logits: Tensor
    public var priors: [IVRNNGaussian]
    public var posteriors: [IVRNNGaussian]
    public var samples: [Tensor]
}

/// The IVRNN model (the `Model` of vrnn.py).
public final class IVRNN: Module {
    /// The config (the `meanLatent` flag is the one setting `setOption` changes).
    public internal(set) var config: IVRNNConfig
    public let embNet: [IVRNNEncoderLevel]
    public let renderNets: [IVRNNRenderBlock]
    public let initNets: [IVRNNInitNet]
    public let priorNets: [IVRNNLatentBranch]
    public let posteriorNets: [IVRNNLatentBranch]
    public let priorInitNets: [IVRNNInitNet]
    public let posteriorInitNets: [IVRNNInitNet]

    /// A model with PyTorch-default initial weights (and the official head init) drawn from `rng`, in the
    /// official module order.
    public init(config: IVRNNConfig, rng: inout RandomGenerator) {
        self.config = config
        let c = config, ctx = config.contract.contextFrames
        embNet = (0..<c.levels).map { IVRNNEncoderLevel(level: $0, config: c, rng: &rng) }
        var render: [IVRNNRenderBlock] = [], inits: [IVRNNInitNet] = []
        for i in 0..<c.levels {
            render.append(IVRNNRenderBlock(block: i, config: c, rng: &rng))
            let a = c.width(c.encoderLevel(block: i))
            inits.append(IVRNNInitNet(inChannels: a * ctx, hiddenChannels: a, groups: c.normGroups, rng: &rng))
        }
        renderNets = render
        initNets = inits
        var priors: [IVRNNLatentBranch] = [], posteriors: [IVRNNLatentBranch] = []
        var priorInits: [IVRNNInitNet] = [], posteriorInits: [IVRNNInitNet] = []
        for (k, block) in c.latentBlocks.enumerated() {
            let a = c.width(c.encoderLevel(block: block))
            let coarser = c.latentChannels[..<k].reduce(0, +)
            let o = c.latentChannels[k]
            priors.append(IVRNNLatentBranch(channels: a, coarserChannels: c.hierarchicalPrior ? coarser : 0,
                                            zChannels: o, config: c, rng: &rng))
            posteriors.append(IVRNNLatentBranch(channels: a, coarserChannels: coarser, zChannels: o, config: c,
                                                rng: &rng))
        }
        for block in c.latentBlocks {
            let a = c.width(c.encoderLevel(block: block))
            priorInits.append(IVRNNInitNet(inChannels: a * ctx, hiddenChannels: a, groups: c.normGroups, rng: &rng))
            posteriorInits.append(IVRNNInitNet(inChannels: a * ctx, hiddenChannels: a, groups: c.normGroups,
                                               rng: &rng))
        }
        priorNets = priors
        posteriorNets = posteriors
        priorInitNets = priorInits
        posteriorInitNets = posteriorInits
    }

    public func key(forProperty name: String) -> String? {
        switch name {
        case "config": return nil
        case "embNet": return "emb_net"
        case "renderNets": return "render_nets"
        case "initNets": return "init_nets"
        case "priorNets": return "prior_nets"
        case "posteriorNets": return "posterior_nets"
        case "priorInitNets": return "prior_init_nets"
        case "posteriorInitNets": return "posterior_init_nets"
        default: return name
        }
    }

    // MARK: - Pieces

    /// The encoder on frames in [0, 1] [B, T, C, H, W] → the features of every level, [B, T, w_i, h_i, w_i].
    public func encode(_ frames: Tensor) -> [Tensor] {
        let s = frames.shape
        var h = frames.reshaped([s[0] * s[1], s[2], s[3], s[4]])
        var out: [Tensor] = []
        for level in embNet {
            h = level(h)
            out.append(h.reshaped([s[0], s[1]] + Array(h.shape[1...])))
        }
        return out
    }

    /// The z's of the levels before `k`, each [N, o, h, w], resized (nearest) to level k's resolution and
    /// concatenated in front of `features` [N, a, h, w].
    func withCoarser(_ zs: [Tensor], _ features: Tensor) -> Tensor {
        guard !zs.isEmpty else { return features }
        let size = (features.shape[2], features.shape[3])
        return concat(zs.map { resizeNearest($0, size: size) } + [features], axis: 1)
    }

    /// A reparameterised draw mean + exp(½ logvar)·ε.
    static func draw(_ g: (mean: Tensor, logvar: Tensor), noise: Tensor) -> Tensor {
        g.mean + exp(0.5 * g.logvar) * noise
    }

    // MARK: - Teacher-forced pass (training)

    /// The official forward with posterior samples: `frames` [B, T, C, H, W] in [0, 1] with T = C + S;
    /// `noise` holds ε per latent level, [B, S, o_k, h_k, w_k].
    public func pass(_ frames: Tensor, noise: [Tensor]) -> IVRNNPass {
        let ctx = config.contract.contextFrames
        require(frames.shape[1] > ctx, "ivrnn: a training clip needs more than \(ctx) frames, got \(frames.shape)")
        require(noise.count == config.latentBlocks.count, "ivrnn: one noise tensor per latent level")
        let emb = encode(frames)
        let (posteriors, zs) = posterior(emb, noise: noise)
        let priors = prior(emb, conditionedOn: zs)
        let logits = render(emb, latents: zs)
        return IVRNNPass(predictions: sigmoid(logits), logits: logits, priors: priors, posteriors: posteriors,
                         samples: zs)
    }

    /// Folds [B, S, …] to [B·S, …].
    private func fold(_ x: Tensor) -> Tensor { x.reshaped([x.shape[0] * x.shape[1]] + Array(x.shape[2...])) }

    /// q(z_t | x_{≤t}) of every level, coarse to fine, over the future frames of `emb` (the encoder's
    /// features of a clip); each head sees the coarser levels' samples mean + σ·`noise`. Returns the
    /// Gaussians and the samples, [B, S, o, h, w] each.
    public func posterior(_ emb: [Tensor], noise: [Tensor]) -> ([IVRNNGaussian], [Tensor]) {
        let c = config, ctx = c.contract.contextFrames
        let b = emb[0].shape[0], t = emb[0].shape[1]
        let unfold = { (x: Tensor) -> Tensor in x.reshaped([b, t - ctx] + Array(x.shape[1...])) }
        var gaussians: [IVRNNGaussian] = [], zs: [Tensor] = []
        for (k, block) in c.latentBlocks.enumerated() {
            let e = emb[c.encoderLevel(block: block)]
            let net = posteriorNets[k]
            let state = posteriorInitNets[k](e.sliced(axis: 1, 0..<ctx))
            let hidden = net.lstm(perFrame(e.sliced(axis: 1, ctx..<t), net.embed), state: state)
            let g = net.head(withCoarser(zs.map(fold), fold(hidden)))
            gaussians.append(IVRNNGaussian(mean: unfold(g.mean), logvar: unfold(g.logvar)))
            zs.append(unfold(Self.draw(g, noise: fold(noise[k]))))
        }
        return (gaussians, zs)
    }

    /// p(z_t | x_{<t}) of every level from the frames before each future frame. With a hierarchical prior,
    /// each head sees the coarser levels' `zs` (the posterior samples in training), or, when `zs` is nil,
    /// the coarser priors' own means (what the sampler does with the mean latent).
    public func prior(_ emb: [Tensor], conditionedOn zs: [Tensor]?) -> [IVRNNGaussian] {
        let c = config, ctx = c.contract.contextFrames
        let b = emb[0].shape[0], t = emb[0].shape[1]
        let unfold = { (x: Tensor) -> Tensor in x.reshaped([b, t - ctx] + Array(x.shape[1...])) }
        var gaussians: [IVRNNGaussian] = []
        for (k, block) in c.latentBlocks.enumerated() {
            let e = emb[c.encoderLevel(block: block)]
            let net = priorNets[k]
            let state = priorInitNets[k](e.sliced(axis: 1, 0..<ctx))
            let hidden = net.lstm(perFrame(e.sliced(axis: 1, (ctx - 1)..<(t - 1)), net.embed), state: state)
            let coarser = c.hierarchicalPrior ? Array((zs ?? gaussians.map(\.mean))[..<k]) : []
            let g = net.head(withCoarser(coarser.map(fold), fold(hidden)))
            gaussians.append(IVRNNGaussian(mean: unfold(g.mean), logvar: unfold(g.logvar)))
        }
        return gaussians
    }

    /// The renderer over the future steps of `emb`: the previous frames' top features and `latents`
    /// ([B, S, o, h, w] per level) → logits [B, S, C, H, W].
    public func render(_ emb: [Tensor], latents: [Tensor]) -> Tensor {
        let c = config, ctx = c.contract.contextFrames, t = emb[0].shape[1]
        var out = emb[c.levels - 1].sliced(axis: 1, (ctx - 1)..<(t - 1))
        for (i, block) in renderNets.enumerated() {
            if let k = c.latentBlocks.firstIndex(of: i) { out = concat([out, latents[k]], axis: 2) }
            let state = initNets[i](emb[c.encoderLevel(block: i)].sliced(axis: 1, 0..<ctx))
            out = perFrame(block.lstm(out, state: state), block.afterLSTM)
        }
        return out
    }

    /// The losses of a pass against the true future `targets` [B, S, C, H, W] in [0, 1]: the
    /// reconstruction (summed over time, channels and pixels, mean over the batch) and the KL of every
    /// level and step (summed, mean over the batch).
    public func losses(_ p: IVRNNPass, targets: Tensor) -> (reconstruction: Tensor, kl: Tensor) {
        let b = Float(targets.shape[0])
        let rec: Tensor
        switch config.reconstruction {
        case "l2": rec = (p.predictions - targets).squared().sum() / b
        case "bce": rec = binaryCrossEntropyWithLogits(logits: p.logits, targets: targets, reduction: .sum) / b
        default: rec = abs(p.predictions - targets).sum() / b
        }
        var kl = Tensor(0)
        for (q, (prior, z)) in zip(p.posteriors, zip(p.priors, p.samples)) {
            if config.kl == "analytic" {
                kl = kl + gaussianKL(mu1: q.mean, logvar1: q.logvar, mu2: prior.mean, logvar2: prior.logvar).sum()
            } else {
                // log N(z; μ, σ²) = −½(log 2π + log σ² + (z − μ)²/σ²); the constants cancel in the difference.
                let logQ = q.logvar + (z - q.mean).squared() * exp(-q.logvar)
                let logP = prior.logvar + (z - prior.mean).squared() * exp(-prior.logvar)
                kl = kl + (0.5 * (logP - logQ)).sum()
            }
        }
        return (rec, kl / b)
    }

    /// Standard-normal noise for a training pass over `batch` clips of `steps` predicted frames.
    public func drawNoise(batch: Int, steps: Int, rng: inout RandomGenerator) -> [Tensor] {
        config.latentBlocks.enumerated().map { k, block in
            let (h, w) = config.resolution(config.encoderLevel(block: block))
            return Init.batchNormal([batch, steps, config.latentChannels[k], h, w], rng: &rng)
        }
    }

    // MARK: - Step-wise sampling

    /// Samples `frameCount` frames after `context` [N, C, ch, H, W] (frames in [0, 1]), one step at a time,
    /// keeping every recurrent state and the z's drawn so far. z comes from the prior (its mean when
    /// `config.meanLatent`). Returns [N, frameCount, ch, H, W] in [0, 1].
    public func sample(context: Tensor, frameCount: Int, rng: inout RandomGenerator) -> Tensor {
        let c = config, ctx = c.contract.contextFrames
        require(context.rank == 5 && context.shape[1] == ctx,
                     "ivrnn: context must be [N, \(ctx), C, H, W], got \(context.shape)")
        let emb = encode(context)
        var renderStates = initNets.enumerated().map { i, net in net(emb[c.encoderLevel(block: i)]) }
        var priorStates = c.latentBlocks.enumerated().map { k, block in
            priorInitNets[k](emb[c.encoderLevel(block: block)])
        }
        var previous = emb.map { $0.selecting(axis: 1, ctx - 1) }   // features of the last frame, per level
        var frames: [Tensor] = []
        for step in 0..<frameCount {
            var zs: [Tensor] = []
            for (k, block) in c.latentBlocks.enumerated() {
                let net = priorNets[k]
                priorStates[k] = net.lstm.step(net.embed(previous[c.encoderLevel(block: block)]), priorStates[k])
                let g = net.head(withCoarser(c.hierarchicalPrior ? zs : [], priorStates[k].h))
                if c.meanLatent {
                    zs.append(g.mean)
                } else {
                    zs.append(Self.draw(g, noise: Init.normal(g.mean.shape, rng: &rng)))
                }
            }
            var out = previous[c.levels - 1]
            for (i, block) in renderNets.enumerated() {
                if let k = c.latentBlocks.firstIndex(of: i) { out = concat([out, zs[k]], axis: 1) }
                renderStates[i] = block.lstm.step(out, renderStates[i])
                out = block.afterLSTM(renderStates[i].h)
            }
            let frame = sigmoid(out)
            frames.append(frame)
            if step + 1 < frameCount { previous = encode(frame.unsqueezed(1)).map { $0.squeezed(1) } }
        }
        return stack(frames, axis: 1)
    }
}
