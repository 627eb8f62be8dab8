// FutureGAN: parameter counts against the reference modules, generator and critic outputs and the WGAN-GP
// critic loss with its gradients against PyTorch on a committed fixture, and the growth schedule.
//
// Reference numbers: `python Tools/gans/futuregan_reference.py counts --reference <FutureGAN checkout>`
// (github.com/TUM-LMF/FutureGAN at 9428c7d, torch 2.13). The fixture
// Fixtures/futuregan_parity.json comes from the same script's `fixtures` command.

import Foundation
import Testing
@testable import GANs
import ZooCore

/// A tensor in the fixture.
private struct FixtureTensor: Decodable {
    var shape: [Int]
    var values: [Double]
    var tensor: Tensor { Tensor(shape: shape, scalars: values.map { Float($0) }) }
}

/// The fixture written by Tools/gans/futuregan_reference.py.
private struct FutureGANFixture: Decodable {
    struct Config: Decodable {
        var channels: Int, size: Int, contextFrames: Int, predictedFrames: Int, width: Int, batch: Int
    }
    struct Case: Decodable {
        var name: String
        var stage: Int
        var flushed: Bool
        var alpha: Double
        var parameters: [String: FixtureTensor]
        var clip: FixtureTensor
        var prediction: FixtureTensor
        var scores: FixtureTensor
        /// zoo's phase of the case: 0 at 4x4, 2k − 1 fading into stage k, 2k after its fade-in.
        var phase: Int { stage == 0 ? 0 : (flushed ? 2 * stage : 2 * stage - 1) }
    }
    struct WGAN: Decodable {
        var real: FixtureTensor
        var fake: FixtureTensor
        var u: [Double]
        var lossD: Double, wasserstein: Double, gradientPenalty: Double, drift: Double, lossG: Double
        var gradients: [String: FixtureTensor]
    }
    var commit: String
    var config: Config
    var cases: [Case]
    var wgan: WGAN

    static func bundled() throws -> FutureGANFixture {
        let url = try #require(Bundle.module.url(forResource: "futuregan_parity", withExtension: "json",
                                                 subdirectory: "Fixtures"))
        return try JSONDecoder().decode(FutureGANFixture.self, from: Data(contentsOf: url))
    }

    /// A FutureGAN config with the fixture's sizes (no halving of the channels up to 8x8, like the reference).
    var modelConfig: FutureGANConfig {
        var c = FutureGANConfig.tiny
        c.contract = ClipContract(channels: config.channels, height: config.size, width: config.size,
                                  contextFrames: config.contextFrames, predictedFrames: config.predictedFrames)
        c.generatorChannels = config.width
        c.criticChannels = config.width
        c.fullWidthUpTo = 32
        return c
    }
}

/// ‖a − b‖ / ‖b‖.
private func relativeL2(_ a: Tensor, _ b: Tensor) -> Double {
    precondition(a.shape == b.shape, "shapes \(a.shape) and \(b.shape) differ")
    var num = 0.0, den = 0.0
    for (x, y) in zip(a.scalars, b.scalars) {
        num += Double(x - y) * Double(x - y)
        den += Double(y) * Double(y)
    }
    return (num / Swift.max(den, 1e-30)).squareRoot()
}

private func parameterCount(_ model: FutureGAN, _ prefix: String, excluding: String? = nil) -> Int {
    model.namedParameters().filter { $0.0.hasPrefix(prefix) && !(excluding.map($0.0.contains) ?? false) }
        .reduce(0) { $0 + $1.1.count }
}

@Suite struct FutureGANTests {
    /// The reference-architecture preset (64x64 gray, 6 + 6 frames, 512 channels) against the reference's
    /// FutureGenerator and Discriminator in every phase: at 4x4, and at each resolution while it fades in
    /// (after grow_network) and after its fade-in (after flush_network, which drops the fade-in paths).
    /// Counted by `futuregan_reference.py counts --presets mmnist64`.
    @Test func referencePresetParameterCountsEqualTheReferenceModules() throws {
        // (phase, generator, discriminator): phase 0, then fading and flushed per resolution 8, 16, 32, 64.
        let reference: [(Int, Int, Int)] = [
            (0, 17_305_089, 57_425_921),
            (1, 35_659_778, 66_603_521), (2, 33_560_065, 65_553_409),
            (3, 51_914_754, 74_731_009), (4, 49_815_041, 73_680_897),
            (5, 68_169_730, 82_858_497), (6, 66_070_017, 81_808_385),
            (7, 72_757_762, 85_152_513), (8, 70_658_049, 84_102_401),
        ]
        var rng = RandomGenerator(seed: 0)
        let model = FutureGAN(config: .mmnist64, rng: &rng)
        #expect(FutureGANConfig.mmnist64.phaseCount == reference.count)
        for (phase, g, d) in reference {
            try model.enterStage(phase)
            #expect(parameterCount(model, "generator.") == g, "phase \(phase)")
            #expect(parameterCount(model, "discriminator.") == d, "phase \(phase)")
            #expect(model.parameterCount == g + d, "phase \(phase)")
            let fadeIn = model.namedParameters().contains { $0.0.contains("fadeIn.") }
            #expect(fadeIn == (phase % 2 == 1), "phase \(phase): fade-in paths \(fadeIn ? "present" : "absent")")
        }
        #expect(model.resolution == 64)
        #expect(model.parameterCount == 154_760_450)
    }

    /// Generator and critic outputs equal the reference's (float64) within 1e-4 relative L2: at 4x4, at 8x8
    /// while fading in (α = 0.3, both low-resolution paths active) and at 8x8 after the fade-in.
    @Test func generatorAndCriticMatchTheReference() throws {
        let fixture = try FutureGANFixture.bundled()
        for item in fixture.cases {
            var rng = RandomGenerator(seed: 0)
            let model = FutureGAN(config: fixture.modelConfig, rng: &rng)
            try model.enterStage(item.phase)
            try model.loadStateDict(item.parameters.mapValues(\.tensor), strict: false)
            let names = Set(model.namedParameters().map(\.0))
            #expect(names == Set(item.parameters.keys), "\(item.name): names differ")
            let alpha = Float(item.alpha)
            let clip = item.clip.tensor
            let past = clip.sliced(axis: 2, 0..<fixture.config.contextFrames)
            let predicted = noGrad { model.generator(past, alpha: alpha) }
            let scores = noGrad { model.discriminator(clip, alpha: alpha) }
            let gError = relativeL2(predicted, item.prediction.tensor)
            let dError = relativeL2(scores, item.scores.tensor)
            #expect(gError < 1e-4, "\(item.name): generator relative L2 \(gError)")
            #expect(dError < 1e-4, "\(item.name): critic relative L2 \(dError)")
        }
    }

    /// The WGAN-GP critic loss of the reference's train.py (λ = 10, drift 0.001, one interpolation weight
    /// per clip) and its gradient with respect to every critic parameter, which goes through the gradient
    /// of the critic's input gradient (second order), against PyTorch.
    @Test func wganGPLossAndGradientsMatchPyTorch() throws {
        let fixture = try FutureGANFixture.bundled()
        let item = try #require(fixture.cases.first { $0.name == "flushed" })
        var rng = RandomGenerator(seed: 0)
        let model = FutureGAN(config: fixture.modelConfig, rng: &rng)
        try model.enterStage(item.phase)
        try model.loadStateDict(item.parameters.mapValues(\.tensor), strict: false)
        let w = fixture.wgan
        let real = w.real.tensor, fake = w.fake.tensor
        let u = Tensor(shape: [w.u.count, 1, 1, 1, 1], scalars: w.u.map { Float($0) })
        let critic: (Tensor) -> Tensor = { model.discriminator($0, alpha: 1) }
        let penalty = gradientPenalty(critic: critic, real: real, fake: fake, weights: u)
        let loss = wassersteinCriticLoss(realScores: critic(real), fakeScores: critic(fake), penalty: penalty,
                                         penaltyWeight: 10, driftWeight: 0.001)
        func close(_ a: Float, _ b: Double) -> Bool { abs(Double(a) - b) <= 1e-4 * Swift.max(1, abs(b)) }
        #expect(close(loss.total.item, w.lossD), "loss_D \(loss.total.item) vs \(w.lossD)")
        #expect(close(loss.wasserstein, w.wasserstein), "W \(loss.wasserstein) vs \(w.wasserstein)")
        #expect(close(loss.gradientPenalty, w.gradientPenalty), "GP \(loss.gradientPenalty) vs \(w.gradientPenalty)")
        #expect(close(loss.drift, w.drift), "drift \(loss.drift) vs \(w.drift)")
        #expect(close(wassersteinGeneratorLoss(fakeScores: critic(fake)).item, w.lossG))

        let params = model.namedParameters().filter { $0.0.hasPrefix("discriminator.") && !$0.0.contains("fadeIn.") }
        #expect(Set(params.map(\.0)) == Set(w.gradients.keys))
        let grads = gradients(of: loss.total, wrt: params.map { $0.1.value })
        for ((name, _), grad) in zip(params, grads) {
            let expected = try #require(w.gradients[name]).tensor
            let error = relativeL2(grad, expected)
            // The score bias only sees mean D(fake) − mean D(real) (+1/N and −1/N per clip, cancelling)
            // and the drift term: its gradient is 0.002·mean D(real) ≈ 1e-5, a difference of unit terms
            // whose float32 rounding (~1e-8 absolute) is a large share of it. It is held to 1e-7 absolute.
            let absolute = error * Double(expected.scalars.map { $0 * $0 }.reduce(0, +).squareRoot())
            #expect(error < 1e-4 || absolute < 1e-7, "∂loss_D/∂\(name): relative L2 \(error), absolute \(absolute)")
        }
    }

    /// Stages, α and the learning rate follow the config: `stageSteps` per stage, α = k/fadeInSteps in the
    /// k-th step of a fade-in, rate ×growthDecay per stage; growth draws from seed + stage only.
    @Test func growthScheduleAndDeterministicNewLayers() throws {
        var c = FutureGANConfig.cpu
        c.stageSteps = 100
        c.fadeInSteps = 50
        #expect(c.stageCount == 4)
        #expect((0..<500).map(c.stage(forStep:)).reduce(into: [Int: Int]()) { $0[$1, default: 0] += 1 }
                == [0: 100, 1: 100, 2: 100, 3: 200])
        #expect(c.fadeInAlpha(step: 50, stage: 0) == 1)
        #expect(c.fadeInAlpha(step: 100, stage: 1) == Float(1) / 50)
        #expect(c.fadeInAlpha(step: 124, stage: 1) == 0.5)
        #expect(c.fadeInAlpha(step: 149, stage: 1) == 1)
        #expect(c.fadeInAlpha(step: 180, stage: 1) == 1)
        #expect(FutureGANConfig.cpuDirect.stageCount == 1)

        var r1 = RandomGenerator(seed: 1), r2 = RandomGenerator(seed: 2)
        let a = FutureGAN(config: .tiny, rng: &r1), b = FutureGAN(config: .tiny, rng: &r2)
        let before = Dictionary(uniqueKeysWithValues: a.namedParameters().map { ($0.0, ObjectIdentifier($0.1)) })
        try a.enterStage(1)
        try b.enterStage(1)
        #expect(a.stage == 1 && a.resolution == 8 && a.alpha == 0)
        let grown = Dictionary(uniqueKeysWithValues: a.namedParameters().map { ($0.0, ObjectIdentifier($0.1)) })
        // The previous stage's fromRGB/toRGB move into the fade-in paths (the same parameters).
        let moved = ["generator.fadeIn.fromRGB": "generator.fromRGB", "generator.fadeIn.toRGB": "generator.toRGB",
                     "discriminator.fadeIn.fromRGB": "discriminator.fromRGB"]
        for (to, from) in moved {
            #expect(try #require(grown[to + ".weight"]) == (try #require(before[from + ".weight"])))
        }
        let old = Set(before.values)
        let added = a.namedParameters().filter { !old.contains(ObjectIdentifier($0.1)) }
        // Weights and biases: G fromRGB, encoder (2), decoder (2), toRGB, fade-in down and up (16); D fromRGB,
        // block (2), fade-in down (8).
        #expect(added.count == 24)
        let bValues = Dictionary(uniqueKeysWithValues: b.namedParameters().map { ($0.0, $0.1.value) })
        for (name, p) in added {
            #expect(identical(p.value, try #require(bValues[name])), "\(name) is not drawn from seed + stage")
        }
        let rates = a.makeOptimizers(learningRate: 1e-3).members.map(\.1.optimizer.learningRate)
        #expect(rates.allSatisfy { abs($0 - 1e-3 * 0.87) < 1e-12 })
        #expect(throws: PredictorError.self) { try a.enterStage(0) }
        #expect(throws: PredictorError.self) { try a.enterStage(3) }
        // Phases: 0, then fading (fadeInSteps) and flushed per growth step.
        #expect(c.phaseCount == 7)
        #expect((0..<500).map(c.phase(forStep:)).reduce(into: [Int: Int]()) { $0[$1, default: 0] += 1 }
                == [0: 100, 1: 50, 2: 50, 3: 50, 4: 50, 5: 50, 6: 150])
        // Flushing drops exactly the fade-in paths and sets α to 1.
        let fading = a.parameterCount
        let paths = a.namedParameters().filter { $0.0.contains("fadeIn.") }.map(\.1.count).reduce(0, +)
        try a.enterStage(2)
        #expect(a.alpha == 1 && a.resolution == 8 && !a.namedParameters().contains { $0.0.contains("fadeIn.") })
        #expect(paths > 0 && fading - a.parameterCount == paths)
    }

    /// Across the flush (tiny: fade-in at steps 2-4, flushed from step 5) the Adam state of the fade-in
    /// carries over, without the dropped paths' entries, and a run resumed just before or just after the
    /// flush ends with the weights of one that never stopped.
    @Test func flushKeepsTheOptimizerStateAndResumesExactly() throws {
        let c = FutureGANConfig.tiny
        #expect(c.phase(forStep: 4) == 1 && c.phase(forStep: 5) == 2)
        var rng = RandomGenerator(seed: 5)
        let model = FutureGAN(config: c, rng: &rng)
        try model.enterStage(1)
        let fading = model.makeOptimizers(learningRate: 1e-3)
        let batch = try testBatch(c.contract, length: c.contract.clipLength)
        _ = model.trainStep(batch, optimizers: fading, step: 2, rng: &rng)
        try model.enterStage(2)
        let flushed = model.makeOptimizers(learningRate: 1e-3)
        for name in ["generator", "discriminator"] {
            let before = fading.member(name).optimizer.exportState(), after = flushed.member(name).optimizer.exportState()
            #expect(after.stepCount == 1 && after.learningRate == before.learningRate)
            #expect(Set(after.slots.keys) == Set(before.slots.keys.filter { !$0.contains("fadeIn.") }))
            #expect(after.slots.keys.allSatisfy { key in identical(after.slots[key]!["exp_avg_sq"]!, before.slots[key]!["exp_avg_sq"]!) })
        }

        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let data = testSequences(c.contract, count: 4, frames: c.contract.clipLength + 2, seed: 8)
        func fresh() -> FutureGAN {
            var r = RandomGenerator(seed: 3)
            return FutureGAN(config: c, rng: &r)
        }
        let total = 7
        let straight = fresh()
        _ = try Trainer(model: straight, preset: "tiny", settings: shortSettings(straight, steps: total, checkpointEvery: total),
                        train: data, run: RunDirectory(path: folder.file("a"))).run()
        #expect(straight.stage == 2)
        for stopAt in [5, 6] {
            let dir = folder.file("b\(stopAt)")
            let first = fresh()
            _ = try Trainer(model: first, preset: "tiny", settings: shortSettings(first, steps: stopAt, checkpointEvery: stopAt),
                            train: data, run: RunDirectory(path: dir)).run()
            let checkpoint = try Checkpoint.read(from: dir + "/last.h5")
            #expect(checkpoint.stage == (stopAt == 5 ? 1 : 2))
            let resumed = fresh()
            _ = try Trainer(model: resumed, preset: "tiny", settings: shortSettings(resumed, steps: total, checkpointEvery: total),
                            train: data, run: RunDirectory(path: dir)).run(resumeFrom: checkpoint, checkpointPath: dir + "/last.h5")
            let a = straight.namedParameters(), b = resumed.namedParameters()
            #expect(a.map(\.0) == b.map(\.0))
            for ((n, p), (_, q)) in zip(a, b) {
                #expect(identical(p.value, q.value), "\(n) differs after a resume at step \(stopAt)")
            }
        }
    }

    /// Before the last stage the prediction is computed at the stage's resolution and upsampled; every
    /// stage gives the contract's frame size, clamped to [−1, 1].
    @Test func predictionsHaveTheFrameSizeInEveryStage() throws {
        var rng = RandomGenerator(seed: 3)
        let model = FutureGAN(config: .tiny, rng: &rng)
        let c = model.contract
        let context = Tensor(shape: [2, c.contextFrames, 1, 8, 8],
                             scalars: (0..<(2 * c.contextFrames * 64)).map { Float(($0 * 37) % 17) / 8 - 1 })
        for stage in 0..<3 {
            try model.enterStage(stage)
            let out = noGrad { model.predict(context: context, frameCount: 7, sampleCount: 2, rng: &rng) }
            #expect(out.shape == [2, 2, 7, 1, 8, 8])
            #expect(out.scalars.allSatisfy { $0 >= -1 && $0 <= 1 })
            if stage == 0 {
                // 4x4 upsampled: each 2x2 block holds one value.
                let v = out.scalars
                #expect(v[0] == v[1] && v[0] == v[8] && v[0] == v[9])
            }
        }
    }

    /// Unknown preset, a stored config that cannot work, and wrong checkpoints give named errors.
    @Test func badInputIsNamed() throws {
        try checkGANBadInput("futuregan", foreign: "retrogan", larger: "cpu-direct")
    }

    @Test func invalidConfigsNameTheField() throws {
        func message(_ edit: (inout FutureGANConfig) -> Void) -> String {
            var c = FutureGANConfig.cpu
            edit(&c)
            do { try c.validate(); return "" } catch { return "\(error)" }
        }
        #expect(message { _ in } == "")
        #expect(message { $0.contract.height = 24; $0.contract.width = 24 }.contains("contract.height"))
        #expect(message { $0.startResolution = 64 }.contains("startResolution"))
        #expect(message { $0.generatorChannels = 30 }.contains("generatorChannels"))
        #expect(message { $0.fadeInSteps = $0.stageSteps + 1 }.contains("fadeInSteps"))
        #expect(message { $0.beta2 = 1 }.contains("beta2"))
        #expect(message { $0.reconstructionWeight = -1 }.contains("reconstructionWeight"))
        #expect(message { $0.stageSteps = 0 }.contains("stageSteps"))
    }
}
