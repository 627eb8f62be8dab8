// FutureGAN's conformance to `VideoPredictor` (progressive growing through the stage API) and its
// registry entry.

import Foundation
import ZooCore

extension FutureGAN {
    /// The config's training settings: clips of D_in + D_pred frames, no EMA (the reference keeps none).
    public var trainingDefaults: TrainingDefaults {
        TrainingDefaults(steps: config.steps, batchSize: config.batchSize, clipLength: config.contract.clipLength,
                         learningRate: config.learningRate)
    }

    public var contract: ClipContract { config.contract }
    /// No noise input: one future per context.
    public var isStochastic: Bool { false }

    /// The phase of `step` (`FutureGANConfig.phase(forStep:)`): `stageSteps` steps per growth stage, the
    /// last one to the end, each split into its fade-in and the rest.
    public func stage(forStep step: Int) -> Int { config.phase(forStep: step) }

    /// Two Adams with the reference's betas, both at base·growthDecay^k in growth stage k (the reference
    /// multiplies its rate by 0.87 at each growth step). The trainer calls this again at each phase
    /// change. Entering a fading phase starts both afresh (the reference's optimizer reset at
    /// `grow_network`); entering a flushed phase carries the Adam state of the optimizers made in the fade-in
    /// over, without the dropped paths' entries (the reference keeps its optimizers at `flush_network`).
    public func makeOptimizers(learningRate: Double) -> OptimizerGroup {
        let rate = learningRate * Foundation.pow(config.growthDecay, Double(growthStage))
        let betas = (config.beta1, config.beta2)
        let all = namedParameters()
        let group = OptimizerGroup()
        for name in ["generator", "discriminator"] {
            let parameters = all.filter { $0.0.hasPrefix(name + ".") }
            let adam = Adam(learningRate: rate, betas: betas)
            if stage > 0, !config.isFadingIn(phase: stage), let last = lastOptimizers, last.phase == stage - 1 {
                var state = last.group.member(name).optimizer.exportState()
                let kept = Set(parameters.map(\.0))
                state.slots = state.slots.filter { kept.contains($0.key) }
                adam.importState(state)
            }
            group.add(name, optimizer: adam, parameters: parameters, ema: false)
        }
        lastOptimizers = (stage, group)
        return group
    }

    /// One critic update, then one generator update (train.py): the critic's WGAN-GP loss on the real clip
    /// and on past ⊕ G(past) at the stage's resolution, then −mean D(past ⊕ G(past)) (plus the optional L1
    /// term) through the updated critic. Reports loss_D, loss_G, the critic's Wasserstein estimate, the
    /// penalty, the drift term and loss_recon (the L1 of the prediction, reported at every weight).
    public func trainStep(_ batch: VideoBatch, optimizers: OptimizerGroup, step: Int,
                          rng: inout RandomGenerator) -> StepLosses {
        let c = config.contract
        require(batch.frameCount >= c.clipLength,
                     "futuregan trains on clips of \(c.clipLength) frames, got \(batch.frameCount)")
        fadeInAlpha.value = Tensor(shape: [1], scalars: [config.fadeInAlpha(step: step, stage: growthStage)])
        let clip = toNetwork(batch.frames(0..<c.clipLength))                   // [B, C, T, r, r]
        let past = clip.sliced(axis: 2, 0..<c.contextFrames)
        let future = clip.sliced(axis: 2, c.contextFrames..<c.clipLength)
        let predicted = generate(past)
        let fake = concat([past, predicted], axis: 2)

        // The critic.
        let u = interpolationWeights(batch: clip.shape[0], rank: 5, rng: &rng)
        let penalty = gradientPenalty(critic: { self.criticize($0) }, real: clip, fake: fake, weights: u)
        let critic = wassersteinCriticLoss(realScores: criticize(clip), fakeScores: criticize(fake.detached()),
                                           penalty: penalty, penaltyWeight: Float(config.gradientPenaltyWeight),
                                           driftWeight: Float(config.driftWeight))
        optimizers.minimize(critic.total, group: "discriminator")

        // The generator, through the updated critic.
        let adversarial = wassersteinGeneratorLoss(fakeScores: criticize(fake))
        let reconstruction = l1Loss(predicted, future)
        let lossG = config.reconstructionWeight > 0
            ? adversarial + Float(config.reconstructionWeight) * reconstruction : adversarial
        optimizers.minimize(lossG, group: "generator")
        return StepLosses([
            "loss_D": critic.total.item, "loss_G": lossG.item, "wasserstein": critic.wasserstein,
            "gradient_penalty": critic.gradientPenalty, "drift": critic.drift, "loss_recon": reconstruction.item,
        ])
    }

    /// The future of the last D_in context frames, D_pred frames per generator pass; longer futures feed
    /// the last D_in frames (context and predictions) back in. Predictions are clamped to [−1, 1] and,
    /// before the last stage, upsampled (nearest) from the stage's resolution. The same future for every
    /// sample (the model has no noise input).
    public func predict(context: Tensor, frameCount: Int, sampleCount: Int, rng: inout RandomGenerator) -> Tensor {
        let c = config.contract
        require(context.rank == 5 && context.shape[1] >= c.contextFrames,
                     "futuregan: context must be [B, T ≥ \(c.contextFrames), C, H, W], got \(context.shape)")
        require(frameCount >= 1 && sampleCount >= 1, "futuregan: frameCount and sampleCount must be ≥ 1")
        return noGrad {
            let b = context.shape[0], t = context.shape[1]
            var window = toNetwork(context.sliced(axis: 1, (t - c.contextFrames)..<t))   // [B, C, D_in, r, r]
            var produced: [Tensor] = []
            var count = 0
            while count < frameCount {
                let next = clamp(generate(window), min: -1, max: 1)
                produced.append(next)
                count += c.predictedFrames
                if count < frameCount {
                    let all = concat([window, next], axis: 2)
                    let n = all.shape[2]
                    window = all.sliced(axis: 2, (n - c.contextFrames)..<n)
                }
            }
            var future = concat(produced, axis: 2).sliced(axis: 2, 0..<frameCount)     // [B, C, T, r, r]
            let r = resolution
            if r < c.height {
                future = resizeNearest(future.reshaped([b, c.channels * frameCount, r, r]), size: (c.height, c.width))
                    .reshaped([b, c.channels, frameCount, c.height, c.width])
            }
            let frames = future.permuted([0, 2, 1, 3, 4])                               // [B, T, C, H, W]
            return frames.unsqueezed(1).expanded(to: [b, sampleCount] + Array(frames.shape[1...])).copy()
        }
    }

    /// The overfit check follows the L1 term (the adversarial losses need not fall); the tiny preset
    /// grows at `stageSteps`, inside the suite's runs.
    public var conformanceHints: ConformanceHints {
        ConformanceHints(overfitLoss: "loss_recon", overfitSteps: 40, gradientSteps: 2,
                         stageChangeStep: config.stageCount > 1 ? config.stageSteps : nil)
    }

    /// The WGAN-GP rule (`wassersteinDivergenceRule`): the critic off its Lipschitz bound while it
    /// separates real from fake, for `ganDivergencePatience` steps.
    public var divergenceRules: [DivergenceRule] { [wassersteinDivergenceRule(patience: ganDivergencePatience)] }
}

extension FutureGAN {
    /// The registry entry "futuregan".
    public static let entry = ModelEntry.create(
        name: "futuregan",
        summary: "FutureGAN: 3-D conv encoder-decoder and critic, WGAN-GP, progressive growing (deterministic).",
        paper: "Aigner & Körner, FutureGAN: Anticipating the Future Frames of Video Sequences using Spatio-Temporal 3d Convolutions in Progressively Growing GANs, arXiv 1810.01325",
        presets: FutureGANConfig.presets,
        validate: { try $0.validate() },
        build: { config, rng in FutureGAN(config: config, rng: &rng) })
}
