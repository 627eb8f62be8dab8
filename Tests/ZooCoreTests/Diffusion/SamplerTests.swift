// Samplers: a shared conformance run for DDPM and DDIM, DDIM with η = 1 on the full grid equal to DDPM,
// and the x̂₀ clamp. The values themselves are checked against an independent float64 implementation in
// ReferenceValues/DiffusionReferenceTests.swift.

import Foundation
import Testing
@testable import ZooCore
@testable import ZooData
@testable import ZooMetrics
@testable import ZooNN
@testable import ZooRuntime
@testable import ZooTensor

/// A dummy ε-model: ε̂ = 0.5·x (deterministic, depends on the sample only).
private func dummyModel(_ x: Tensor, _ t: Int) -> Tensor { 0.5 * x }

/// Runs a sampling loop with the dummy model.
private func run(_ sampler: any Sampler, shape: [Int], seed: UInt64) -> Tensor {
    var rng = RandomGenerator(seed: seed)
    var x = NoiseSchedule.noise(shape, rng: &rng)
    for (i, t) in sampler.timesteps.enumerated() {
        x = sampler.step(modelOutput: dummyModel(x, t), index: i, sample: x, rng: &rng)
    }
    return x
}

@Suite struct SamplerTests {
    static let schedule = NoiseSchedule.cosine(steps: 10)
    static let samplers: [any Sampler] = [
        DDPMSampler(schedule: schedule, clip: 2),
        DDIMSampler(schedule: schedule, steps: 10, eta: 1, clip: 2),
        DDIMSampler(schedule: schedule, steps: 4, eta: 0, clip: 2),
        DDIMSampler(schedule: schedule, steps: 1, eta: 0.5),
    ]

    @Test(arguments: 0..<samplers.count)
    func samplerConformance(index: Int) {
        let s = Self.samplers[index]
        let ts = s.timesteps
        #expect(ts.first == 9 || ts.count == 1)
        #expect(ts.last == (ts.count == 1 ? 9 : 0))
        #expect(zip(ts, ts.dropFirst()).allSatisfy { $0 > $1 })
        let a = run(s, shape: [2, 1, 4, 4], seed: 3), b = run(s, shape: [2, 1, 4, 4], seed: 3)
        #expect(a.shape == [2, 1, 4, 4] && a.isFinite)
        #expect(a.scalars == b.scalars)                                     // seeded
        if let clip = s.clip { #expect(a.scalars.allSatisfy { Swift.abs($0) <= clip + 1e-5 }) }
    }

    @Test func ddimWithEtaOneOnTheFullGridIsDDPM() {
        let ddpm = DDPMSampler(schedule: Self.schedule, clip: 2)
        let ddim = DDIMSampler(schedule: Self.schedule, steps: 10, eta: 1, clip: 2)
        #expect(ddim.timesteps == ddpm.timesteps)
        for t in 1..<10 {
            let a = Double(Self.schedule.alphasCumprod[t]), ap = Double(Self.schedule.alphasCumprodPrev[t])
            let sigma2 = (1 - ap) / (1 - a) * (1 - a / ap)
            #expect(Swift.abs(sigma2 - Double(Self.schedule.posteriorVariance[t])) < 1e-6 * Swift.max(sigma2, 1e-3))
        }
        // The same noise draws give the same chain (up to float rounding).
        let x = run(ddpm, shape: [1, 1, 5, 5], seed: 8), y = run(ddim, shape: [1, 1, 5, 5], seed: 8)
        for (p, q) in zip(x.scalars, y.scalars) { #expect(Swift.abs(p - q) < 1e-4) }
    }

    @Test func predictedX0IsClamped() {
        let s = DDPMSampler(schedule: Self.schedule, clip: 2)
        let xt = Tensor(shape: [1, 1, 1, 2], scalars: [30, -30])
        let x0 = s.predictedX0(modelOutput: Tensor(shape: [1, 1, 1, 2], scalars: [0, 0]), sample: xt, t: 5)
        #expect(x0.scalars == [2, -2])
    }

    @Test func ddimVisitsEvenlySpacedSteps() {
        let s = DDIMSampler(schedule: .cosine(steps: 1600), steps: 5)
        #expect(s.timesteps == [1599, 1199, 800, 400, 0])
        #expect(throws: SamplerError.self) { try SamplerSettings.ddim(steps: 2000).validate(stepCount: 1600) }
    }
}
