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

// MARK: - Divergence: the discriminator winning outright

extension AdversarialLoss {
    /// The per-term discriminator loss below which the discriminator has won: every score is within about
    /// 0.1 of its target (least squares), past its margin (hinge), or classified with ≥ 99% confidence
    /// (non-saturating: softplus(−s) < 0.01 ⇔ σ(s) > 0.99).
    public static let outrightDiscriminatorTerm: Float = 0.01

    /// The generator's adversarial loss above which its fakes are rejected outright: least squares 0.81
    /// (the fakes' scores within 0.1 of the fake target 0), hinge 1 (the fakes' mean score beyond the
    /// margin −1), non-saturating 4.6 (σ(D(G(z))) below 0.01).
    public var outrightGeneratorLoss: Float {
        switch self {
        case .leastSquares: return 0.81
        case .hinge: return 1
        case .nonSaturating: return 4.6
        }
    }

    /// The rule "the discriminator wins outright": its loss `discriminatorLoss` below
    /// `outrightDiscriminatorTerm` per term (`terms` real and fake terms summed in that loss, 1 for a
    /// loss that averages them, as `averageDiscriminatorLoss`) while the generator's unweighted
    /// adversarial loss `generatorLoss` is above `outrightGeneratorLoss`, both for `patience`
    /// consecutive steps. Either alone is not divergence: a low discriminator loss with a generator that
    /// still fools it on the next update is ordinary play. `stall` (nil: none) adds a loss that must also
    /// have stopped falling, for a generator that keeps learning from other terms while it loses the game.
    public func outrightWinRule(_ name: String, discriminatorLoss: String, terms: Int = 1, generatorLoss: String,
                                patience: Int, stall: DivergenceStall? = nil) -> DivergenceRule {
        DivergenceRule(name: name,
                       bounds: [DivergenceBound(discriminatorLoss, below: Self.outrightDiscriminatorTerm * Float(terms)),
                                DivergenceBound(generatorLoss, above: outrightGeneratorLoss)],
                       patience: patience, stall: stall)
    }
}

/// Steps the GAN presets let a divergence rule hold before the trainer stops (a sixth to a third of a `cpu` run).
public let ganDivergencePatience = 100

/// The WGAN-GP rule. A Wasserstein critic's loss has no floor that means "won" (its estimate is a distance
/// and a near-optimal critic is the intended state), so divergence is read as the critic escaping the
/// 1-Lipschitz constraint that keeps that estimate finite: the unweighted gradient penalty
/// mean (‖∇D(x̂)‖ − 1)² above 2 (gradient norms beyond about 2.4 on the interpolates; a critic with zero
/// gradient scores 1) while the estimate `wasserstein` is positive (it separates real from fake), for
/// `patience` consecutive steps.
public func wassersteinDivergenceRule(patience: Int, penalty: String = "gradient_penalty",
                                      wasserstein: String = "wasserstein") -> DivergenceRule {
    DivergenceRule(name: "the critic escapes its Lipschitz bound",
                   bounds: [DivergenceBound(penalty, above: 2), DivergenceBound(wasserstein, above: 0)],
                   patience: patience)
}
