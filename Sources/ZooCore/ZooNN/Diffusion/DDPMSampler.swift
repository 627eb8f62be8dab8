// Ancestral DDPM sampling (Ho et al. 2020, Algorithm 2), as lucidrains' `p_sample` (RVD's sampler).
//
//   1. x̂₀ = √(1/ᾱₜ)·xₜ − √(1/ᾱₜ − 1)·ε̂   (for ε-prediction), clamped to [−clip, clip]
//   2. μ̃ₜ = c₁ₜ·x̂₀ + c₂ₜ·xₜ                  (posterior mean, eq. 7)
//   3. xₜ₋₁ = μ̃ₜ + exp(½·log β̃ₜ)·z, z ~ N(0, I); no noise at t = 0

/// Ancestral sampling over every step N−1, …, 0.
public struct DDPMSampler: Sampler {
    public let schedule: NoiseSchedule
    public let objective: Objective
    public let clip: Float?

    public init(schedule: NoiseSchedule, objective: Objective = .epsilon, clip: Float? = nil) {
        self.schedule = schedule
        self.objective = objective
        self.clip = clip
    }

    /// N−1, N−2, …, 0.
    public var timesteps: [Int] { Array((0..<schedule.stepCount).reversed()) }

    public func step(modelOutput: Tensor, index: Int, sample: Tensor, rng: inout RandomGenerator) -> Tensor {
        let t = timesteps[index]
        let x0 = predictedX0(modelOutput: modelOutput, sample: sample, t: t)                            // 1
        let steps = [Int](repeating: t, count: sample.shape[0])
        let mean = schedule.posterior(x0: x0, xt: sample, t: steps).mean                               // 2
        guard t > 0 else { return mean }                                                               // 3
        let std = Float(Foundation.exp(0.5 * Double(schedule.posteriorLogVarianceClipped[t])))
        return mean + std * NoiseSchedule.noise(sample.shape, rng: &rng)
    }
}

import Foundation
import ZooTensor
