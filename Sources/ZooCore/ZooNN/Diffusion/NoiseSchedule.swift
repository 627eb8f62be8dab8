// The forward (noising) process of a DDPM: the β schedule and the tables derived from it, q(x_t | x_0)
// and the posterior q(x_{t−1} | x_t, x_0). Matches lucidrains' denoising-diffusion (early 2022) as RVD
// uses it: tables computed in Double (numpy float64) and rounded to Float32 once.
//
// Symbols (Ho et al. 2020, eqs. 4, 6, 7; Nichol & Dhariwal 2021, eq. 17):
//   betas → βₜ, alphas → αₜ = 1 − βₜ, alphasCumprod → ᾱₜ = ∏_{s≤t} α_s, alphasCumprodPrev → ᾱₜ₋₁ (ᾱ₋₁ = 1)
//   posteriorVariance → β̃ₜ = βₜ(1 − ᾱₜ₋₁)/(1 − ᾱₜ)
//   posteriorMeanCoef1 → βₜ√ᾱₜ₋₁/(1 − ᾱₜ),  posteriorMeanCoef2 → (1 − ᾱₜ₋₁)√αₜ/(1 − ᾱₜ)
// Step indices t run 0..<N (0 is the least noisy step), as in the reference code.

import Foundation
import ZooTensor

/// A discrete diffusion schedule of N steps with every table a sampler needs.
public struct NoiseSchedule: Sendable, Equatable {
    /// βₜ, t = 0..<N.
    public let betas: [Float]
    /// ᾱₜ.
    public let alphasCumprod: [Float]
    /// ᾱₜ₋₁ (1 at t = 0).
    public let alphasCumprodPrev: [Float]
    /// √ᾱₜ and √(1 − ᾱₜ) (q(x_t | x_0), eq. 4).
    public let sqrtAlphasCumprod: [Float]
    public let sqrtOneMinusAlphasCumprod: [Float]
    /// √(1/ᾱₜ) and √(1/ᾱₜ − 1) (x̂₀ from ε̂).
    public let sqrtRecipAlphasCumprod: [Float]
    public let sqrtRecipm1AlphasCumprod: [Float]
    /// β̃ₜ and log max(β̃ₜ, 1e-20).
    public let posteriorVariance: [Float]
    public let posteriorLogVarianceClipped: [Float]
    /// Coefficients of x̂₀ and x_t in the posterior mean μ̃ₜ (eq. 7).
    public let posteriorMeanCoef1: [Float]
    public let posteriorMeanCoef2: [Float]

    /// The tables of the schedule `betas` (each in (0, 1)).
    public init(betas: [Double]) {
        require(!betas.isEmpty && betas.allSatisfy { $0 >= 0 && $0 < 1 }, "betas must be in [0, 1)")
        var cumprod: [Double] = []
        var running = 1.0
        for b in betas { running *= 1 - b; cumprod.append(running) }
        let prev = [1.0] + cumprod.dropLast()
        let f = { (values: [Double]) in values.map(Float.init) }
        let n = betas.count
        self.betas = f(betas)
        alphasCumprod = f(cumprod)
        alphasCumprodPrev = f(prev)
        sqrtAlphasCumprod = f(cumprod.map { $0.squareRoot() })
        sqrtOneMinusAlphasCumprod = f(cumprod.map { (1 - $0).squareRoot() })
        sqrtRecipAlphasCumprod = f(cumprod.map { (1 / $0).squareRoot() })
        sqrtRecipm1AlphasCumprod = f(cumprod.map { (1 / $0 - 1).squareRoot() })
        var variance = [Double](repeating: 0, count: n)
        var coef1 = variance, coef2 = variance
        for i in 0..<n {
            let b: Double = betas[i], a: Double = cumprod[i], ap: Double = prev[i]
            variance[i] = b * (1 - ap) / (1 - a)
            coef1[i] = b * ap.squareRoot() / (1 - a)
            coef2[i] = (1 - ap) * (1 - b).squareRoot() / (1 - a)
        }
        posteriorVariance = f(variance)
        posteriorLogVarianceClipped = f(variance.map { Foundation.log(Swift.max($0, 1e-20)) })
        posteriorMeanCoef1 = f(coef1)
        posteriorMeanCoef2 = f(coef2)
    }

    /// The cosine schedule (Nichol & Dhariwal 2021, eq. 17) as RVD's `cosine_beta_schedule`:
    /// ᾱ(i) = cos²(((i/N) + s)/(1 + s)·π/2) / cos²(s/(1 + s)·π/2) for i = 0…N,
    /// βᵢ = 1 − ᾱ(i+1)/ᾱ(i), clipped to [0, `maxBeta`].
    public static func cosine(steps: Int, s: Double = 0.008, maxBeta: Double = 0.999) -> NoiseSchedule {
        require(steps >= 1, "a schedule needs at least one step")
        let f = { (i: Int) -> Double in
            let c = Foundation.cos((Double(i) / Double(steps) + s) / (1 + s) * Double.pi * 0.5)
            return c * c
        }
        let betas = (0..<steps).map { Swift.min(Swift.max(1 - f($0 + 1) / f($0), 0), maxBeta) }
        return NoiseSchedule(betas: betas)
    }

    /// The linear schedule of Ho et al. (β from `start` to `end`, evenly spaced). With the defaults and
    /// `scaled` true, the betas are rescaled by 1000/N so any N keeps the 1000-step schedule's shape.
    public static func linear(steps: Int, start: Double = 1e-4, end: Double = 0.02, scaled: Bool = true) -> NoiseSchedule {
        require(steps >= 1, "a schedule needs at least one step")
        let scale = scaled ? 1000 / Double(steps) : 1
        let (a, b) = (start * scale, end * scale)
        let betas = (0..<steps).map { steps == 1 ? a : a + (b - a) * Double($0) / Double(steps - 1) }
        return NoiseSchedule(betas: betas.map { Swift.min($0, 0.999) })
    }

    /// Number of steps N.
    public var stepCount: Int { betas.count }

    /// `table[t[i]]` for each batch element, shaped [B, 1, …, 1] (rank `rank`) to broadcast over a sample.
    public func column(_ table: [Float], _ t: [Int], rank: Int) -> Tensor {
        require(t.allSatisfy { (0..<stepCount).contains($0) }, "step indices must be in 0..<\(stepCount), got \(t)")
        return Tensor(shape: [t.count] + [Int](repeating: 1, count: Swift.max(rank - 1, 0)), scalars: t.map { table[$0] })
    }

    /// x_t = √ᾱₜ·x₀ + √(1 − ᾱₜ)·ε (eq. 4), one step index per batch element.
    ///
    /// - Parameters:
    ///   - x0: clean samples [B, …].
    ///   - t: B step indices.
    ///   - noise: ε, the shape of `x0`.
    public func qSample(x0: Tensor, t: [Int], noise: Tensor) -> Tensor {
        require(x0.shape == noise.shape && x0.shape[0] == t.count, "qSample: x0 \(x0.shape), noise \(noise.shape), \(t.count) steps")
        return column(sqrtAlphasCumprod, t, rank: x0.rank) * x0 + column(sqrtOneMinusAlphasCumprod, t, rank: x0.rank) * noise
    }

    /// The posterior q(x_{t−1} | x_t, x₀): mean μ̃ₜ = c₁·x₀ + c₂·x_t, variance β̃ₜ and log β̃ₜ (clipped),
    /// each variance shaped [B, 1, …].
    public func posterior(x0: Tensor, xt: Tensor, t: [Int]) -> (mean: Tensor, variance: Tensor, logVariance: Tensor) {
        let r = xt.rank
        let mean = column(posteriorMeanCoef1, t, rank: r) * x0 + column(posteriorMeanCoef2, t, rank: r) * xt
        return (mean, column(posteriorVariance, t, rank: r), column(posteriorLogVarianceClipped, t, rank: r))
    }

    /// Gaussian noise of `shape` drawn in row-major order from `rng`.
    public static func noise(_ shape: [Int], rng: inout RandomGenerator) -> Tensor {
        Init.normal(shape, rng: &rng)
    }
}
