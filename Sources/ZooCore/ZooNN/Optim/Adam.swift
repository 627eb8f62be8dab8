// Adam and AdamW, as torch.optim.Adam / torch.optim.AdamW (amsgrad off).

import Foundation
import ZooTensor

/// torch.optim.Adam. Per parameter, at step t (counted per parameter, slot `step`):
///   g ← g + λ·p                                   (L2 weight decay λ, added to the gradient)
///   m ← m + (1 − β₁)(g − m)                       (slot `exp_avg`; PyTorch's lerp)
///   v ← β₂·v + (1 − β₂)·g²                        (slot `exp_avg_sq`)
///   p ← p − (lr/(1 − β₁ᵗ)) · m / (√v/√(1 − β₂ᵗ) + ε)
/// The bias corrections and the step size are computed in Double, as PyTorch does. One fused pass over
/// p, g, m, v per parameter.
public class Adam: Optimizer {
    public var betas: (Double, Double)
    public var epsilon: Double
    public var weightDecay: Double
    /// AdamW's decoupled decay (p ← p·(1 − lr·λ) before the Adam step) instead of the L2 term.
    let decoupled: Bool

    /// Adam with PyTorch's defaults (lr 1e-3, β = (0.9, 0.999), ε = 1e-8, no weight decay).
    public convenience init(learningRate: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999),
                            epsilon: Double = 1e-8, weightDecay: Double = 0) {
        self.init(learningRate: learningRate, betas: betas, epsilon: epsilon, weightDecay: weightDecay, decoupled: false)
    }

    init(learningRate: Double, betas: (Double, Double), epsilon: Double, weightDecay: Double, decoupled: Bool) {
        require((0..<1).contains(betas.0) && (0..<1).contains(betas.1), "Adam betas must be in [0, 1), got \(betas)")
        self.betas = betas
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.decoupled = decoupled
        super.init(learningRate: learningRate)
    }

    override public func updatedValue(_ value: Tensor, gradient: Tensor, state: inout [String: Tensor]) -> Tensor {
        let step = stepSlot(state) + 1
        let m = state["exp_avg"] ?? Tensor.zeros(value.shape)
        let v = state["exp_avg_sq"] ?? Tensor.zeros(value.shape)
        let out = Tensor.uninitialized(value.shape)
        let pp = value.storage.pointer, pg = gradient.storage.pointer
        let pm = m.storage.pointer, pv = v.storage.pointer, po = out.storage.pointer

        let biasCorrection1 = 1 - Foundation.pow(betas.0, Double(step))
        let biasCorrection2 = 1 - Foundation.pow(betas.1, Double(step))
        let stepSize = Float(learningRate / biasCorrection1)
        let correction2Sqrt = Float(biasCorrection2.squareRoot())
        let w1 = Float(1 - betas.0), b2 = Float(betas.1), w2 = Float(1 - betas.1), eps = Float(epsilon)
        let l2 = decoupled ? Float(0) : Float(weightDecay)
        let shrink = decoupled ? Float(1 - learningRate * weightDecay) : Float(1)

        Parallel.forChunks(value.count, minimumWork: 32_768) { r in
            for i in r {
                let p = pp[i] * shrink
                let g = l2 == 0 ? pg[i] : pg[i] + l2 * pp[i]
                let mi = pm[i] + w1 * (g - pm[i])
                let vi = pv[i] * b2 + w2 * g * g
                pm[i] = mi
                pv[i] = vi
                po[i] = p - stepSize * (mi / (vi.squareRoot() / correction2Sqrt + eps))
            }
        }
        state["step"] = Tensor(Float(step))
        state["exp_avg"] = m
        state["exp_avg_sq"] = v
        return out
    }
}

/// torch.optim.AdamW: Adam with decoupled weight decay, p ← p·(1 − lr·λ) before the Adam step (the
/// decay does not enter the moments). PyTorch's default λ is 0.01.
public final class AdamW: Adam {
    public init(learningRate: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), epsilon: Double = 1e-8,
                weightDecay: Double = 1e-2) {
        super.init(learningRate: learningRate, betas: betas, epsilon: epsilon, weightDecay: weightDecay, decoupled: true)
    }
}
