// Losses, composed from primitives: L1, MSE, binary cross-entropy with logits, the KL divergence between
// diagonal Gaussians, and the hinge GAN losses.

/// How an elementwise loss is reduced to its result.
import ZooTensor

public enum LossReduction: Sendable {
    /// Mean over every element (a scalar).
    case mean
    /// Sum over every element (a scalar).
    case sum
    /// No reduction: the elementwise loss, in the broadcast shape of the inputs.
    case none
}

extension Tensor {
    /// This elementwise loss reduced as `reduction` says.
    func reduced(_ reduction: LossReduction) -> Tensor {
        switch reduction {
        case .mean: return mean()
        case .sum: return sum()
        case .none: return self
        }
    }
}

/// L1 loss |a − b|, as PyTorch's `F.l1_loss` (mean by default).
public func l1Loss(_ a: Tensor, _ b: Tensor, reduction: LossReduction = .mean) -> Tensor {
    abs(a - b).reduced(reduction)
}

/// Squared error (a − b)², as PyTorch's `F.mse_loss` (mean by default).
public func mseLoss(_ a: Tensor, _ b: Tensor, reduction: LossReduction = .mean) -> Tensor {
    (a - b).squared().reduced(reduction)
}

/// Binary cross-entropy on logits x with targets z in [0, 1], as PyTorch's
/// `F.binary_cross_entropy_with_logits`: −z·log σ(x) − (1 − z)·log(1 − σ(x)).
///
/// Computed as softplus(x) − x·z, which equals the stable form max(x, 0) − x·z + log(1 + e^−|x|) and
/// never takes the log of a rounded σ; its gradient is σ(x) − z, PyTorch's, at every x including 0.
public func binaryCrossEntropyWithLogits(logits x: Tensor, targets z: Tensor,
                                         reduction: LossReduction = .mean) -> Tensor {
    (softplus(x) - x * z).reduced(reduction)
}

/// Elementwise KL(N(μ₁, σ₁²) ‖ N(μ₂, σ₂²)) between diagonal Gaussians given by means and log-variances:
///
///     ½·(logvar₂ − logvar₁ + (σ₁² + (μ₁ − μ₂)²)/σ₂² − 1)
///   = log(σ₂/σ₁) + (σ₁² + (μ₁ − μ₂)²)/(2σ₂²) − ½        (SVG's kl_criterion, per element)
///
/// Not reduced: SVG sums it over latent dimensions and batch and divides by the batch size.
public func gaussianKL(mu1: Tensor, logvar1: Tensor, mu2: Tensor, logvar2: Tensor) -> Tensor {
    let d = mu1 - mu2
    return 0.5 * (logvar2 - logvar1 + exp(logvar1 - logvar2) + d * d * exp(-logvar2) - 1)
}

/// Hinge loss for a discriminator: mean(relu(1 − D(real))) + mean(relu(1 + D(fake))).
public func hingeDiscriminatorLoss(real: Tensor, fake: Tensor) -> Tensor {
    relu(1 - real).mean() + relu(1 + fake).mean()
}

/// Hinge-GAN generator loss: −mean(D(fake)) (the BigGAN / DVD-GAN convention).
public func hingeGeneratorLoss(fake: Tensor) -> Tensor {
    -fake.mean()
}
