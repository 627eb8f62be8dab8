// Learning-rate schedules, EMA and gradient clipping.
//
// Schedule reference values: torch 2.13 (optimizer lr read before each scheduler.step()), base lr 0.1:
// StepLR(3, 0.5); LambdaLR(max(0.8^k, 0.2)); CosineAnnealingLR(T_max 10, eta_min 0.001);
// SequentialLR([LinearLR(0.25, 1.0, 4), CosineAnnealingLR(16)], milestones [4]).

import Foundation
import Testing
@testable import ZooCore
@testable import ZooData
@testable import ZooMetrics
@testable import ZooNN
@testable import ZooRuntime
@testable import ZooTensor

private func expectRates(_ s: LearningRateSchedule, _ expected: [Double], sourceLocation: SourceLocation = #_sourceLocation) {
    for (k, e) in expected.enumerated() {
        let v = s.learningRate(at: k)
        #expect(Swift.abs(v - e) <= 1e-8 * Swift.max(1, e) + 1e-10, "k = \(k): \(v) vs \(e)", sourceLocation: sourceLocation)
    }
}

@Suite struct Schedules {
    @Test func stepLR() {
        expectRates(.step(0.1, stepSize: 3, gamma: 0.5),
                    [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.0125, 0.0125])
    }

    @Test func lambdaLRWithRVDFactor() {
        let expected = [0.1, 0.08, 0.064, 0.0512, 0.04096, 0.032768, 0.0262144, 0.02097152, 0.02, 0.02, 0.02]
        expectRates(.exponential(0.1, gamma: 0.8, floor: 0.2), expected)
        expectRates(.lambda(0.1) { k in Swift.max(Foundation.pow(0.8, Double(k)), 0.2) }, expected)
        expectRates(.constant(5e-5), [5e-5, 5e-5])
    }

    @Test func cosineAnnealing() {
        expectRates(.cosine(0.1, totalSteps: 10, minimum: 0.001), [
            0.1, 0.0975772976, 0.0905463412, 0.07959537, 0.0657963412, 0.0505, 0.0352036588, 0.02140463,
            0.0104536588, 0.00342270244, 0.001, 0.00342270244, 0.0104536588, 0.02140463, 0.0352036588, 0.0505,
            0.0657963412, 0.07959537, 0.0905463412, 0.0975772976, 0.1, 0.0975772976, 0.0905463412, 0.07959537,
        ])
    }

    @Test func cosineWithLinearWarmup() {
        expectRates(.cosine(0.1, totalSteps: 20, warmupSteps: 4, warmupStartFactor: 0.25), [
            0.025, 0.04375, 0.0625, 0.08125, 0.1, 0.099039264, 0.0961939766, 0.0915734806, 0.0853553391,
            0.0777785117, 0.0691341716, 0.0597545161, 0.05, 0.0402454839, 0.0308658284, 0.0222214883,
            0.0146446609, 0.00842651938, 0.00380602337, 0.00096073598, 0.0, 0.00096073598,
        ])
    }
}

@Suite struct EMAAndClipping {
    @Test func emaFollowsRVDSchedule() {
        let p = Parameter(Tensor([0]))
        let named = [("w", p)]
        let ema = EMA(decay: 0.5, updateEvery: 2, startStep: 4, parameters: named)
        #expect(ema.shadow["w"]!.scalars == [0])
        var expected: Float = 0
        for step in 0..<10 {
            p.value = Tensor([Float(step + 1)])          // the optimizer moved the weight
            ema.step(step, parameters: named)
            if step % 2 == 0 { expected = step < 4 ? Float(step + 1) : 0.5 * expected + 0.5 * Float(step + 1) }
            #expect(ema.shadow["w"]!.item == expected, "step \(step)")
        }
        // Steps 0, 2 copy (1, 3); 4: 0.5·3 + 0.5·5 = 4; 6: 0.5·4 + 0.5·7 = 5.5; 8: 0.5·5.5 + 0.5·9 = 7.25.
        #expect(expected == 7.25)
        let evalCopy = Parameter(Tensor([0]))
        ema.apply(to: [("w", evalCopy)])
        #expect(evalCopy.value.item == 7.25)
        let restored = EMA(decay: 0.5, parameters: [("w", Parameter(Tensor([-1])))])
        restored.importState(ema.exportState())
        #expect(restored.shadow["w"]!.item == 7.25)
    }

    @Test func clipGradientNormAsPyTorch() {
        var grads = [Tensor([3, 4]), Tensor(shape: [1, 1], scalars: [12])]
        let norm = clipGradientNorm(&grads, maxNorm: 6.5)
        #expect(norm == 13)
        let c: Float = 6.5 / (13 + 1e-6)
        #expect(grads[0].scalars == [3 * c, 4 * c])
        #expect(grads[1].shape == [1, 1] && grads[1].item == 12 * c)
        var small = [Tensor([0.3, 0.4])]
        #expect(Swift.abs(clipGradientNorm(&small, maxNorm: 1) - 0.5) < 1e-7)
        #expect(small[0].scalars == [0.3, 0.4])
        clipGradientValue(&small, clipValue: 0.35)
        #expect(small[0].scalars == [0.3, 0.35])
    }
}
