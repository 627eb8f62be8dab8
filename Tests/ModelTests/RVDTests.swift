// RVD-specific checks: the parameter counts of the paper's presets, the training loss's structure and
// the sampler choice.

import Foundation
import Testing
import ZooCore
import RVD
import VD

@Suite struct RVDModel {
    /// Counts from model-rvd.md §3.5 (and the acceptance list). Building all presets allocates
    /// about 0.8 GB of weights in turn, so this is one test.
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
