// The Wasserstein GAN loss with gradient penalty (Gulrajani et al., "Improved Training of Wasserstein
// GANs", NeurIPS 2017) and ProGAN's drift term (Karras et al. 2018, appendix A.1):
//
//   L_D = mean D(fake) − mean D(real) + λ·mean_n (‖∇ₓ D(x̂_n)‖₂ − 1)² + ε_drift·mean D(real)²
//   L_G = −mean D(fake)
//
// with x̂_n = u_n·real_n + (1 − u_n)·fake_n, u_n ~ U(0, 1) one per sample. The penalty differentiates the
// critic's input gradient once more with respect to the critic's weights, which ZooCore's tape does when
// the first gradient is taken with `createGraph: true` (every primitive's backward is itself recorded).

import ZooCore

/// The terms of one WGAN-GP critic loss, the total with its graph and each term's value.
public struct WassersteinCriticLoss {
    /// L_D with its graph (differentiate it with respect to the critic's parameters).
    public let total: Tensor
    /// mean D(real) − mean D(fake): the critic's estimate of the Wasserstein distance.
    public let wasserstein: Float
    /// mean_n (‖∇ D(x̂_n)‖ − 1)², before the weight λ.
    public let gradientPenalty: Float
    /// mean D(real)², before the weight ε_drift.
    public let drift: Float
}

/// One interpolation weight per sample, u_n ~ U(0, 1), shaped [N, 1, …, 1] to broadcast over a tensor of
/// rank `rank`.
public func interpolationWeights(batch: Int, rank: Int, rng: inout RandomGenerator) -> Tensor {
    let values = rng.perRow(batch) { $0.uniform() }
    return Tensor(shape: [batch] + [Int](repeating: 1, count: rank - 1), scalars: values)
}

/// The gradient penalty mean_n (‖∇ₓ critic(x̂)_n‖₂ − 1)² at x̂ = u·real + (1 − u)·fake, with the graph
/// through the critic's weights kept (so the penalty can be minimised).
///
/// - Parameters:
///   - critic: the critic, [N, …] → [N, 1] (or [N]).
///   - real, fake: samples of the same shape; both are detached here.
///   - weights: u, [N, 1, …, 1] (`interpolationWeights`).
public func gradientPenalty(critic: (Tensor) -> Tensor, real: Tensor, fake: Tensor, weights u: Tensor) -> Tensor {
    require(real.shape == fake.shape, "gradientPenalty: real \(real.shape) and fake \(fake.shape) differ")
    let mixed = (u * real.detached() + (1 - u) * fake.detached()).requiringGrad()
    let scores = critic(mixed)
    let grad = gradients(of: scores, wrt: [mixed], seed: Tensor(repeating: 1, shape: scores.shape), createGraph: true)[0]
    let n = grad.shape[0]
    let norms = sqrt(grad.reshaped([n, -1]).squared().sum(axis: 1))
    return (norms - 1).squared().mean()
}

/// L_D = mean D(fake) − mean D(real) + λ·penalty + drift·mean D(real)² from the critic's scores on real and
/// fake samples ([N, 1]) and the gradient penalty (`gradientPenalty`).
public func wassersteinCriticLoss(realScores: Tensor, fakeScores: Tensor, penalty: Tensor, penaltyWeight: Float,
                                  driftWeight: Float) -> WassersteinCriticLoss {
    let distance = realScores.mean() - fakeScores.mean()
    let drift = realScores.squared().mean()
    var total = -distance + penaltyWeight * penalty
    if driftWeight != 0 { total = total + driftWeight * drift }
    return WassersteinCriticLoss(total: total, wasserstein: distance.item, gradientPenalty: penalty.item,
                                 drift: drift.item)
}

/// L_G = −mean D(fake).
public func wassersteinGeneratorLoss(fakeScores: Tensor) -> Tensor { -fakeScores.mean() }
