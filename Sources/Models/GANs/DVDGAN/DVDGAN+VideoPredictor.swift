// DVD-GAN's conformance to `VideoPredictor` and its registry entry "dvd-gan".
import ZooCore

extension DVDGAN: ConfiguredPredictor {
    public var modelName: String { "dvd-gan" }
    public var contract: ClipContract { config.contract }
    public var isStochastic: Bool { true }

    /// Clips of the contract's length; no EMA (the reference keeps none).
    public var trainingDefaults: TrainingDefaults {
        TrainingDefaults(steps: config.steps, batchSize: config.batchSize, clipLength: config.contract.clipLength,
                         learningRate: config.learningRate)
    }

    /// "generator" (with our context encoder) at the base rate, "discriminator" (D_S and D_T) at base ×
    /// the ratio; Adam with the config's betas for both.
    public func makeOptimizers(learningRate: Double) -> OptimizerGroup {
        adversarialOptimizers(
            learningRate: learningRate, betas: (config.beta1, config.beta2),
            discriminatorRatio: config.discriminatorLearningRateRatio,
            generator: generator.namedParameters().map { ("G." + $0.0, $0.1) },
            discriminator: spatialDiscriminator.namedParameters().map { ("D_s." + $0.0, $0.1) }
                + temporalDiscriminator.namedParameters().map { ("D_t." + $0.0, $0.1) })
    }

    /// The reference's order: fakes once; D_S and D_T hinge updates on the detached fakes (k real and k
    /// fake frames drawn independently); then the generator on the same fakes through the updated
    /// discriminators: −mean(D_S) − mean(D_T) (+ the L1 term when its weight is set).
    public func trainStep(_ batch: VideoBatch, optimizers: OptimizerGroup, step: Int,
                          rng: inout RandomGenerator) -> StepLosses {
        let c = config.contract
        require(batch.frameCount >= c.clipLength, "dvd-gan trains on clips of \(c.clipLength) frames, got \(batch.frameCount)")
        let b = batch.batchSize, tf = c.predictedFrames
        let context = batch.frames.sliced(axis: 1, 0..<c.contextFrames)
        let future = batch.frames.sliced(axis: 1, c.contextFrames..<c.clipLength)
        let z = drawNoise(count: b, rng: &rng)
        let fake = generate(context: context, z: z, frameCount: tf, training: true)
        let realIndices = Self.sampleFrames(config.spatialFrames, of: tf, rng: &rng)
        let fakeIndices = Self.sampleFrames(config.spatialFrames, of: tf, rng: &rng)
        let hinge = AdversarialLoss.hinge

        let fakeDetached = fake.detached()
        let lossDS = hinge.discriminatorLoss(real: spatialDiscriminator(Self.frames(future, realIndices), training: true),
                                             fake: spatialDiscriminator(Self.frames(fakeDetached, fakeIndices), training: true))
        let lossDT = hinge.discriminatorLoss(
            real: temporalDiscriminator(Self.halfSize(concat([context, future], axis: 1)), training: true),
            fake: temporalDiscriminator(Self.halfSize(concat([context, fakeDetached], axis: 1)), training: true))
        optimizers.minimize(lossDS + lossDT, group: "discriminator")

        let lossGS = hinge.generatorLoss(fake: spatialDiscriminator(Self.frames(fake, fakeIndices), training: true))
        let lossGT = hinge.generatorLoss(fake: temporalDiscriminator(Self.halfSize(concat([context, fake], axis: 1)), training: true))
        let recon = l1Loss(fake, future)
        var lossG = lossGS + lossGT
        if config.reconstructionWeight > 0 { lossG = lossG + Float(config.reconstructionWeight) * recon }
        optimizers.minimize(lossG, group: "generator")
        return StepLosses([
            "loss_D": (lossDS + lossDT).item, "loss_G": lossG.item, "loss_recon": recon.item,
            "loss_D_s": lossDS.item, "loss_D_t": lossDT.item, "loss_G_s": lossGS.item, "loss_G_t": lossGT.item,
        ])
    }

    /// S samples per clip, each from its own z (drawn sample-major: z of sample s of clip b is row b·S + s).
    /// Conditional BN uses its running statistics.
    public func predict(context: Tensor, frameCount: Int, sampleCount: Int, rng: inout RandomGenerator) -> Tensor {
        require(context.rank == 5 && context.shape[1] >= config.contract.contextFrames,
                     "dvd-gan: context must be [B, T ≥ \(config.contract.contextFrames), C, H, W], got \(context.shape)")
        return noGrad {
            let tc = config.contract.contextFrames
            let ctx = context.sliced(axis: 1, (context.shape[1] - tc)..<context.shape[1])
            let b = ctx.shape[0], tail = Array(ctx.shape[1...])
            let repeated = ctx.unsqueezed(1).expanded(to: [b, sampleCount] + tail).reshaped([b * sampleCount] + tail)
            let z = drawNoise(count: b * sampleCount, rng: &rng)
            let out = generate(context: repeated, z: z, frameCount: frameCount, training: false)
            return out.reshaped([b, sampleCount] + Array(out.shape[1...]))
        }
    }

    /// The L1 term falls when overfitting one batch (tiny weights it); the adversarial terms need not.
    ///
    /// Exempt from the nonzero-gradient check, for structural reasons: the self-attention convolutions
    /// (their output is scaled by γ, which starts at 0 as in SAGAN and the reference, and the check's
    /// optimizer never moves it) and the score heads' biases (the hinge loss's real and fake terms cancel
    /// in a shared shift when no score saturates and real and fake batches have the same size).
    public var conformanceHints: ConformanceHints {
        ConformanceHints(overfitLoss: "loss_recon", overfitSteps: 40,
                         untrainedParameters: ["D_s.attn.", "D_t.self_attn.", "D_s.linear.bias", "D_t.linear.bias"])
    }

    /// Either hinge discriminator winning outright (its loss, real plus fake term, near 0 while −mean D
    /// on the fakes is above 1) for `ganDivergencePatience` steps stops the run.
    public var divergenceRules: [DivergenceRule] {
        let hinge = AdversarialLoss.hinge
        return [hinge.outrightWinRule("the spatial discriminator D_S wins outright", discriminatorLoss: "loss_D_s",
                                      terms: 2, generatorLoss: "loss_G_s", patience: ganDivergencePatience),
                hinge.outrightWinRule("the temporal discriminator D_T wins outright", discriminatorLoss: "loss_D_t",
                                      terms: 2, generatorLoss: "loss_G_t", patience: ganDivergencePatience)]
    }
}

extension DVDGAN {
    /// The registry entry "dvd-gan".
    public static let entry = ModelEntry.create(
        name: "dvd-gan",
        summary: "DVD-GAN adapted to frame prediction: ConvGRU generator with conditional BN, spatial and temporal SN discriminators, hinge loss.",
        paper: "Clark, Donahue & Simonyan, Adversarial Video Generation on Complex Datasets, arXiv 1907.06571",
        presets: DVDGANConfig.presets,
        validate: { try $0.validate() },
        build: { config, rng in DVDGAN(config: config, rng: &rng) })
}
