// Stochastic gradient descent with momentum, as torch.optim.SGD.

/// torch.optim.SGD: with d = g + λ·p (weight decay λ),
///   b ← d (first step), b ← μ·b + (1 − τ)·d (later steps; τ = dampening),
///   d ← d + μ·b (Nesterov) or d ← b, and p ← p − lr·d.
/// The momentum buffer is the slot `momentum_buffer`.
import ZooTensor

public final class SGD: Optimizer {
    public var momentum: Double
    public var dampening: Double
    public var nesterov: Bool
    public var weightDecay: Double

    public init(learningRate: Double, momentum: Double = 0, dampening: Double = 0, nesterov: Bool = false,
                weightDecay: Double = 0) {
        require(!nesterov || (momentum > 0 && dampening == 0), "Nesterov momentum needs momentum > 0 and no dampening")
        self.momentum = momentum
        self.dampening = dampening
        self.nesterov = nesterov
        self.weightDecay = weightDecay
        super.init(learningRate: learningRate)
    }

    override public func updatedValue(_ value: Tensor, gradient: Tensor, state: inout [String: Tensor]) -> Tensor {
        let n = value.count
        let out = Tensor.uninitialized(value.shape)
        let p = value.storage.pointer, g = gradient.storage.pointer, o = out.storage.pointer
        let lr = Float(learningRate), wd = Float(weightDecay), mu = Float(momentum)
        let keep = Float(1 - dampening)
        if momentum == 0 {
            Parallel.forChunks(n, minimumWork: 65_536) { r in
                for i in r { o[i] = p[i] - lr * (wd == 0 ? g[i] : g[i] + wd * p[i]) }
            }
            return out
        }
        let first = state["momentum_buffer"] == nil
        let buffer = state["momentum_buffer"] ?? Tensor.uninitialized(value.shape)
        let b = buffer.storage.pointer
        let nesterov = self.nesterov
        Parallel.forChunks(n, minimumWork: 65_536) { r in
            for i in r {
                let d = wd == 0 ? g[i] : g[i] + wd * p[i]
                let bi = first ? d : b[i] * mu + keep * d
                b[i] = bi
                o[i] = p[i] - lr * (nesterov ? d + mu * bi : bi)
            }
        }
        state["momentum_buffer"] = buffer
        return out
    }
}
