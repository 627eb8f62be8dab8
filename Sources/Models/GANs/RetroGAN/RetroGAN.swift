// Retrospective Cycle GAN for next-frame prediction: Y.-H. Kwon and M.-G. Park, "Predicting Future Frames
// Using Retrospective Cycle GAN", CVPR 2019 (no arXiv id; no official code).
//
// What is implemented: the reference re-implementation's training objective (github.com/SaulZhang/
// Video_Prediction_ZOO, RetrospectiveCycleGAN/train.py): one generator predicts the next frame from k
// frames and, fed the frames reversed, the previous one; its predictions are fed back in the other
// direction (the retrospective cycle); six L1 pairs on the frames and on their LoG responses, a frame
// discriminator on every prediction and a sequence discriminator on four partly-predicted clips, all with
// least-squares GAN targets. At test time the generator is rolled forward (the newest k frames in, one out,
// repeated), which the reference does not do (it predicts one frame).
//
// Deviations: any number of frame channels (the reference is RGB only); the reference's whole-clip
// horizontal flip with probability 0.3 is not applied (the data pipeline is the trainer's); the two
// discriminators share one Adam group with the reference's settings (the same update as two separate
// Adams, since their losses do not share parameters). Deterministic: every sample of a clip is the same.
import ZooCore

/// The `retrogan` model: a generator and the frame and sequence discriminators.
public final class RetroGAN: Module {
    public let config: RetroGANConfig
    /// G: k frames → the next frame (or the previous one, fed reversed).
    public let generator: RetroGANGenerator
    /// D_A: one frame → patch scores.
    public let frameDiscriminator: RetroGANDiscriminator
    /// D_B: a (k+1)-frame clip stacked on channels → patch scores.
    public let sequenceDiscriminator: RetroGANDiscriminator

    public init(config: RetroGANConfig, rng: inout RandomGenerator) {
        self.config = config
        let c = config.contract.channels
        generator = RetroGANGenerator(config: config, rng: &rng)
        frameDiscriminator = RetroGANDiscriminator(inputChannels: c, channels: config.discriminatorChannels, rng: &rng)
        sequenceDiscriminator = RetroGANDiscriminator(inputChannels: (config.inputFrames + 1) * c,
                                                      channels: config.discriminatorChannels, rng: &rng)
    }

    /// Checkpoint names: `G.*`, `D_A.*`, `D_B.*` (the reference saves the three networks as G, D_A, D_B).
    public func children() -> [(String, ModuleChild)] {
        [("G", .module(generator)), ("D_A", .module(frameDiscriminator)), ("D_B", .module(sequenceDiscriminator))]
    }

    /// G applied to a list of frames [B, C, H, W] in the order given (stacked on channels).
    func generate(_ frames: [Tensor]) -> Tensor {
        generator(concat(frames, axis: 1))
    }

    /// The tensors of one training step (reference notation: f₀…f_k is the clip, x_n = f_k, x_m = f₀).
    struct Forward {
        /// x'_n = G(f₀…f_{k−1}), x'_m = G(f_k…f₁), x''_n = G(x'_m, f₁…f_{k−1}), x''_m = G(x'_n, f_{k−1}…f₁).
        var futurePrediction, pastPrediction, futureRetro, pastRetro: Tensor
        /// The four partly predicted clips the sequence discriminator sees, stacked on channels.
        var fakeClips: [Tensor]
        /// The real clip stacked on channels.
        var realClip: Tensor
    }

    /// The generator's four predictions and the fake clips for frames `f` (k+1 tensors [B, C, H, W]).
    func forward(_ f: [Tensor]) -> Forward {
        let k = config.inputFrames
        require(f.count == k + 1, "RetroGAN trains on \(k + 1)-frame clips, got \(f.count)")
        let middle = Array(f[1..<k])                                   // f₁ … f_{k−1}
        let future = generate(Array(f[0..<k]))                         // x'_n
        let past = generate(Array(f[1...].reversed()))                 // x'_m from f_k … f₁
        let futureRetro = generate([past] + middle)                    // x''_n from x'_m, f₁ … f_{k−1}
        let pastRetro = generate([future] + middle.reversed())         // x''_m from x'_n, f_{k−1} … f₁
        let clips = [
            [past] + middle + [f[k]],                                  // (x'_m, f₁…f_{k−1}, x_n)
            [pastRetro] + middle + [future],                           // (x''_m, …, x'_n)
            [f[0]] + middle + [future],                                // (x_m, …, x'_n)
            [past] + middle + [futureRetro],                           // (x'_m, …, x''_n)
        ].map { concat($0, axis: 1) }
        return Forward(futurePrediction: future, pastPrediction: past, futureRetro: futureRetro, pastRetro: pastRetro,
                       fakeClips: clips, realClip: concat(f, axis: 1))
    }

    /// The generator's losses: L_img and L_LoG over the six pairs (x_n, x'_n), (x_n, x''_n), (x'_n, x''_n)
    /// and the same for the past, and the least-squares frame and sequence terms (targets 1).
    func generatorLosses(_ fw: Forward, real f: [Tensor])
        -> (total: Tensor, image: Tensor, log: Tensor, frame: Tensor, sequence: Tensor) {
        let xn = f[config.inputFrames], xm = f[0]
        let pairs = [(xn, fw.futurePrediction), (xn, fw.futureRetro), (fw.futurePrediction, fw.futureRetro),
                     (xm, fw.pastPrediction), (xm, fw.pastRetro), (fw.pastPrediction, fw.pastRetro)]
        let image = pairs.map { l1Loss($0.0, $0.1) }.reduce(Tensor(0), +) / 6
        let log = pairs.map { l1Loss(laplacianOfGaussian($0.0), laplacianOfGaussian($0.1)) }.reduce(Tensor(0), +) / 6
        let lsgan = AdversarialLoss.leastSquares
        let predictions = [fw.futurePrediction, fw.pastPrediction, fw.futureRetro, fw.pastRetro]
        let frame = lsgan.generatorLoss(fake: predictions.map { frameDiscriminator($0) })
        let sequence = lsgan.generatorLoss(fake: fw.fakeClips.map { sequenceDiscriminator($0) })
        let total = image + Float(config.logWeight) * log + Float(config.frameAdversarialWeight) * frame
            + Float(config.sequenceAdversarialWeight) * sequence
        return (total, image, log, frame, sequence)
    }

    /// The discriminators' least-squares losses on detached predictions: D_A calls x_n and x_m real and the
    /// four predictions fake (mean of six terms); D_B calls the real clip real and the four fake clips fake
    /// (mean of five).
    func discriminatorLosses(_ fw: Forward, real f: [Tensor]) -> (frame: Tensor, sequence: Tensor) {
        let lsgan = AdversarialLoss.leastSquares
        let fakes = [fw.futurePrediction, fw.futureRetro, fw.pastPrediction, fw.pastRetro].map { $0.detached() }
        let frame = lsgan.averageDiscriminatorLoss(real: [f[config.inputFrames], f[0]].map { frameDiscriminator($0) },
                                            fake: fakes.map { frameDiscriminator($0) })
        let sequence = lsgan.averageDiscriminatorLoss(real: [sequenceDiscriminator(fw.realClip.detached())],
                                               fake: fw.fakeClips.map { sequenceDiscriminator($0.detached()) })
        return (frame, sequence)
    }

    /// Rolls the generator forward: each new frame from the newest k frames (predictions included).
    /// `context` [B, T ≥ k, C, H, W] → [B, frameCount, C, H, W].
    public func rollOut(context: Tensor, frameCount: Int) -> Tensor {
        let k = config.inputFrames
        require(context.rank == 5 && context.shape[1] >= k,
                     "retrogan: context must be [B, T ≥ \(k), C, H, W] ([batch, time, channels, height, width]), got \(context.shape)")
        var window = (context.shape[1] - k..<context.shape[1]).map { context.selecting(axis: 1, $0) }
        var out: [Tensor] = []
        for _ in 0..<frameCount {
            let next = generate(window)
            out.append(next)
            window = Array(window.dropFirst()) + [next]
        }
        return stack(out, axis: 1)
    }
}
