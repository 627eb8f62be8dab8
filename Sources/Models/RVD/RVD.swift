// Residual Video Diffusion.
//
// Port of: R. Yang, P. Srivastava, S. Mandt, "Diffusion Probabilistic Modeling for Video Generation",
// arXiv 2203.09481 (Entropy 2023), reference code github.com/buggyyang/RVD @ 309fbe0
// (modules/denoising_diffusion.py). What the reference does, with file and line: docs/models/rvd.md.
//
// Implemented as the released code does it: two recurrent nets read the frames one at a time, the
// transform net predicts the next frame's mean μ (σ = 1), the context net one feature map per
// resolution; a DDPM (cosine schedule, N = 1600, ε-prediction, L1 loss) models the residual
// y₀ = (x − μ)/σ with the U-Net denoiser conditioned on the context maps. Training uses one diffusion
// step per clip shared by its frames, teacher forcing and 2 burn-in frames without loss; sampling
// clamps x̂₀ to [−2, 2], adds μ and feeds the frame, clamped to [−1, 1], back to both nets.
// VD (the paper's ablation) is this model with `residual` false: no transform net, y₀ = x.
// Deviations: none in the networks or the loss; sampling may use DDIM (K steps, η) besides the paper's
// ancestral DDPM, and `predict` returns frames clamped to [−1, 1] (the reference clamps when saving).

import Foundation
import ZooCore

/// RVD (or VD): transform net, context net and denoiser, trained jointly with the diffusion loss.
public final class RVD: Module, DiffusionSampling {
    /// The config (its `sampler` is what `predict` uses).
    public private(set) var config: RVDConfig
    /// The registry name: "rvd", or "vd" for the ablation.
    public let modelName: String
    /// ε_θ (`denoise_fn`).
    public let denoiser: RVDUNet
    /// The context net (`history_fn`).
    public let contextNet: RVDContextNet
    /// The transform net (`transform_fn`); nil for VD.
    public let transformNet: RVDTransformNet?
    /// The forward process.
    public let schedule: NoiseSchedule

    /// A model with PyTorch-default initial weights drawn from `rng` (denoiser, context net, transform net).
    public init(config: RVDConfig, modelName: String = "rvd", rng: inout RandomGenerator) {
        self.config = config
        self.modelName = modelName
        let c = config.contract.channels
        denoiser = RVDUNet(dim: config.dim, dimMults: config.dimMults, channels: c,
                           contextDimFactor: config.contextDimFactor, rng: &rng)
        contextNet = RVDContextNet(dim: Int(config.contextDimFactor * Double(config.dim)), dimMults: config.dimMults,
                                   channels: c, rng: &rng)
        transformNet = config.residual
            ? RVDTransformNet(dim: Int(config.transformDimFactor * Double(config.dim)), dimMults: config.transformDimMults,
                              channels: c, learnedScale: config.learnedScale, rng: &rng)
            : nil
        schedule = config.makeSchedule()
    }

    public func key(forProperty name: String) -> String? {
        switch name {
        case "denoiser": return "denoise_fn"
        case "contextNet": return "history_fn"
        case "transformNet": return "transform_fn"
        default: return name
        }
    }

    // MARK: - Sampler choice

    public var samplerSettings: SamplerSettings {
        get { config.sampler }
        set {
            require((try? newValue.validate(stepCount: config.diffusionSteps)) != nil,
                         "invalid sampler settings \(newValue) for \(config.diffusionSteps) diffusion steps")
            config.sampler = newValue
        }
    }

    public var diffusionStepCount: Int { config.diffusionSteps }

    // MARK: - Recurrent reading

    /// The hidden states of both recurrent nets.
    public struct State {
        public var context: [Tensor]
        public var transform: [Tensor]
    }

    /// What the nets say about the next frame after reading a frame: the context maps and μ, σ
    /// (μ = 0 and σ = nil, meaning 1, for VD).
    public struct Conditioning {
        public var context: [Tensor]
        public var mu: Tensor?
        public var sigma: Tensor?
    }

    /// Zero states for a batch (`init_state`).
    public func zeroState(batch: Int) -> State {
        let h = config.contract.height, w = config.contract.width
        return State(context: contextNet.zeroStates(batch: batch, height: h, width: w),
                     transform: transformNet?.zeroStates(batch: batch, height: h, width: w) ?? [])
    }

    /// Feeds one frame [B, C, H, W] to both nets (`scan_context`).
    public func read(_ frame: Tensor, state: inout State) -> Conditioning {
        state.context = contextNet(frame, states: state.context)
        var out = Conditioning(context: state.context, mu: nil, sigma: nil)
        if let transformNet {
            let r = transformNet(frame, states: state.transform)
            state.transform = r.states
            out.mu = r.mu
            out.sigma = r.sigma
        }
        return out
    }

    /// y₀ = (x − μ)/σ (x itself for VD).
    func residual(_ x: Tensor, _ c: Conditioning) -> Tensor {
        guard let mu = c.mu else { return x }
        return c.sigma.map { (x - mu) / $0 } ?? x - mu
    }

    /// x = y·σ + μ (y itself for VD).
    func frame(fromResidual y: Tensor, _ c: Conditioning) -> Tensor {
        guard let mu = c.mu else { return y }
        return (c.sigma.map { y * $0 } ?? y) + mu
    }

    // MARK: - Training loss

    /// The diffusion loss of a batch of clips [B, T, C, H, W] in [−1, 1] (`GaussianDiffusion.forward`):
    ///   1. one step n ~ U{0..<N} per clip, shared by its frames; zero recurrent states;
    ///   2. for frame i ≥ burn-in: y₀ = (xᵢ − μᵢ)/σᵢ, ε ~ N(0, I), yₙ = √ᾱₙ·y₀ + √(1 − ᾱₙ)·ε, and the
    ///      loss term |target − ε_θ(yₙ, n, ctxᵢ)| (L1 mean; target ε for ε-prediction);
    ///   3. the true frame xᵢ is fed to both nets (teacher forcing) to condition frame i + 1;
    ///   4. the loss is the mean of the terms over the T − burn-in frames.
    /// Draws n, then each frame's ε, from `rng`, per batch row (`perRow`, `Init.batchNormal`: data-parallel
    /// training gives each process its rows of the single-process draws).
    ///
    /// The denoiser has no state, so its T − burn-in calls run as one call on all frames stacked along
    /// the batch (the same sum of per-frame means, in another floating-point order): one large call
    /// keeps the cores busier than several small ones.
    public func loss(_ clips: Tensor, rng: inout RandomGenerator) -> Tensor {
        let c = config.contract
        require(clips.rank == 5 && clips.shape[1] > config.burnInFrames
                     && Array(clips.shape[2...]) == [c.channels, c.height, c.width],
                     "RVD trains on clips [B, T > \(config.burnInFrames), \(c.channels), \(c.height), \(c.width)], got \(clips.shape)")
        let b = clips.shape[0], frameCount = clips.shape[1]
        let steps = rng.perRow(b) { $0.int(below: schedule.stepCount) }                              // 1
        var state = zeroState(batch: b)
        var condition: Conditioning?
        var noisy: [Tensor] = [], targets: [Tensor] = [], contexts: [[Tensor]] = []
        for i in 0..<frameCount {
            let x = clips.selecting(axis: 1, i)
            if i >= config.burnInFrames, let c = condition {                                         // 2
                let y0 = residual(x, c)
                let noise = Init.batchNormal(y0.shape, rng: &rng)
                noisy.append(schedule.qSample(x0: y0, t: steps, noise: noise))
                targets.append(config.objective.target(x0: y0, noise: noise, schedule: schedule, t: steps))
                contexts.append(c.context)
            }
            if i < frameCount - 1 { condition = read(x, state: &state) }                              // 3
        }
        let frames = noisy.count
        let allSteps = [[Int]](repeating: steps, count: frames).flatMap { $0 }
        let context = (0..<contexts[0].count).map { level in concat(contexts.map { $0[level] }, axis: 0) }
        let prediction = denoiser(concat(noisy, axis: 0), t: allSteps, context: context)
        let target = concat(targets, axis: 0)
        // The mean over all frames' elements equals the mean of the per-frame means (equal sizes).   // 4
        return config.loss == "l1" ? l1Loss(target, prediction) : mseLoss(target, prediction)
    }

    // MARK: - Sampling

    /// Samples `frameCount` frames after `context` [B, Tc, C, H, W] (`GaussianDiffusion.sample`), one
    /// sample per clip, with the sampler of `config.sampler`:
    ///   1. zero states; read the context frames, keeping the conditioning after the last;
    ///   2. per frame: y ~ N(0, I) at the sampler's first step; for each step n: ε̂ = ε_θ(y, n, ctx),
    ///      y ← sampler.step (x̂₀ clamped to [−clip, clip]);
    ///   3. x = y·σ + μ; feed clamp(x, −1, 1) back to both nets.
    /// - Returns: [B, frameCount, C, H, W], clamped to [−1, 1].
    public func sample(context: Tensor, frameCount: Int, rng: inout RandomGenerator) -> Tensor {
        require(context.rank == 5 && context.shape[1] >= 1, "RVD: context must be [B, T, C, H, W], got \(context.shape)")
        return noGrad {
            let b = context.shape[0]
            let sampler = config.sampler.makeSampler(schedule: schedule, objective: config.objective, clip: config.clip)
            var state = zeroState(batch: b)                                                            // 1
            var condition = read(context.selecting(axis: 1, 0), state: &state)
            for i in 1..<context.shape[1] { condition = read(context.selecting(axis: 1, i), state: &state) }
            let shape = [b] + Array(context.shape[2...])
            var frames: [Tensor] = []
            for f in 0..<frameCount {
                var y = NoiseSchedule.noise(shape, rng: &rng)                                          // 2
                for (index, n) in sampler.timesteps.enumerated() {
                    let out = denoiser(y, t: [Int](repeating: n, count: b), context: condition.context)
                    y = sampler.step(modelOutput: out, index: index, sample: y, rng: &rng)
                }
                let x = clamp(frame(fromResidual: y, condition), min: -1, max: 1)                      // 3
                frames.append(x)
                if f + 1 < frameCount { condition = read(x, state: &state) }
            }
            return stack(frames, axis: 1)
        }
    }
}
