// RetroGAN's conformance to `VideoPredictor` and its registry entry "retrogan".
import ZooCore

extension RetroGAN: ConfiguredPredictor {
    public var modelName: String { "retrogan" }
    public var contract: ClipContract { config.contract }
    public var isStochastic: Bool { false }

    /// Clips of k+1 frames (the reference's sequence_len); no EMA (the reference keeps none).
    public var trainingDefaults: TrainingDefaults {
        TrainingDefaults(steps: config.steps, batchSize: config.batchSize, clipLength: config.trainClipLength,
                         learningRate: config.learningRate)
    }

    /// "generator" at the base rate and "discriminator" (D_A and D_B) at base × the ratio, both Adam with
    /// the config's betas (the reference: 3e-4, β = (0.5, 0.999) for all three networks).
    public func makeOptimizers(learningRate: Double) -> OptimizerGroup {
        adversarialOptimizers(
            learningRate: learningRate, betas: (config.beta1, config.beta2),
            discriminatorRatio: config.discriminatorLearningRateRatio,
            generator: generator.namedParameters().map { ("G." + $0.0, $0.1) },
            discriminator: frameDiscriminator.namedParameters().map { ("D_A." + $0.0, $0.1) }
                + sequenceDiscriminator.namedParameters().map { ("D_B." + $0.0, $0.1) })
    }

    /// The reference's order: one generator step on L_G, then the discriminators on the same (detached)
    /// predictions. Uses the first k+1 frames of each clip.
    public func trainStep(_ batch: VideoBatch, optimizers: OptimizerGroup, step: Int,
                          rng: inout RandomGenerator) -> StepLosses {
        let k = config.inputFrames
        require(batch.frameCount >= k + 1, "retrogan trains on clips of ≥ \(k + 1) frames, got \(batch.frameCount)")
        let frames = (0...k).map { batch.frames.selecting(axis: 1, $0) }
        let fw = forward(frames)
        let g = generatorLosses(fw, real: frames)
        optimizers.minimize(g.total, group: "generator")
        let d = discriminatorLosses(fw, real: frames)
        let lossD = (d.frame + d.sequence) / 2
        optimizers.minimize(d.frame + d.sequence, group: "discriminator")
        return StepLosses([
            "loss_D": lossD.item, "loss_G": g.total.item, "loss_image": g.image.item, "loss_LoG": g.log.item,
            "loss_G_frame": g.frame.item, "loss_G_seq": g.sequence.item,
            "loss_D_frame": d.frame.item, "loss_D_seq": d.sequence.item,
        ])
    }

    /// The generator rolled forward from the newest k context frames; the S samples are copies.
    public func predict(context: Tensor, frameCount: Int, sampleCount: Int, rng: inout RandomGenerator) -> Tensor {
        noGrad {
            let future = rollOut(context: context, frameCount: frameCount)
            let s = future.shape
            return future.unsqueezed(1).expanded(to: [s[0], sampleCount, s[1], s[2], s[3], s[4]])
        }
    }

    /// The image (L1) term must fall when overfitting one batch; the adversarial terms need not.
    public var conformanceHints: ConformanceHints {
        ConformanceHints(overfitLoss: "loss_image", overfitSteps: 40)
    }

    /// Either least-squares discriminator winning outright (its averaged loss near 0 while its generator
    /// term is near 1) for `ganDivergencePatience` steps stops the run once `loss_G` has stopped falling too.
    public var divergenceRules: [DivergenceRule] {
        // The adversarial terms weigh 0.003 each in every preset, against the image terms' 1 and 0.005, so a discriminator
        // that wins outright leaves the generator learning from L1 and LoG (as in the reference, which
        // does not stop on it): the run stops only once loss_G has also stopped falling.
        let lsgan = AdversarialLoss.leastSquares, stall = DivergenceStall("loss_G", relativeDrop: 0)
        return [lsgan.outrightWinRule("the frame discriminator D_A wins outright", discriminatorLoss: "loss_D_frame",
                                      generatorLoss: "loss_G_frame", patience: ganDivergencePatience, stall: stall),
                lsgan.outrightWinRule("the sequence discriminator D_B wins outright", discriminatorLoss: "loss_D_seq",
                                      generatorLoss: "loss_G_seq", patience: ganDivergencePatience, stall: stall)]
    }
}

extension RetroGAN {
    /// The registry entry "retrogan".
    public static let entry = ModelEntry.create(
        name: "retrogan",
        summary: "Retrospective Cycle GAN: one generator predicts forward and backward in time; L1, LoG and frame/sequence LSGAN terms.",
        paper: "Kwon & Park, Predicting Future Frames Using Retrospective Cycle GAN, CVPR 2019",
        presets: RetroGANConfig.presets,
        validate: { try $0.validate() },
        build: { config, rng in RetroGAN(config: config, rng: &rng) })
}
