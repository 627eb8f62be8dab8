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
    /// Bound on `firstOrderError` / `secondOrderError` (relative; see `numericError`): a gradient 1% off
    /// on an element of at least 1% of the largest scores 1e-2, five times this bound.
    var tolerance: Float = 2e-3
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

/// Largest error of the analytic gradient of Σ w⊙f(inputs) (w fixed and random) against central differences,
/// per input: max over elements of |analytic − numeric| / max(|numeric|, 1% of the input's largest |numeric|,
/// 1e-4), as the PyTorch fixtures' metric. The objective is summed in Double, so the differences carry only
/// f's own float32 rounding. `analyticScale` scales the analytic gradient (for the test that a 1% error fails).
func firstOrderError(_ c: GradcheckCase, seed: UInt64 = 7, analyticScale: Float = 1) -> Float {
    let xs = makeInputs(c, seed: seed)
    let probe = noGrad { c.f(xs) }
    var rng = RandomGenerator(seed: seed &+ 1)
    let w = Tensor(shape: probe.shape, scalars: (0..<probe.count).map { _ in rng.uniform(-1, 1) })
    let objective: ([Tensor]) -> Tensor = { (c.f($0) * w).sum() }
    let tracked = xs.enumerated().map { c.inputs[$0.offset].differentiable ? $0.element.requiringGrad() : $0.element }
    let analytic = gradients(of: objective(tracked), wrt: tracked).map { $0 * analyticScale }
    let weights = w.scalars
    return numericError(xs, c, analytic: analytic) { inputs in
        noGrad { zip(c.f(inputs).scalars, weights).reduce(0.0) { $0 + Double($1.0) * Double($1.1) } }
    }
}

/// Same check for the gradient of g(x) = Σ v⊙∇ₓ(Σ w⊙f(x)): differentiates the backward pass itself.
func secondOrderError(_ c: GradcheckCase, seed: UInt64 = 11) -> Float {
    let xs = makeInputs(c, seed: seed)
    let probe = noGrad { c.f(xs) }
    var rng = RandomGenerator(seed: seed &+ 1)
    let w = Tensor(shape: probe.shape, scalars: (0..<probe.count).map { _ in rng.uniform(-1, 1) })
    let vs = xs.map { x in Tensor(shape: x.shape, scalars: (0..<x.count).map { _ in rng.uniform(-1, 1) }) }
    /// ∇ₓ(Σ w⊙f(x)) for the differentiable inputs (nil for the others), on the tape.
    let inner: ([Tensor]) -> [Tensor?] = { inputs in
        // Inputs that are already leaves of the outer tape stay connected to it.
        let tracked = inputs.enumerated().map {
            c.inputs[$0.offset].differentiable && !$0.element.requiresGrad ? $0.element.requiringGrad() : $0.element
        }
        let grads = gradients(of: (c.f(tracked) * w).sum(), wrt: tracked, createGraph: true)
        return grads.enumerated().map { c.inputs[$0.offset].differentiable ? $0.element : nil }
    }
    // Analytic: differentiate g with respect to the raw inputs (which must be leaves of an outer tape).
    let outer = xs.enumerated().map { c.inputs[$0.offset].differentiable ? $0.element.requiringGrad() : $0.element }
    var gValue = Tensor(0)
    for (i, gr) in inner(outer).enumerated() { if let gr { gValue = gValue + (gr * vs[i]).sum() } }
    let analytic = gradients(of: gValue, wrt: outer)
    return numericError(xs, c, analytic: analytic) { inputs in
        var total = 0.0
        for (i, gr) in inner(inputs).enumerated() {
            if let gr { total += zip(gr.scalars, vs[i].scalars).reduce(0.0) { $0 + Double($1.0) * Double($1.1) } }
        }
        return total
    }
}

private func numericError(_ xs: [Tensor], _ c: GradcheckCase, analytic: [Tensor], _ value: ([Tensor]) -> Double) -> Float {
    var worst = 0.0
    for (i, x) in xs.enumerated() where c.inputs[i].differentiable {
        let a = analytic[i].scalars
        var numeric = [Double](repeating: 0, count: x.count)
        for j in 0..<x.count {
            var plus = xs, minus = xs
            var vp = x.scalars, vm = x.scalars
            vp[j] += c.epsilon
            vm[j] -= c.epsilon
            plus[i] = Tensor(shape: x.shape, scalars: vp)
            minus[i] = Tensor(shape: x.shape, scalars: vm)
            // The step actually taken (x ± ε rounded to float32), not the nominal 2ε.
            numeric[j] = (value(plus) - value(minus)) / (Double(vp[j]) - Double(vm[j]))
        }
        let floor = Swift.max(0.01 * (numeric.map(Swift.abs).max() ?? 0), 1e-4)
        for j in 0..<x.count {
            worst = Swift.max(worst, Swift.abs(Double(a[j]) - numeric[j]) / Swift.max(Swift.abs(numeric[j]), floor))
        }
    }
    return Float(worst)
}
