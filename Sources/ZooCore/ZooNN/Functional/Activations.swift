// Composite activations: softmax, log-softmax and dropout. Built from primitives; no backward of their own.

/// Softmax along `axis`: exp(x − max) / Σ exp(x − max).
///
/// The max is subtracted as a constant (it cancels in the ratio, so the gradient is unchanged) to keep
/// exp from overflowing.
import ZooTensor

public func softmax(_ x: Tensor, axis: Int) -> Tensor {
    let a = x.axis(axis)
    let e = exp(x - x.detached().max(axis: a, keepDims: true))
    return e / e.sum(axis: a, keepDims: true)
}

/// Log-softmax along `axis`: z − log Σ exp(z), with z = x − max (max subtracted as a constant).
public func logSoftmax(_ x: Tensor, axis: Int) -> Tensor {
    let a = x.axis(axis)
    let z = x - x.detached().max(axis: a, keepDims: true)
    return z - log(exp(z).sum(axis: a, keepDims: true))
}

/// Inverted dropout: in training each element is zeroed with probability `probability` and the survivors
/// are scaled by 1/(1 − probability), so the expectation is unchanged; in evaluation it is the identity.
///
/// - Parameters:
///   - probability: chance of zeroing an element, in [0, 1].
///   - training: false → returns `x` unchanged (and draws nothing).
///   - rng: draws one Bernoulli per element, in row-major order.
public func dropout(_ x: Tensor, probability p: Float, training: Bool, rng: inout RandomGenerator) -> Tensor {
    require(p >= 0 && p <= 1, "dropout probability must be in [0, 1], got \(p)")
    guard training, p > 0 else { return x }
    if p == 1 { return x * Tensor.zeros(x.shape) }
    let keep = 1 - p, scale = 1 / keep
    var mask = [Float](repeating: 0, count: x.count)
    for i in 0..<mask.count { mask[i] = rng.bernoulli(keep) * scale }
    return x * Tensor(shape: x.shape, scalars: mask)
}
