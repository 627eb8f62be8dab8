// Gradient checks against central differences, first and second order.

import Testing
@testable import ZooCore
@testable import ZooData
@testable import ZooMetrics
@testable import ZooNN
@testable import ZooRuntime
@testable import ZooTensor

/// One input of a gradcheck case: its shape and the open interval its values are drawn from (keep inputs
/// away from kinks and singularities).
struct GradInput: Sendable {
    var shape: [Int]
    var low: Float = -1
    var high: Float = 1
    /// Checked against central differences (false for integer-like or constant inputs).
    var differentiable = true
}

/// A row of the gradcheck table: a function of tensors whose gradient is checked.
struct GradcheckCase: Sendable, CustomTestStringConvertible {
    /// What is checked, e.g. "conv2d stride 2".
    var name: String
    /// The primitive this row covers (nil for composites); the meta-test needs one row per `Op` case.
    var op: Op?
    var inputs: [GradInput]
    var tolerance: Float = 1e-2
    var epsilon: Float = 1e-3
    var f: @Sendable ([Tensor]) -> Tensor

    var testDescription: String { name }
}

/// Deterministic inputs for a case.
func makeInputs(_ c: GradcheckCase, seed: UInt64) -> [Tensor] {
    var rng = RandomGenerator(seed: seed)
    return c.inputs.map { spec in
        let n = spec.shape.reduce(1, *)
        return Tensor(shape: spec.shape, scalars: (0..<n).map { _ in rng.uniform(spec.low, spec.high) })
    }
}

/// Largest error |analytic − numeric| / max(1, |numeric|) of ∂/∂inputs Σ w⊙f(inputs), over every element.
func firstOrderError(_ c: GradcheckCase, seed: UInt64 = 7) -> Float {
    let xs = makeInputs(c, seed: seed)
    let probe = noGrad { c.f(xs) }
    var rng = RandomGenerator(seed: seed &+ 1)
    let w = Tensor(shape: probe.shape, scalars: (0..<probe.count).map { _ in rng.uniform(-1, 1) })
    let objective: ([Tensor]) -> Tensor = { (c.f($0) * w).sum() }
    let tracked = xs.enumerated().map { c.inputs[$0.offset].differentiable ? $0.element.requiringGrad() : $0.element }
    let analytic = gradients(of: objective(tracked), wrt: tracked)
    return numericError(xs, c, analytic: analytic) { inputs in noGrad { objective(inputs).item } }
}

/// Same check for the gradient of g(x) = Σ v⊙∇ₓ(Σ w⊙f(x)): differentiates the backward pass itself.
func secondOrderError(_ c: GradcheckCase, seed: UInt64 = 11) -> Float {
    let xs = makeInputs(c, seed: seed)
    let probe = noGrad { c.f(xs) }
    var rng = RandomGenerator(seed: seed &+ 1)
    let w = Tensor(shape: probe.shape, scalars: (0..<probe.count).map { _ in rng.uniform(-1, 1) })
    let vs = xs.map { x in Tensor(shape: x.shape, scalars: (0..<x.count).map { _ in rng.uniform(-1, 1) }) }
    let g: ([Tensor]) -> Tensor = { inputs in
        // Inputs that are already leaves of the outer tape stay connected to it.
        let tracked = inputs.enumerated().map {
            c.inputs[$0.offset].differentiable && !$0.element.requiresGrad ? $0.element.requiringGrad() : $0.element
        }
        let grads = gradients(of: (c.f(tracked) * w).sum(), wrt: tracked, createGraph: true)
        var total = Tensor(0)
        for (i, gr) in grads.enumerated() where c.inputs[i].differentiable { total = total + (gr * vs[i]).sum() }
        return total
    }
    // Analytic: differentiate g with respect to the raw inputs (which must be leaves of an outer tape).
    let outer = xs.enumerated().map { c.inputs[$0.offset].differentiable ? $0.element.requiringGrad() : $0.element }
    let gValue = g(outer)
    let analytic = gradients(of: gValue, wrt: outer)
    return numericError(xs, c, analytic: analytic) { g($0).item }
}

private func numericError(_ xs: [Tensor], _ c: GradcheckCase, analytic: [Tensor], _ value: ([Tensor]) -> Float) -> Float {
    var worst: Float = 0
    for (i, x) in xs.enumerated() where c.inputs[i].differentiable {
        let a = analytic[i].scalars
        for j in 0..<x.count {
            var plus = xs, minus = xs
            var vp = x.scalars, vm = x.scalars
            vp[j] += c.epsilon
            vm[j] -= c.epsilon
            plus[i] = Tensor(shape: x.shape, scalars: vp)
            minus[i] = Tensor(shape: x.shape, scalars: vm)
            let numeric = (value(plus) - value(minus)) / (2 * c.epsilon)
            worst = Swift.max(worst, Swift.abs(a[j] - numeric) / Swift.max(1, Swift.abs(numeric)))
        }
    }
    return worst
}
