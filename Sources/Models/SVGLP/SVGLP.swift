// SVG-LP: stochastic video generation with a learned prior.
//
// Port of: E. Denton, R. Fergus, "Stochastic Video Generation with a Learned Prior", ICML 2018
// (arXiv 1802.07687), official code github.com/edenton/svg @ 3f19f0b (train_svg_lp.py,
// generate_svg_lp.py, models/lstm.py, models/vgg_64.py, models/dcgan_64.py and their 128-pixel files).
//
// Per step t, with frames in [0, 1]: the encoder maps x_{t−1} to h_{t−1} (and skip maps), and x_t to
// h_t; the posterior LSTM gives q(z_t) = N(μ_q, σ_q²) from h_t, the learned-prior LSTM p(z_t) from
// h_{t−1}; the frame-predictor LSTM maps [h_{t−1}, z_t] to ĥ_t and the decoder maps ĥ_t with the skips
// to x̂_t. Training (teacher forcing, z from the posterior) minimises Σ_t MSE(x̂_t, x_t) + β·KL(q‖p)
// with the KL summed over z and divided by the batch, one Adam step for all five parts. Sampling draws
// z from the prior and feeds the generated frames back. Skip maps are frozen after the context: they
// come from the encoder call of step P − 1, whose input is x_{P−2} (the official code's off-by-one,
// kept); `lastFrameSkip` takes them from the latest input instead.
//
// Implemented as the official code, with these deviations (README.md says why):
//   * `recurrence = .convlstm` is the RVD paper's variant, our design: a 4x4 latent map, ConvLSTMs;
//   * the encoder runs once per frame and step, not twice (the official code encodes x_t as the target
//     of step t and again as the input of step t + 1, with the same result); BatchNorm's running
//     statistics are still updated twice for those frames, as the official code does;
//   * `predict` normalises with BatchNorm's running averages by default (the official generation script
//     keeps the batch statistics of the test batch; `testBatchNorm = .batch` does that);
//   * frames are [−1, 1] at the protocol's boundary and mapped to [0, 1] inside.

import Foundation
import ZooCore

/// Where the Gaussian draws of training and sampling come from (the generator; tests use fixed values).
protocol SVGLPNoiseSource {
    mutating func gaussian(_ shape: [Int]) -> Tensor
}

extension RandomGenerator: SVGLPNoiseSource {
    mutating func gaussian(_ shape: [Int]) -> Tensor { Init.batchNormal(shape, rng: &self) }
}

/// SVG-LP: encoder, decoder, frame predictor, posterior and learned prior.
public final class SVGLP: Module {
    /// The config (`testBatchNorm` may change through the "batchnorm" option).
    public internal(set) var config: SVGLPConfig
    let encoder: SVGLPEncoder
    let decoder: SVGLPDecoder
    let framePredictor: SVGLPRecurrentNet
    let posterior: SVGLPRecurrentNet
    let prior: SVGLPRecurrentNet

    /// A model with the official initialisation (`utils.init_weights`): convolution and linear weights
    /// ~ N(0, 0.02) with zero biases, BatchNorm weights ~ N(1, 0.02) with zero biases, LSTM cells with
    /// PyTorch's default U(±1/√rnn); all drawn from `rng`.
    public init(config: SVGLPConfig, rng: inout RandomGenerator) {
        self.config = config
        let g = config.gDim, z = config.zDim, rnn = config.rnnSize
        let map: Int? = config.recurrence == .convlstm ? 4 : nil
        encoder = SVGLPEncoder(config, rng: &rng)
        decoder = SVGLPDecoder(config, rng: &rng)
        framePredictor = SVGLPRecurrentNet(input: g + z, hidden: rnn, layers: config.predictorLayers,
                                           heads: [("output.0", g)], mapSize: map, rng: &rng)
        posterior = SVGLPRecurrentNet(input: g, hidden: rnn, layers: config.posteriorLayers,
                                      heads: [("mu_net", z), ("logvar_net", z)], mapSize: map, rng: &rng)
        prior = SVGLPRecurrentNet(input: g, hidden: rnn, layers: config.priorLayers,
                                  heads: [("mu_net", z), ("logvar_net", z)], mapSize: map, rng: &rng)
        for (_, module) in namedModules() {
            if let conv = module as? ConvolutionLayer {
                conv.weight.value = Init.normal(conv.weight.shape, std: 0.02, rng: &rng)
                if let bias = conv.bias { bias.value = Tensor.zeros(bias.shape) }
            } else if let linear = module as? SVGLPProjection {
                linear.weight.value = Init.normal(linear.weight.shape, std: 0.02, rng: &rng)
                linear.bias.value = Tensor.zeros(linear.bias.shape)
            } else if let norm = module as? SVGLPBatchNorm {
                norm.weight.value = Init.normal(norm.weight.shape, mean: 1, std: 0.02, rng: &rng)
                norm.bias.value = Tensor.zeros(norm.bias.shape)
            }
        }
    }

    public func children() -> [(String, ModuleChild)] {
        [("encoder", .module(encoder)), ("decoder", .module(decoder)), ("frame_predictor", .module(framePredictor)),
         ("posterior", .module(posterior)), ("prior", .module(prior))]
    }

    // MARK: - Steps of the recurrence

    /// The official `gaussian_lstm.forward`: one step of `net`, μ and log σ² from its heads, and
    /// z = μ + exp(½·log σ²)·ε with ε from `noise` (drawn even where z is unused, as the official code).
    func gaussianStep<N: SVGLPNoiseSource>(_ net: SVGLPRecurrentNet, _ h: Tensor, states: inout [LSTMState],
                                           noise: inout N) -> (z: Tensor, mu: Tensor, logvar: Tensor) {
        let out = net.step(h, states: &states)
        let mu = net.head(0)(out), logvar = net.head(1)(out)
        let eps = noise.gaussian(mu.shape)
        return (eps * exp(0.5 * logvar) + mu, mu, logvar)
    }

    /// The official `lstm.forward` of the frame predictor: tanh(output(LSTM(embed([h, z])))).
    func predictorStep(_ h: Tensor, _ z: Tensor, states: inout [LSTMState]) -> Tensor {
        tanh(framePredictor.head(0)(framePredictor.step(concat([h, z], axis: 1), states: &states)))
    }

    // MARK: - Training loss

    /// The summed terms of one training batch.
    struct LossTerms {
        /// Σ_t MSE(x̂_t, x_t) (each a mean over the batch's elements).
        var mse: Tensor
        /// Σ_t KL(q‖p), summed over z and the batch, divided by the batch size.
        var kld: Tensor
        /// mse + β·kld.
        var loss: Tensor
    }

    /// train_svg_lp.py's `train` on `frames` (T tensors [B, C, H, W] in [0, 1]), BatchNorm in train mode:
    ///   1. encode every frame once (running statistics updated once for the first and last frame,
    ///      twice for the others: the official code encodes those as target and as next input);
    ///   2. for t = 1 … T − 1: skips from x_{t−1} while t < P (or always with `lastFrameSkip`);
    ///      (z, μ_q, log σ_q²) = posterior(h_t); (μ_p, log σ_p²) = prior(h_{t−1});
    ///      ĥ_t = predictor([h_{t−1}, z]); x̂_t = decoder(ĥ_t, skips);
    ///   3. mse += MSE(x̂_t, x_t), kld += Σ KL(q‖p) / B.
    /// `observe` sees the intermediate tensors by name (the parity test).
    func lossTerms<N: SVGLPNoiseSource>(_ frames: [Tensor], noise: inout N,
                                        observe: (String, Tensor) -> Void = { _, _ in }) -> LossTerms {
        let T = frames.count, b = frames[0].shape[0]
        precondition(T >= 2, "SVG-LP trains on clips of at least 2 frames, got \(T)")
        let encoded = (0..<T).map { t in encoder(frames[t], .training(updates: t == 0 || t == T - 1 ? 1 : 2)) } // 1
        var predictorStates = framePredictor.zeroStates(batch: b)
        var posteriorStates = posterior.zeroStates(batch: b)
        var priorStates = prior.zeroStates(batch: b)
        var skips = encoded[0].skips
        var mse = Tensor(0), kld = Tensor(0)
        for t in 1..<T {
            let h = encoded[t - 1].h
            if config.lastFrameSkip || t < config.contract.contextFrames { skips = encoded[t - 1].skips }  // 2
            let q = gaussianStep(posterior, encoded[t].h, states: &posteriorStates, noise: &noise)
            let p = gaussianStep(prior, h, states: &priorStates, noise: &noise)
            let hPred = predictorStep(h, q.z, states: &predictorStates)
            let x = decoder(hPred, skips: skips, .training(updates: 1))
            mse = mse + mseLoss(x, frames[t])                                                                // 3
            kld = kld + gaussianKL(mu1: q.mu, logvar1: q.logvar, mu2: p.mu, logvar2: p.logvar).sum() / Float(b)
            for (name, value) in [("h", h), ("z", q.z), ("mu", q.mu), ("logvar", q.logvar), ("mu_p", p.mu),
                                  ("logvar_p", p.logvar), ("h_pred", hPred), ("x_pred", x)] {
                observe("\(name)[\(t)]", value)
            }
        }
        return LossTerms(mse: mse, kld: kld, loss: mse + Float(config.beta) * kld)
    }

    // MARK: - Sampling

    /// generate_svg_lp.py's recurrence for one sample per row of `context` (P tensors [N, C, H, W] in
    /// [0, 1]): zero states; for step i = 1 … P + frameCount − 1 the encoder reads the current input
    /// (skips taken while i < P, or always with `lastFrameSkip`); during the context the posterior reads
    /// x_i, the prior and the predictor advance, and x_i becomes the input; afterwards z comes from the
    /// prior and the decoded frame becomes the input.
    /// - Returns: the `frameCount` generated frames, each [N, C, H, W] in (0, 1).
    func generate<N: SVGLPNoiseSource>(context: [Tensor], frameCount: Int, mode: SVGLPNormMode,
                                       noise: inout N) -> [Tensor] {
        let P = context.count, n = context[0].shape[0]
        let encoded = context.map { encoder($0, mode) }
        var predictorStates = framePredictor.zeroStates(batch: n)
        var posteriorStates = posterior.zeroStates(batch: n)
        var priorStates = prior.zeroStates(batch: n)
        var input = encoded[0]
        var skips = input.skips
        var frames: [Tensor] = []
        for i in 1..<(P + frameCount) {
            if config.lastFrameSkip || i < P { skips = input.skips }
            if i < P {
                let q = gaussianStep(posterior, encoded[i].h, states: &posteriorStates, noise: &noise)
                _ = gaussianStep(prior, input.h, states: &priorStates, noise: &noise)
                _ = predictorStep(input.h, q.z, states: &predictorStates)
                input = encoded[i]
            } else {
                let p = gaussianStep(prior, input.h, states: &priorStates, noise: &noise)
                let x = decoder(predictorStep(input.h, p.z, states: &predictorStates), skips: skips, mode)
                frames.append(x)
                if i + 1 < P + frameCount { input = encoder(x, mode) }
            }
        }
        return frames
    }
}
