// The noise schedule against the reference's numbers (docs/models/rvd.md §8) and its invariants.

import Foundation
import Testing
@testable import ZooCore
@testable import ZooData
@testable import ZooMetrics
@testable import ZooNN
@testable import ZooRuntime
@testable import ZooTensor

@Suite struct NoiseScheduleTests {
    let cosine = NoiseSchedule.cosine(steps: 1600)

    @Test func cosineScheduleHasTheReferenceValues() {
        let b = cosine.betas, a = cosine.alphasCumprod
        #expect(b.count == 1600)
        #expect(Swift.abs(b[0] - 2.52e-5) < 0.01e-5)
        #expect(Swift.abs(b[799] - 1.97e-3) < 0.01e-3)
        #expect(Swift.abs(b[1598] - 0.75) < 0.01)
        #expect(b[1599] == 0.999)                              // the only clipped value
        #expect(b.dropLast().allSatisfy { $0 < 0.999 })
        #expect(Swift.abs(a[0] - 0.999975) < 1e-6)
        #expect(Swift.abs(a[399] - 0.847) < 1e-3)
        #expect(Swift.abs(a[799] - 0.494) < 1e-3)
        #expect(Swift.abs(a[1199] - 0.144) < 1e-3)
        #expect(Swift.abs(a[1599] - 9.5e-10) < 0.1e-10)
    }

    @Test(arguments: [NoiseSchedule.cosine(steps: 1600), .cosine(steps: 20), .linear(steps: 1000), .linear(steps: 50)])
    func alphasCumprodDecreasesStrictlyAndTablesAgree(schedule s: NoiseSchedule) {
        for t in 1..<s.stepCount { #expect(s.alphasCumprod[t] < s.alphasCumprod[t - 1]) }
        #expect(s.alphasCumprodPrev[0] == 1 && s.posteriorVariance[0] == 0)
        for t in 0..<s.stepCount {
            let a = Double(s.alphasCumprod[t])
            #expect(Swift.abs(Double(s.sqrtAlphasCumprod[t]) - a.squareRoot()) < 1e-6)
            if t > 0 { #expect(Swift.abs(s.posteriorMeanCoef1[t] + s.posteriorMeanCoef2[t]) > 0) }
        }
        #expect(s.posteriorLogVarianceClipped[0] == Float(Foundation.log(1e-20)))
    }

    @Test func qSampleAtTheFirstStepIsAlmostTheCleanSample() {
        var rng = RandomGenerator(seed: 1)
        let x0 = Init.uniform([2, 1, 4, 4], low: -1, high: 1, rng: &rng)
        let noise = NoiseSchedule.noise(x0.shape, rng: &rng)
        let xt = cosine.qSample(x0: x0, t: [0, 0], noise: noise)
        for (a, b) in zip(xt.scalars, x0.scalars) { #expect(Swift.abs(a - b) < 0.03) }
        // Per-clip steps: the second clip at the last step is (almost) pure noise.
        let mixed = cosine.qSample(x0: x0, t: [0, 1599], noise: noise)
        let second = mixed.selecting(axis: 0, 1).scalars, n = noise.selecting(axis: 0, 1).scalars
        for (a, b) in zip(second, n) { #expect(Swift.abs(a - b) < 1e-4) }
    }

    @Test func posteriorOfTheTruePairRecoversTheForwardMean() {
        // With x0 known exactly, E[x_{t-1} | x_t, x0] = c1·x0 + c2·x_t, and x0 from the true ε is x0.
        var rng = RandomGenerator(seed: 2)
        let x0 = Init.uniform([1, 1, 3, 3], low: -1, high: 1, rng: &rng)
        let eps = NoiseSchedule.noise(x0.shape, rng: &rng)
        for t in [1, 400, 1200] {
            let xt = cosine.qSample(x0: x0, t: [t], noise: eps)
            let back = Objective.epsilon.predictedX0(modelOutput: eps, xt: xt, schedule: cosine, t: [t])
            for (a, b) in zip(back.scalars, x0.scalars) { #expect(Swift.abs(a - b) < 2e-3) }
            let v = Objective.v.target(x0: x0, noise: eps, schedule: cosine, t: [t])
            let fromV = Objective.v.predictedX0(modelOutput: v, xt: xt, schedule: cosine, t: [t])
            for (a, b) in zip(fromV.scalars, x0.scalars) { #expect(Swift.abs(a - b) < 1e-4) }
            let epsBack = Objective.epsilon(fromX0: x0, xt: xt, schedule: cosine, t: [t])
            for (a, b) in zip(epsBack.scalars, eps.scalars) { #expect(Swift.abs(a - b) < 1e-3) }
        }
    }
}
