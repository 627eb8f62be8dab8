// The adversarial objectives the GAN family shares: least squares (LSGAN, RetroGAN), hinge (DVD-GAN) and the
// non-saturating logistic loss (the original GAN's generator objective). Each is a pair: what the
// discriminator minimises given its scores on real and fake inputs, and what the generator minimises given
// the discriminator's scores on its fakes. Scores are any shape; every term is a mean over its elements.
import ZooCore

/// A GAN objective: the discriminator's and the generator's loss as functions of raw discriminator scores.
public enum AdversarialLoss: String, Codable, Sendable, CaseIterable {
    /// Least squares (Mao et al. 2017) with targets 1 (real) and 0 (fake):
    /// D: mean((D(x) − 1)²) + mean(D(G(z))²), G: mean((D(G(z)) − 1)²).
    case leastSquares = "least-squares"
    /// Hinge (Lim & Ye 2017; BigGAN, DVD-GAN): D: mean(relu(1 − D(x))) + mean(relu(1 + D(G(z)))),
    /// G: −mean(D(G(z))).
    case hinge
    /// Non-saturating logistic (Goodfellow et al. 2014): D: mean(softplus(−D(x))) + mean(softplus(D(G(z)))),
    /// G: mean(softplus(−D(G(z)))) (= −log σ(D(G(z)))).
    case nonSaturating = "non-saturating"

    /// The discriminator's loss on its scores for real and for fake inputs: the real term plus the fake
    /// term (the usual form, e.g. DVD-GAN's hinge).
    public func discriminatorLoss(real: Tensor, fake: Tensor) -> Tensor {
        realTerm(real) + fakeTerm(fake)
    }

    /// The discriminator's loss when it scores several real and several fake batches: the mean of the
    /// per-batch terms over all of them (RetroGAN's form: its frame discriminator averages six terms).
    public func averageDiscriminatorLoss(real: [Tensor], fake: [Tensor]) -> Tensor {
        require(!real.isEmpty || !fake.isEmpty, "averageDiscriminatorLoss needs at least one score tensor")
        let terms = real.map { realTerm($0) } + fake.map { fakeTerm($0) }
        return terms.dropFirst().reduce(terms[0], +) / Float(terms.count)
    }

    /// The generator's loss on the discriminator's scores for its fakes (the mean over the tensors given).
    public func generatorLoss(fake: [Tensor]) -> Tensor {
        require(!fake.isEmpty, "generatorLoss needs at least one score tensor")
        let terms = fake.map { generatorTerm($0) }
        return terms.dropFirst().reduce(terms[0], +) / Float(terms.count)
    }

    /// The generator's loss on one tensor of scores.
    public func generatorLoss(fake: Tensor) -> Tensor { generatorTerm(fake) }

    /// The term for scores of real inputs.
    func realTerm(_ s: Tensor) -> Tensor {
        switch self {
        case .leastSquares: return (s - 1).squared().mean()
        case .hinge: return relu(1 - s).mean()
        case .nonSaturating: return softplus(-s).mean()
        }
    }

    /// The term for scores of fake inputs (the discriminator's side).
    func fakeTerm(_ s: Tensor) -> Tensor {
        switch self {
        case .leastSquares: return s.squared().mean()
        case .hinge: return relu(1 + s).mean()
        case .nonSaturating: return softplus(s).mean()
        }
    }

    /// The generator's term for scores of its fakes.
    func generatorTerm(_ s: Tensor) -> Tensor {
        switch self {
        case .leastSquares: return (s - 1).squared().mean()
        case .hinge: return -s.mean()
        case .nonSaturating: return softplus(-s).mean()
        }
    }
}

/// The optimizer groups of a two-player GAN: "generator" at the base rate (covered by the EMA when the run
/// keeps one) and "discriminator" at base × `discriminatorRatio` (never averaged), both Adam with `betas`.
func adversarialOptimizers(learningRate: Double, betas: (Double, Double), discriminatorRatio: Double,
                           generator: [(String, Parameter)], discriminator: [(String, Parameter)]) -> OptimizerGroup {
    let group = OptimizerGroup()
    group.add("generator", optimizer: Adam(learningRate: learningRate, betas: betas), parameters: generator, ema: true)
    group.add("discriminator", optimizer: Adam(learningRate: learningRate * discriminatorRatio, betas: betas),
              parameters: discriminator, ema: false)
    return group
}
