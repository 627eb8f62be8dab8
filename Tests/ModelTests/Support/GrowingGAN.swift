// A GAN-shaped test model for the protocol: two optimizer groups with different learning rates and betas,
// the EMA on the generator only, and a stage change (a growing model) at step 2 that adds a refinement
// layer faded in through a buffered α. It runs through the conformance suite like a registered model.
import Foundation
import ZooCore

struct GrowingGANConfig: Codable, Sendable, Equatable {
    var contract = ClipContract(channels: 1, height: 8, width: 8, contextFrames: 2, predictedFrames: 2)
    /// The generator's learning rate; the discriminator's is four times it (a TTUR-like ratio).
    var learningRate = 2e-3
    /// The step at which the refinement layer is added, and the steps over which it fades in.
    var growAt = 2
    var fadeSteps = 2
    /// Seed of the layers a stage adds (never the trainer's generator).
    var seed: UInt64 = 7
}

/// Generator and discriminator of the growing test GAN.
final class GrowingGAN: ConfiguredPredictor {
    let config: GrowingGANConfig
    /// Generator: next frame from the last two; stage 1 adds `refine`, blended in by `alpha`.
    let generator: Conv2d
    private(set) var refine: Conv2d?
    let alpha = Buffer(Tensor(0))
    /// Discriminator: one conv to a score map (least-squares GAN).
    let discriminator: Conv2d

    init(config: GrowingGANConfig, rng: inout RandomGenerator) {
        self.config = config
        let c = config.contract.channels
        generator = Conv2d(2 * c, c, kernelSize: 3, padding: 1, rng: &rng)
        discriminator = Conv2d(c, 1, kernelSize: 3, padding: 1, rng: &rng)
    }

    static let entry = ModelEntry.create(
        name: "growing-gan", summary: "test: two groups, EMA on G only, a stage change",
        paper: "none (a test model)", presets: ["tiny": GrowingGANConfig()],
        build: { config, rng in GrowingGAN(config: config, rng: &rng) })

    var modelName: String { "growing-gan" }
    var contract: ClipContract { config.contract }
    var isStochastic: Bool { false }
    var trainingDefaults: TrainingDefaults {
        TrainingDefaults(steps: 6, batchSize: 2, clipLength: 3, learningRate: config.learningRate, emaDecay: 0.5)
    }

    func makeOptimizers(learningRate: Double) -> OptimizerGroup {
        let group = OptimizerGroup()
        let all = namedParameters()
        group.add("generator", optimizer: Adam(learningRate: learningRate, betas: (0.5, 0.99)),
                  parameters: all.filter { !$0.0.hasPrefix("discriminator.") })
        group.add("discriminator", optimizer: Adam(learningRate: 4 * learningRate, betas: (0, 0.9)),
                  parameters: all.filter { $0.0.hasPrefix("discriminator.") }, ema: false)
        return group
    }

    func stage(forStep step: Int) -> Int { step >= config.growAt ? 1 : 0 }
    var stage: Int { refine == nil ? 0 : 1 }

    func enterStage(_ stage: Int) throws {
        guard (0...1).contains(stage) else { throw PredictorError.invalidConfig("growing-gan has stages 0 and 1, not \(stage)") }
        guard stage != self.stage else { return }
        if stage == 1 {
            var rng = RandomGenerator(seed: config.seed)
            refine = Conv2d(contract.channels, contract.channels, kernelSize: 3, padding: 1, rng: &rng)
        } else {
            refine = nil
        }
        alpha.value = Tensor(0)
    }

    func generate(_ previous: Tensor, _ last: Tensor) -> Tensor {
        let coarse = last + generator(concat([previous, last], axis: 1))
        guard let refine else { return coarse }
        return coarse + alpha.value * refine(coarse)
    }

    func trainStep(_ batch: VideoBatch, optimizers: OptimizerGroup, step: Int, rng: inout RandomGenerator) -> StepLosses {
        if refine != nil {
            alpha.value = Tensor(Swift.min(1, Float(step - config.growAt + 1) / Float(config.fadeSteps)))
        }
        let x = batch.frames
        let real = x.selecting(axis: 1, 2)
        let fake = generate(x.selecting(axis: 1, 0), x.selecting(axis: 1, 1))
        let lossD = mseLoss(discriminator(real), Tensor(1)) + mseLoss(discriminator(fake.detached()), Tensor(0))
        optimizers.minimize(lossD, group: "discriminator")
        let adversarial = mseLoss(discriminator(fake), Tensor(1))
        let recon = l1Loss(fake, real)
        optimizers.minimize(adversarial + 10 * recon, group: "generator")
        return StepLosses(["loss_D": lossD.item, "loss_G": adversarial.item, "loss_recon": recon.item])
    }

    func predict(context: Tensor, frameCount: Int, sampleCount: Int, rng: inout RandomGenerator) -> Tensor {
        noGrad {
            var frames = [context.selecting(axis: 1, context.shape[1] - 2), context.selecting(axis: 1, context.shape[1] - 1)]
            for _ in 0..<frameCount { frames.append(clamp(generate(frames[frames.count - 2], frames[frames.count - 1]), min: -1, max: 1)) }
            let future = stack(Array(frames.suffix(frameCount)), axis: 1)
            let s = future.shape
            return future.unsqueezed(1).expanded(to: [s[0], sampleCount] + Array(s[1...])).copy()
        }
    }

    var conformanceHints: ConformanceHints {
        ConformanceHints(overfitLoss: "loss_recon", overfitSteps: 30, stageChangeStep: config.growAt)
    }
}
