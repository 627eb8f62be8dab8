// Learning-rate schedules with torch.optim.lr_scheduler's formulas.
//
// A schedule maps the number of scheduler steps taken, k (PyTorch's `last_epoch`), to a learning rate.
// The trainer sets `optimizer.learningRate = schedule.learningRate(at: k)` before each update, with k
// counted the way the reference counts its `scheduler.step()` calls.

import Foundation
import ZooTensor

/// A learning rate as a function of the scheduler step k ≥ 0.
public struct LearningRateSchedule: Sendable {
    /// The rate at k = 0 (PyTorch's `base_lr`).
    public let baseLearningRate: Double
    private let rate: @Sendable (Int) -> Double

    /// A schedule from any function of k.
    public init(baseLearningRate: Double, _ rate: @escaping @Sendable (Int) -> Double) {
        self.baseLearningRate = baseLearningRate
        self.rate = rate
    }

    /// The learning rate after `k` scheduler steps.
    public func learningRate(at k: Int) -> Double {
        require(k >= 0, "scheduler step must be ≥ 0, got \(k)")
        return rate(k)
    }

    /// A constant rate.
    public static func constant(_ lr: Double) -> LearningRateSchedule {
        LearningRateSchedule(baseLearningRate: lr) { _ in lr }
    }

    /// StepLR: lr = base · γ^⌊k / stepSize⌋.
    public static func step(_ base: Double, stepSize: Int, gamma: Double = 0.1) -> LearningRateSchedule {
        require(stepSize > 0, "StepLR step size must be > 0")
        return LearningRateSchedule(baseLearningRate: base) { k in base * Foundation.pow(gamma, Double(k / stepSize)) }
    }

    /// LambdaLR: lr = base · factor(k).
    public static func lambda(_ base: Double, _ factor: @escaping @Sendable (Int) -> Double) -> LearningRateSchedule {
        LearningRateSchedule(baseLearningRate: base) { k in base * factor(k) }
    }

    /// LambdaLR with factor max(γᵏ, floor): RVD's `max(0.8^k, 0.2)`.
    public static func exponential(_ base: Double, gamma: Double, floor: Double = 0) -> LearningRateSchedule {
        lambda(base) { k in Swift.max(Foundation.pow(gamma, Double(k)), floor) }
    }

    /// CosineAnnealingLR (closed form): lr = η_min + (base − η_min)(1 + cos(π·k/T_max))/2, which, like
    /// PyTorch's, rises again after T_max (period 2·T_max).
    ///
    /// With `warmupSteps` W > 0 the first W steps ramp linearly as LinearLR(start_factor, total_iters W)
    /// — lr = base·(s + (1 − s)·k/W) — and the cosine then runs over k − W with T_max = totalSteps − W
    /// (PyTorch's SequentialLR of the two, milestone W).
    public static func cosine(_ base: Double, totalSteps: Int, minimum: Double = 0, warmupSteps: Int = 0,
                              warmupStartFactor: Double = 1.0 / 3.0) -> LearningRateSchedule {
        require(totalSteps > warmupSteps && warmupSteps >= 0, "cosine schedule needs totalSteps > warmupSteps ≥ 0")
        let tMax = Double(totalSteps - warmupSteps)
        return LearningRateSchedule(baseLearningRate: base) { k in
            if k < warmupSteps {
                return base * (warmupStartFactor + (1 - warmupStartFactor) * Double(k) / Double(warmupSteps))
            }
            let t = Double(k - warmupSteps)
            return minimum + (base - minimum) * (1 + Foundation.cos(Double.pi * t / tMax)) / 2
        }
    }
}
