// Learning-rate schedules, EMA and gradient clipping.
//
// Schedule reference values: PyTorch's schedulers (optimizer lr read before each scheduler.step()), base lr 0.1,
// by Tools/fixtures/pasted_reference.py into Fixtures/reference_values.json:
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
    #expect(!expected.isEmpty, "no reference rates", sourceLocation: sourceLocation)
    for (k, e) in expected.enumerated() {
        let v = s.learningRate(at: k)
        #expect(Swift.abs(v - e) <= 1e-8 * Swift.max(1, e) + 1e-10, "k = \(k): \(v) vs \(e)", sourceLocation: sourceLocation)
    }
}

@Suite struct Schedules {
    @Test func stepLR() {
        expectRates(.step(0.1, stepSize: 3, gamma: 0.5),
                    referenceDoubles("schedule.step"))
    }

    @Test func lambdaLRWithRVDFactor() {
        let expected = referenceDoubles("schedule.lambda")
        #expect(expected.count == 11)
        expectRates(.exponential(0.1, gamma: 0.8, floor: 0.2), expected)
        expectRates(.lambda(0.1) { k in Swift.max(Foundation.pow(0.8, Double(k)), 0.2) }, expected)
        expectRates(.constant(5e-5), [5e-5, 5e-5])
    }

    @Test func cosineAnnealing() {
        expectRates(.cosine(0.1, totalSteps: 10, minimum: 0.001), referenceDoubles("schedule.cosine"))
    }

    @Test func cosineWithLinearWarmup() {
        expectRates(.cosine(0.1, totalSteps: 20, warmupSteps: 4, warmupStartFactor: 0.25), referenceDoubles("schedule.warmup_cosine"))
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
