// RVD-specific checks: the parameter counts of the paper's presets, the training loss's structure and
// the sampler choice.

import Foundation
import Testing
import ZooCore
import RVD
import VD

@Suite struct RVDModel {
    /// Counts from docs/models/rvd.md §7. Building all presets allocates about 0.8 GB of weights in
    /// turn, so this is one test.
    @Test func presetParameterCountsMatchTheReference() throws {
        func count(_ config: RVDConfig) -> (Int, Int, Int, Int) {
            var rng = RandomGenerator(seed: 0)
            let m = RVD(config: config, rng: &rng)
            return (m.parameterCount, m.denoiser.parameterCount, m.contextNet.parameterCount,
                    m.transformNet?.parameterCount ?? 0)
        }
        let bair = count(.bair64)
        #expect(bair.0 == 37_611_414)
        #expect(bair.1 == 18_744_291)
        #expect(bair.2 == 13_750_032)
        #expect(bair.3 == 5_117_091)
        #expect(count(.kth64).0 == 37_607_570)
        #expect(count(.city128).0 == 43_613_702)
        #expect(count(.sim128).0 == 43_608_578)
        #expect(count(VDConfig.from(.bair64)).0 == 32_494_323)
    }

    @Test func registryEntriesBuildAndRejectTheWrongMode() throws {
        var rng = RandomGenerator(seed: 0)
        let rvd = try RVD.entry.make("tiny", &rng)
        let vd = try VD.entry.make("tiny", &rng)
        #expect(rvd.modelName == "rvd" && vd.modelName == "vd")
        #expect((vd as? RVD)?.transformNet == nil)
        #expect(!(vd.namedParameters().contains { $0.0.hasPrefix("transform_fn.") }))
        #expect(RVD.entry.defaultPreset == "cpu" && VD.entry.defaultPreset == "cpu")
        let vdJSON = try vd.configJSON()
        #expect(throws: PredictorError.self) { _ = try RVD.entry.load(vdJSON, &rng) }
        _ = try VD.entry.load(vdJSON, &rng)
    }

    @Test func lossIsFiniteAndSeeded() throws {
        var rng = RandomGenerator(seed: 3)
        let model = RVD(config: .tiny, rng: &rng)
        let c = model.contract
        var dataRNG = RandomGenerator(seed: 4)
        let clips = Init.uniform([2, 4, c.channels, c.height, c.width], low: -1, high: 1, rng: &dataRNG)
        var a = RandomGenerator(seed: 11), b = RandomGenerator(seed: 11)
        let l1 = noGrad { model.loss(clips, rng: &a) }
        // The same seed gives the same loss.
        let l2 = noGrad { model.loss(clips, rng: &b) }
        #expect(l1.item.isFinite && l1.item > 0)
        #expect(l1.item == l2.item)
    }

    /// The loss, computed with the denoiser's frames stacked into one call, equals the reference's
    /// frame-by-frame loop (`GaussianDiffusion.forward`) written out here: same draws, the mean of the
    /// per-frame L1 means; and its gradients equal the loop's.
    @Test func batchedLossEqualsTheFrameByFrameLoop() throws {
        var rng = RandomGenerator(seed: 5)
        var config = RVDConfig.tiny
        config.trainClipLength = 5
        let model = RVD(config: config, rng: &rng)
        let c = model.contract
        var dataRNG = RandomGenerator(seed: 6)
        let clips = Init.uniform([3, 5, c.channels, c.height, c.width], low: -1, high: 1, rng: &dataRNG)
        func loop(_ rng: inout RandomGenerator) -> Tensor {
            let steps = (0..<3).map { _ in rng.int(below: model.schedule.stepCount) }
            var state = model.zeroState(batch: 3)
            var condition: RVD.Conditioning?
            var total = Tensor(0)
            for i in 0..<5 {
                let x = clips.selecting(axis: 1, i)
                if i >= config.burnInFrames, let cond = condition {
                    let y0 = x - cond.mu!
                    let noise = NoiseSchedule.noise(y0.shape, rng: &rng)
                    let yn = model.schedule.qSample(x0: y0, t: steps, noise: noise)
                    total = total + l1Loss(noise, model.denoiser(yn, t: steps, context: cond.context))
                }
                if i < 4 { condition = model.read(x, state: &state) }
            }
            return total / Float(5 - config.burnInFrames)
        }
        let parameters = model.namedParameters().map { $0.1.value }
        var a = RandomGenerator(seed: 12), b = RandomGenerator(seed: 12)
        let batched = model.loss(clips, rng: &a)
        let looped = loop(&b)
        #expect(Swift.abs(batched.item - looped.item) <= 1e-6 * Swift.abs(looped.item), "\(batched.item) vs \(looped.item)")
        let gBatched = gradients(of: batched, wrt: parameters), gLooped = gradients(of: looped, wrt: parameters)
        // Per tensor, relative to its largest entry; tensors whose gradient is numerically zero (biases in
        // front of a GroupNorm: ~1e-9 here) are measured against a floor of 1e-3 of the largest gradient.
        let scales = gLooped.map { $0.scalars.map(Swift.abs).max() ?? 0 }
        let floor = 1e-3 * (scales.max() ?? 0)
        var worst: Float = 0
        for ((x, y), scale) in zip(zip(gBatched, gLooped), scales) {
            let diff = zip(x.scalars, y.scalars).map { Swift.abs($0 - $1) }.max() ?? 0
            worst = Swift.max(worst, diff / Swift.max(scale, floor))
        }
        // Float32 rounding of two summation orders: the worst was below 1e-4 with OpenBLAS's Zen kernel
        // and 1.4e-4 with its Cooperlake (AVX-512) kernel; a wrong term or time step gives ≫ 1e-2.
        #expect(worst < 5e-4, "largest relative gradient difference \(worst)")
    }

    @Test func samplerSettingsAreSettableAndChangeTheSamples() throws {
        var rng = RandomGenerator(seed: 0)
        let model = RVD(config: .tiny, rng: &rng)
        let sampling: any DiffusionSampling = model
        #expect(sampling.diffusionStepCount == 20)
        let c = model.contract
        var dataRNG = RandomGenerator(seed: 4)
        let context = Init.uniform([1, c.contextFrames, c.channels, c.height, c.width], low: -1, high: 1, rng: &dataRNG)
        sampling.samplerSettings = .ddim(steps: 4, eta: 0)
        var r1 = RandomGenerator(seed: 1), r2 = RandomGenerator(seed: 1)
        let a = model.predict(context: context, frameCount: 2, sampleCount: 2, rng: &r1)
        let b = model.predict(context: context, frameCount: 2, sampleCount: 2, rng: &r2)
        #expect(a.scalars == b.scalars)
        sampling.samplerSettings = .ddpm
        var r3 = RandomGenerator(seed: 1)
        let d = model.predict(context: context, frameCount: 2, sampleCount: 2, rng: &r3)
        #expect(d.shape == [1, 2, 2, c.channels, c.height, c.width])
        #expect(d.scalars != a.scalars)
        #expect(d.scalars.allSatisfy { $0 >= -1 && $0 <= 1 })
    }
}
