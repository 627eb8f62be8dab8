// The branch-free exp, sigmoid and tanh (Kernels/VectorMath.swift) against Double-precision references, over
// a dense sweep and the special values.
import Foundation
import Testing
@testable import ZooCore
@testable import ZooData
@testable import ZooMetrics
@testable import ZooNN
@testable import ZooRuntime
@testable import ZooTensor

/// `count` + 1 evenly spaced values from `lo` to `hi`.
private func sweep(_ lo: Float, _ hi: Float, count: Int) -> [Float] {
    (0...count).map { lo + (hi - lo) * Float($0) / Float(count) }
}

/// Relative error of `got` against the Double `want` (absolute where `want` is 0).
private func relativeError(_ got: Float, _ want: Double) -> Double {
    want == 0 ? Double(Swift.abs(got)) : Swift.abs(Double(got) - want) / Swift.abs(want)
}

@Suite struct VectorMathTests {
    @Test func expMatchesDoubleOverTheNormalRange() {
        var worst = 0.0, at: Float = 0
        for x in sweep(-87, 88.7, count: 400_000) {
            let e = relativeError(vectorExp(x), Foundation.exp(Double(x)))
            if e > worst { worst = e; at = x }
        }
        #expect(worst < 2.5e-7, "worst relative error \(worst) at x = \(at)")
    }

    @Test func expEdgesOverflowUnderflowAndNaN() {
        #expect(vectorExp(0) == 1)
        #expect(vectorExp(89) == .infinity && vectorExp(.infinity) == .infinity && vectorExp(1000) == .infinity)
        #expect(relativeError(vectorExp(88.72), Foundation.exp(Double(Float(88.72)))) < 3e-7)  // near FLT_MAX
        #expect(vectorExp(-.infinity) == 0 && vectorExp(-200) == 0)
        #expect(vectorExp(.nan).isNaN)
        // The subnormal range: e^-95 ≈ 5.5e-42 is subnormal; the result is within one subnormal step.
        for x: Float in [-88, -90, -95, -100, -103] {
            let want = Foundation.exp(Double(x))
            #expect(Swift.abs(Double(vectorExp(x)) - want) <= max(want * 3e-7, Double(Float.leastNonzeroMagnitude)),
                    "e^\(x): \(vectorExp(x)) against \(want)")
        }
    }

    @Test func sigmoidMatchesDoubleInBothTails() {
        var worst = 0.0, at: Float = 0
        for x in sweep(-100, 40, count: 400_000) {
            let want = 1 / (1 + Foundation.exp(-Double(x)))
            let got = vectorSigmoid(x)
            // Relative error where the result is a normal float; absolute (one subnormal step) below.
            let e = want < Double(Float.leastNormalMagnitude)
                ? (Swift.abs(Double(got) - want) <= Double(Float.leastNonzeroMagnitude) ? 0 : 1)
                : relativeError(got, want)
            if e > worst { worst = e; at = x }
        }
        #expect(worst < 5e-7, "worst relative error \(worst) at x = \(at)")
        #expect(vectorSigmoid(0) == 0.5 && vectorSigmoid(.infinity) == 1 && vectorSigmoid(-.infinity) == 0)
        #expect(vectorSigmoid(.nan).isNaN)
    }

    @Test func tanhMatchesDoubleIncludingTinyInputs() {
        var worst = 0.0, at: Float = 0
        for x in sweep(-12, 12, count: 400_000) + [1e-30, -1e-30, 1e-8, -3e-5, 0.6249, 0.6251, -0.625] {
            let e = relativeError(vectorTanh(x), Foundation.tanh(Double(x)))
            if e > worst { worst = e; at = x }
        }
        #expect(worst < 6e-7, "worst relative error \(worst) at x = \(at)")
        #expect(vectorTanh(0) == 0 && vectorTanh(.infinity) == 1 && vectorTanh(-.infinity) == -1)
        #expect(vectorTanh(-0.0).sign == .minus && vectorTanh(.nan).isNaN)
        #expect(vectorTanh(Float.leastNonzeroMagnitude) == Float.leastNonzeroMagnitude)
    }

    @Test func tensorOpsUseThemAndKeepTheirValues() {
        // The tensor ops agree with the scalar functions element by element (and so with the references).
        let values: [Float] = [-90, -20, -3, -0.7, -0.1, 0, 1e-6, 0.3, 0.62, 0.63, 2, 9, 30]
        let x = Tensor(shape: [values.count], scalars: values)
        #expect(sigmoid(x).scalars == values.map(vectorSigmoid))
        #expect(tanh(x).scalars == values.map(vectorTanh))
    }
}
