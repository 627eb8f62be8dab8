// What a denoiser predicts, and the conversions between the parameterisations (Ho et al. 2020 eq. 11;
// Salimans & Ho 2022 for v).
//
//   x_t = √ᾱₜ·x₀ + √(1 − ᾱₜ)·ε
//   x₀ = √(1/ᾱₜ)·x_t − √(1/ᾱₜ − 1)·ε        ε = (x_t − √ᾱₜ·x₀)/√(1 − ᾱₜ)
//   v = √ᾱₜ·ε − √(1 − ᾱₜ)·x₀                 x₀ = √ᾱₜ·x_t − √(1 − ᾱₜ)·v

/// The denoiser's target.
import ZooTensor

public enum Objective: String, Codable, Sendable, CaseIterable {
    /// The noise ε (RVD's `pred_mode = "noise"`).
    case epsilon
    /// The clean sample x₀ (RVD's `pred_mode = "pred_true"`).
    case x0
    /// The velocity v = √ᾱₜ·ε − √(1 − ᾱₜ)·x₀.
    case v

    /// The training target for this objective given x₀, ε and x_t.
    public func target(x0: Tensor, noise: Tensor, schedule: NoiseSchedule, t: [Int]) -> Tensor {
        switch self {
        case .epsilon: return noise
        case .x0: return x0
        case .v:
            let r = x0.rank
            return schedule.column(schedule.sqrtAlphasCumprod, t, rank: r) * noise
                - schedule.column(schedule.sqrtOneMinusAlphasCumprod, t, rank: r) * x0
        }
    }

    /// x̂₀ from the model output at x_t.
    public func predictedX0(modelOutput out: Tensor, xt: Tensor, schedule s: NoiseSchedule, t: [Int]) -> Tensor {
        let r = xt.rank
        switch self {
        case .epsilon:
            return s.column(s.sqrtRecipAlphasCumprod, t, rank: r) * xt - s.column(s.sqrtRecipm1AlphasCumprod, t, rank: r) * out
        case .x0:
            return out
        case .v:
            return s.column(s.sqrtAlphasCumprod, t, rank: r) * xt - s.column(s.sqrtOneMinusAlphasCumprod, t, rank: r) * out
        }
    }

    /// ε implied by x̂₀ at x_t: (x_t − √ᾱₜ·x̂₀)/√(1 − ᾱₜ).
    public static func epsilon(fromX0 x0: Tensor, xt: Tensor, schedule s: NoiseSchedule, t: [Int]) -> Tensor {
        let r = xt.rank
        return (xt - s.column(s.sqrtAlphasCumprod, t, rank: r) * x0) / s.column(s.sqrtOneMinusAlphasCumprod, t, rank: r)
    }
}
