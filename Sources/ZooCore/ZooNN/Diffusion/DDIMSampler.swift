// DDIM sampling (Song, Meng & Ermon 2021, eq. 12) over K of the N steps, with stochasticity η.
//
// Symbols: t → current step τᵢ, t' → next step τᵢ₊₁ (t' = −1 after the last, ᾱ₋₁ := 1), alphaBar → ᾱₜ,
// alphaBarNext → ᾱₜ', sigma → σₜ, eta → η.
//   1. x̂₀ from the model output, clamped to [−clip, clip]; ε̂ = (xₜ − √ᾱₜ·x̂₀)/√(1 − ᾱₜ) (so the clamp is
//      honoured by the direction term too)
//   2. σₜ = η·√((1 − ᾱₜ')/(1 − ᾱₜ))·√(1 − ᾱₜ/ᾱₜ')             (eq. 16)
//   3. xₜ' = √ᾱₜ'·x̂₀ + √(1 − ᾱₜ' − σₜ²)·ε̂ + σₜ·z
// With K = N and η = 1 this is ancestral DDPM (σₜ² = β̃ₜ and the mean is the posterior mean).

import Foundation
import ZooTensor

/// DDIM over K evenly spaced steps from N−1 down to 0.
public struct DDIMSampler: Sampler {
    public let schedule: NoiseSchedule
    public let objective: Objective
    public let clip: Float?
    /// η: 0 deterministic, 1 the DDPM posterior variance on the full grid.
    public let eta: Double
    public let timesteps: [Int]

    /// - Parameters:
    ///   - steps: K in 1...N; the visited steps are round((N−1)·(K−1−k)/(K−1)), k = 0..<K (N−1 first, 0 last).
    public init(schedule: NoiseSchedule, steps: Int, eta: Double = 0, objective: Objective = .epsilon, clip: Float? = nil) {
        let n = schedule.stepCount
        require((1...n).contains(steps), "DDIM steps must be in 1...\(n), got \(steps)")
        require(eta >= 0, "DDIM eta must be ≥ 0, got \(eta)")
        self.schedule = schedule
        self.objective = objective
        self.clip = clip
        self.eta = eta
        if steps == 1 {
            timesteps = [n - 1]
        } else {
            timesteps = (0..<steps).map { k in
                Int((Double(n - 1) * Double(steps - 1 - k) / Double(steps - 1)).rounded())
            }
        }
    }

    public func step(modelOutput: Tensor, index: Int, sample: Tensor, rng: inout RandomGenerator) -> Tensor {
        let t = timesteps[index]
        let next = index + 1 < timesteps.count ? timesteps[index + 1] : -1
        let steps = [Int](repeating: t, count: sample.shape[0])
        let x0 = predictedX0(modelOutput: modelOutput, sample: sample, t: t)                            // 1
        let epsilon = Objective.epsilon(fromX0: x0, xt: sample, schedule: schedule, t: steps)
        let alphaBar = Double(schedule.alphasCumprod[t])
        let alphaBarNext = next >= 0 ? Double(schedule.alphasCumprod[next]) : 1
        let sigma = eta * ((1 - alphaBarNext) / (1 - alphaBar)).squareRoot()                          // 2
            * Swift.max(1 - alphaBar / alphaBarNext, 0).squareRoot()
        let direction = Swift.max(1 - alphaBarNext - sigma * sigma, 0).squareRoot()
        var out = Float(alphaBarNext.squareRoot()) * x0 + Float(direction) * epsilon                    // 3
        if sigma > 0 { out = out + Float(sigma) * NoiseSchedule.noise(sample.shape, rng: &rng) }
        return out
    }
}
