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
    /// Bound on the scores of `firstOrderScores` / `secondOrderScores` (relative; see `numericScores`): a
    /// gradient 1% off on its largest element scores about 1e-2.
    var tolerance: Float = GradcheckCase.defaultTolerance
    /// The step h of the numeric difference (see `numericScores`).
    var epsilon: Float = 1e-2
    /// Richardson's fourth-order difference over x ± h and x ± 2h (smooth functions), or the plain central
    /// difference over x ± h (`kinked` rows).
    var richardson = true
    var f: @Sendable ([Tensor]) -> Tensor

    var testDescription: String { name }

    /// Calibrated on this machine (docs/testing.md, "Gradcheck"): the correct gradients of every row but two
    /// (which set their own) scored at most 1.7e-3, the same gradients 1% off at least 1.0e-2.
    static let defaultTolerance: Float = 4e-3

    /// The row with the plain central difference at h = 1e-3, for a function with a kink (max, min, clamp,
    /// ReLU-like, |x|, L1, hinge, max pooling) near its inputs: Richardson's stencil reaches x ± 2h, and at
    /// h = 1e-2 it crossed the kink in several rows. Near the inputs these functions are piecewise polynomials of
    /// degree at most three, so the plain difference has (almost) no truncation error to remove.
    var kinked: GradcheckCase {
        var c = self
        c.epsilon = 1e-3
        c.richardson = false
        return c
    }

    /// The row with Richardson's stencil at step `h` and its own tolerance: for a smooth part composed with a
    /// kink (a leaky ReLU after a convolution or a normalisation, differentiated twice), where x ± 2h must stay
    /// clear of the kink (at h = 5e-3 it did not) while the smooth part's rounding noise still needs a step above
    /// 1e-3. The tolerance sits between the row's measured score and its 1%-off score (docs/testing.md).
    func step(_ h: Float, tolerance: Float) -> GradcheckCase {
        var c = self
        c.epsilon = h
        c.tolerance = tolerance
        return c
    }
}

/// Deterministic inputs for a case.
func makeInputs(_ c: GradcheckCase, seed: UInt64) -> [Tensor] {
    var rng = RandomGenerator(seed: seed)
    return c.inputs.map { spec in
        let n = spec.shape.reduce(1, *)
        return Tensor(shape: spec.shape, scalars: (0..<n).map { _ in rng.uniform(spec.low, spec.high) })
    }
}

/// The check's score for one row: the largest relative error of the analytic gradient as computed, and of the
/// same gradient scaled by 1.01 (a 1% error, which the check must see: `onePercentOff` above the tolerance).
struct GradcheckScores {
    var error: Float
    var onePercentOff: Float
}

/// Scores of the analytic gradient of Σ w⊙f(inputs) (w fixed and random) against numeric differences, per
/// input: max over elements of |analytic − numeric| / max(|numeric|, 1% of the input's largest |numeric|,
/// 1e-4), as the PyTorch fixtures' metric. The objective is summed in Double, so the differences carry only
/// f's own float32 rounding.
func firstOrderScores(_ c: GradcheckCase, seed: UInt64 = 7) -> GradcheckScores {
    let xs = makeInputs(c, seed: seed)
    let probe = noGrad { c.f(xs) }
    var rng = RandomGenerator(seed: seed &+ 1)
    let w = Tensor(shape: probe.shape, scalars: (0..<probe.count).map { _ in rng.uniform(-1, 1) })
    let tracked = xs.enumerated().map { c.inputs[$0.offset].differentiable ? $0.element.requiringGrad() : $0.element }
    let analytic = gradients(of: (c.f(tracked) * w).sum(), wrt: tracked)
    let weights = w.scalars
    return numericScores(xs, c, analytic: analytic) { inputs in
        noGrad { zip(c.f(inputs).scalars, weights).reduce(0.0) { $0 + Double($1.0) * Double($1.1) } }
    }
}

/// Same check for the gradient of g(x) = Σ v⊙∇ₓ(Σ w⊙f(x)): differentiates the backward pass itself.
func secondOrderScores(_ c: GradcheckCase, seed: UInt64 = 11) -> GradcheckScores {
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
    return numericScores(xs, c, analytic: analytic) { inputs in
        var total = 0.0
        for (i, gr) in inner(inputs).enumerated() {
            if let gr { total += zip(gr.scalars, vs[i].scalars).reduce(0.0) { $0 + Double($1.0) * Double($1.1) } }
        }
        return total
    }
}

/// The numeric gradient by Richardson's fourth-order central difference (or the plain one, for `kinked` rows), (4·D(h) − D(2h)) / 3 with D(h) the
/// central difference over the step actually taken (x ± h rounded to float32), and the scores against it.
/// Its truncation error is O(h⁴) instead of O(h²), which allows a step ten times the usual 1e-3 and so divides
/// the float32 rounding noise of f by about ten (docs/testing.md gives the measured spread).
private func numericScores(_ xs: [Tensor], _ c: GradcheckCase, analytic: [Tensor],
                           _ value: ([Tensor]) -> Double) -> GradcheckScores {
    var worst = 0.0, worstScaled = 0.0
    for (i, x) in xs.enumerated() where c.inputs[i].differentiable {
        let a = analytic[i].scalars
        var numeric = [Double](repeating: 0, count: x.count)
        func central(_ j: Int, _ h: Float) -> Double {
            var plus = xs, minus = xs
            var vp = x.scalars, vm = x.scalars
            vp[j] += h
            vm[j] -= h
            plus[i] = Tensor(shape: x.shape, scalars: vp)
            minus[i] = Tensor(shape: x.shape, scalars: vm)
            return (value(plus) - value(minus)) / (Double(vp[j]) - Double(vm[j]))
        }
        for j in 0..<x.count {
            numeric[j] = c.richardson ? (4 * central(j, c.epsilon) - central(j, 2 * c.epsilon)) / 3
                                      : central(j, c.epsilon)
        }
        let floor = Swift.max(0.01 * (numeric.map(Swift.abs).max() ?? 0), 1e-4)
        for j in 0..<x.count {
            let scale = Swift.max(Swift.abs(numeric[j]), floor)
            worst = Swift.max(worst, Swift.abs(Double(a[j]) - numeric[j]) / scale)
            worstScaled = Swift.max(worstScaled, Swift.abs(1.01 * Double(a[j]) - numeric[j]) / scale)
        }
    }
    return GradcheckScores(error: Float(worst), onePercentOff: Float(worstScaled))
}
